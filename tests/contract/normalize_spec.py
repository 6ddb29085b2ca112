"""Normalises the live register's organisation-API OpenAPI file for schema-driven testing.

The published file carries the register's own field-config keywords inside its JSON Schemas
(`"type": "enum"`, and a `type` next to `anyOf`/`$ref` that contradicts the nullable alternatives,
e.g. `{"anyOf": [{"type": "string"}, {"type": "null"}], "type": "string"}`). Those are not valid
OpenAPI 3.1 / JSON Schema, and the live API itself answers null for such fields. This script drops
exactly those `type` keywords and nothing else, so the contract is the one the live API keeps.

Usage: python3 normalize_spec.py IN.json OUT.json
"""

import json
import sys

VALID = {"string", "number", "integer", "boolean", "array", "object", "null"}


def clean(node):
    if isinstance(node, dict):
        t = node.get("type")
        invalid = isinstance(t, str) and t not in VALID
        shadowed = t is not None and ("anyOf" in node or "$ref" in node or "oneOf" in node)
        if invalid or shadowed:
            del node["type"]
        for v in node.values():
            clean(v)
    elif isinstance(node, list):
        for v in node:
            clean(v)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    # Schemas live under paths and components.schemas; security schemes have a `type` of their own.
    clean(spec.get("paths", {}))
    clean(spec.get("components", {}).get("schemas", {}))
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(spec, f)


if __name__ == "__main__":
    main()

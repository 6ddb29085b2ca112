#!/usr/bin/env bash
# Contract tests: schemathesis against a running algoreg (demo data) for
#   1. algoreg's own OpenAPI (/api/v1/openapi.json), and
#   2. the live register's organisation API (../shared/.../aanleverapi-openapi/v1_0/openapi.json,
#      normalised by normalize_spec.py) under /aanleverapi/v1_0, with an organisation token.
# Checks: no 5xx, and every documented response matches its schema. Also validates the served
# register feed against its JSON Schema (docs/feed/v1/register.schema.json).
# Usage: tests/contract/run.sh [ALGOREG_BIN]   (CONTRACT_SECONDS sets the time per API, default 60)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${1:-target/debug/algoreg}"
SECONDS_PER_API="${CONTRACT_SECONDS:-60}"
ST=$(bash scripts/setup-contract)
SPEC=../shared/anchors/algoritmeregister-standard/aanleverapi-openapi/v1_0/openapi.json
WORK=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT

"$BIN" serve --demo --data "$WORK/data" --addr 127.0.0.1:0 > "$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 300); do grep -q "algoreg listening on" "$WORK/serve.log" && break; sleep 0.2; done
BASE=$(sed -n 's/^algoreg listening on //p' "$WORK/serve.log")
[ -n "$BASE" ] || { cat "$WORK/serve.log"; echo "server did not start" >&2; exit 1; }
ORG=belastingdienst
TOKEN=$("$BIN" token create --data "$WORK/data" --org "$ORG" --role editor 2>/dev/null)
LARS=$(curl -sf "$BASE/api/v1/algorithms?organisation=$ORG&per_page=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
python3 tests/contract/normalize_spec.py "$SPEC" "$WORK/aanleverapi.json"
cat > "$WORK/st.toml" <<TOML
headers = { Authorization = "Bearer \${ALGOREG_TOKEN}" }
[parameters]
"path.organisation_id" = "\${ALGOREG_ORG}"
"path.algorithm_id" = "\${ALGOREG_LARS}"
TOML
export ALGOREG_TOKEN="$TOKEN" ALGOREG_ORG="$ORG" ALGOREG_LARS="$LARS"
CHECKS=not_a_server_error,response_schema_conformance
status=0
echo "== contract: algoreg API v1 ($BASE/api/v1/openapi.json)"
"$ST" run "$BASE/api/v1/openapi.json" --checks "$CHECKS" -H "Authorization: Bearer $TOKEN" \
  --max-time "$SECONDS_PER_API" --workers 1 --no-color > "$WORK/v1.txt" 2>&1 || status=1
tail -n 12 "$WORK/v1.txt"
echo "== contract: organisation API (/aanleverapi/v1_0)"
"$ST" --config-file "$WORK/st.toml" run "$WORK/aanleverapi.json" --url "$BASE/aanleverapi/v1_0" --checks "$CHECKS" \
  --max-time "$SECONDS_PER_API" --workers 1 --no-color > "$WORK/aanlever.txt" 2>&1 || status=1
tail -n 12 "$WORK/aanlever.txt"
echo "== contract: the register feed against docs/feed/v1/register.schema.json"
curl -sf "$BASE/feed/v1/register.json" -o "$WORK/feed.json"
"$(dirname "$ST")/python" - "$WORK/feed.json" docs/feed/v1/register.schema.json <<'PY' || status=1
import json, sys
import jsonschema
feed, schema = (json.load(open(p)) for p in sys.argv[1:3])
v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
errors = list(v.iter_errors(feed))
for e in errors[:10]:
    print("feed schema:", "/".join(map(str, e.path)), e.message)
print(f"feed: {len(feed['records'])} records, {len(errors)} schema errors")
sys.exit(1 if errors else 0)
PY
if [ "$status" != 0 ]; then
  echo "contract tests failed; full output:" >&2
  cat "$WORK/v1.txt" "$WORK/aanlever.txt" >&2
fi
exit $status

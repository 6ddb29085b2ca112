//! Every standard version as JSON Schema (draft 2020-12), made from the same field definitions that
//! validate registrations, with the changes between one version and the next. Pure.

use crate::fields::{FieldDef, FieldKind, Lang};
use crate::versions::StandardVersion;
use serde_json::{json, Map, Value};

/// When a version was published, as far as is known (`yyyy-mm`).
pub fn published(v: StandardVersion) -> Option<&'static str> {
    match v {
        // The live register's first release.
        StandardVersion::V0_1 => Some("2022-12"),
        // The consortium's standards (standaard.algoritmeregister.org): no date is recorded with them.
        StandardVersion::V0_2_3 | StandardVersion::V0_3_1 => None,
        StandardVersion::V0_4 => Some("2023-06"),
        StandardVersion::V1_0 => Some("2023-12"),
    }
}

fn nullable(t: Value) -> Value {
    json!({ "anyOf": [t, { "type": "null" }] })
}

/// The JSON Schema of one field's value.
fn field_schema(f: &FieldDef) -> Value {
    let mut s = match &f.kind {
        FieldKind::Text => {
            let mut t = json!({ "type": "string" });
            if let Some(m) = f.max_len {
                t["maxLength"] = json!(m);
            }
            t
        }
        // Its length counts without the markup, which a schema cannot say: given as x-maxTextLength.
        FieldKind::RichText => {
            let mut t = json!({ "type": "string", "contentMediaType": "text/html" });
            if let Some(m) = f.max_len {
                t["x-maxTextLength"] = json!(m);
            }
            t
        }
        FieldKind::Url => json!({ "type": "string", "format": "uri", "pattern": "^https?://" }),
        FieldKind::ContactPoint => json!({ "type": "string", "description": "an e-mail address or an http(s) URL" }),
        FieldKind::YearMonth => json!({ "type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$" }),
        FieldKind::Choice(values) => json!({ "type": "string", "enum": values }),
        // The live register's data has one value as a string or several as a list.
        FieldKind::MultiChoice(values) => json!({ "anyOf": [
            { "type": "string", "enum": values },
            { "type": "array", "items": { "type": "string", "enum": values }, "uniqueItems": true, "maxItems": crate::validate::MAX_ITEMS }
        ] }),
        FieldKind::Links { title_max, link_max, suggestions, .. } => {
            let mut title = json!({ "type": ["string", "null"] });
            if let Some(m) = title_max {
                title["maxLength"] = json!(m);
            }
            if !suggestions.is_empty() {
                title["examples"] = json!(suggestions);
            }
            json!({ "type": "array", "maxItems": crate::validate::MAX_ITEMS, "items": { "type": "object", "properties": {
                "title": title,
                "link": { "type": ["string", "null"], "maxLength": link_max },
            } } })
        }
        FieldKind::List => json!({ "type": "array", "maxItems": crate::validate::MAX_ITEMS, "items": { "type": "string" } }),
    };
    if let Value::Object(o) = &mut s {
        o.insert("title".into(), json!(f.label(Lang::Nl)));
        o.insert("x-title-en".into(), json!(f.label(Lang::En)));
        o.insert("x-kind".into(), json!(f.kind.name()));
        if f.required {
            o.insert("x-required".into(), json!(true));
        }
    }
    nullable(s)
}

/// The schema of a registration in `version`: one property per field. Fields that must be filled
/// before publication are marked `x-required` and listed in `x-requiredForPublication` (a draft may
/// leave them empty, so they are not JSON Schema's `required`). Other properties are allowed (the
/// live register's records carry keys such as `lars` and `create_dt`).
pub fn json_schema(version: StandardVersion, base_url: &str) -> Value {
    let mut props = Map::new();
    let mut required = vec![];
    for f in version.fields() {
        props.insert(f.key.to_string(), field_schema(f));
        if f.required {
            required.push(f.key);
        }
    }
    // What algoreg adds (see `extensions`), marked as such.
    for f in crate::extensions::EXTRA_FIELDS {
        let mut s = field_schema(f);
        s["x-algoreg"] = json!(true);
        props.insert(f.key.to_string(), s);
    }
    let grounds: Vec<&str> = crate::extensions::GROUNDS.iter().map(|g| g.code).collect();
    let withholdable: Vec<&str> = version.fields().iter().map(|f| f.key).filter(|k| crate::extensions::may_withhold(version, k)).collect();
    props.insert(
        crate::extensions::WITHHELD.into(),
        json!({
            "title": "Afgeschermde velden", "x-title-en": "Withheld fields", "x-algoreg": true,
            "type": ["object", "null"],
            "propertyNames": { "enum": withholdable },
            "additionalProperties": {
                "type": "object", "required": ["ground", "explanation"], "additionalProperties": false,
                "properties": {
                    "ground": { "type": "string", "enum": grounds },
                    "explanation": { "type": "string", "minLength": 1, "maxLength": crate::extensions::EXPLANATION_MAX },
                },
            },
        }),
    );
    props.insert(
        crate::extensions::SHARED.into(),
        json!({"title": "Gedeelde registratie", "x-title-en": "Shared registration", "x-algoreg": true, "type": ["boolean", "null"]}),
    );
    props.insert(
        crate::extensions::ADOPTS.into(),
        json!({
            "title": "Neemt over", "x-title-en": "Adopts", "x-algoreg": true,
            "type": ["object", "null"], "required": ["record"], "additionalProperties": false,
            "properties": {
                "record": { "type": "string", "pattern": "^[0-9]{8}$" },
                "version": { "type": ["integer", "null"], "minimum": 1 },
            },
        }),
    );
    let translatable: Vec<&str> = version.fields().iter().map(|f| f.key).filter(|k| crate::extensions::translatable(version, k)).collect();
    props.insert(
        crate::extensions::TRANSLATIONS.into(),
        json!({
            "title": "Vertalingen", "x-title-en": "Translations", "x-algoreg": true,
            "type": ["object", "null"],
            "propertyNames": { "enum": crate::extensions::TRANSLATION_LANGUAGES },
            "additionalProperties": {
                "type": "object",
                "propertyNames": { "enum": translatable },
                "additionalProperties": { "anyOf": [
                    { "type": "string" },
                    { "type": "object", "required": ["text"], "additionalProperties": false, "properties": {
                        "text": { "type": "string" },
                        "source": { "type": "string", "pattern": "^([0-9a-f]{16}|current)$" },
                    } },
                ] },
            },
        }),
    );
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("{}/api/v1/standards/{}/schema.json", base_url.trim_end_matches('/'), version.as_str()),
        "title": format!("Algoritmeregister publicatiestandaard {}", version.as_str()),
        "x-standardVersion": version.as_str(),
        "x-published": published(version),
        "x-current": version == StandardVersion::CURRENT,
        "type": "object",
        "properties": props,
        "x-requiredForPublication": required,
        "additionalProperties": true,
    })
}

/// What changed from one version to the next: fields added and removed, and fields whose kind, limit
/// or requirement changed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Changes {
    pub from: &'static str,
    pub to: &'static str,
    pub added: Vec<&'static str>,
    pub removed: Vec<&'static str>,
    pub changed: Vec<FieldChange>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    /// What changed, in words (`kind text → rich_text`, `max length 500 → 10000`, `now required`).
    pub what: Vec<String>,
}

pub fn changes(from: StandardVersion, to: StandardVersion) -> Changes {
    let (a, b) = (from.fields(), to.fields());
    let added = b.iter().filter(|f| from.field(f.key).is_none()).map(|f| f.key).collect();
    let removed = a.iter().filter(|f| to.field(f.key).is_none()).map(|f| f.key).collect();
    let mut changed = vec![];
    for new in b {
        let Some(old) = from.field(new.key) else { continue };
        let mut what = vec![];
        if old.kind.name() != new.kind.name() {
            what.push(format!("kind {} → {}", old.kind.name(), new.kind.name()));
        } else if let (FieldKind::Choice(x) | FieldKind::MultiChoice(x), FieldKind::Choice(y) | FieldKind::MultiChoice(y)) =
            (&old.kind, &new.kind)
        {
            if x != y {
                what.push("values of the code list".into());
            }
        }
        if old.max_len != new.max_len {
            let n = |m: Option<usize>| m.map_or("none".to_string(), |m| m.to_string());
            what.push(format!("max length {} → {}", n(old.max_len), n(new.max_len)));
        }
        if old.required != new.required {
            what.push(if new.required { "now required".into() } else { "no longer required".into() });
        }
        if !what.is_empty() {
            changed.push(FieldChange { field: new.key, what });
        }
    }
    Changes { from: from.as_str(), to: to.as_str(), added, removed, changed }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_version_has_a_schema_with_every_field() {
        for v in StandardVersion::ALL {
            let s = json_schema(v, "https://register.example/");
            assert_eq!(s["$id"], format!("https://register.example/api/v1/standards/{}/schema.json", v.as_str()));
            let added = crate::extensions::EXTRA_FIELDS.len() + 4;
            assert_eq!(s["properties"].as_object().unwrap().len(), v.fields().len() + added, "{v}");
            for f in v.fields() {
                assert!(s["properties"][f.key]["anyOf"].is_array(), "{v} {}", f.key);
            }
        }
        let s = json_schema(StandardVersion::V1_0, "");
        assert!(s["x-requiredForPublication"].as_array().unwrap().iter().any(|k| k == "name"));
    }

    #[test]
    fn changes_between_versions_are_listed() {
        let c = changes(StandardVersion::V0_4, StandardVersion::V1_0);
        assert!(!c.added.is_empty() && !c.removed.is_empty(), "{c:?}");
        assert_eq!(
            changes(StandardVersion::V1_0, StandardVersion::V1_0),
            Changes { from: "1.0", to: "1.0", added: vec![], removed: vec![], changed: vec![] }
        );
    }
}

//! The live register's site-data export (`GET /api/downloads/site-data/json`):
//! `{"algoritme_versions": [...], "organisation_details": [...]}`. Each published version is a row
//! per language; the Dutch rows become the record's versions, rows in other languages are kept as
//! translations beside the Dutch version they belong to (in its provenance), so nothing is lost.

use super::formats::{Candidate, CandidateVersion, OrgRef};
use algoreg_domain::org::{OrgType, PublicationFlow};
use algoreg_standard::{Content, StandardVersion};
use algoreg_store::NewOrganisation;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Keys of a site-data version row that are not content.
pub const META_KEYS: &[&str] = &["language", "owner", "lars", "create_dt", "state", "published", "preferred_name", "publication_dt"];

/// A version row with its position in the file.
type Row = (usize, Map<String, Value>);

pub fn is_site_data(v: &Value) -> bool {
    v.get("algoritme_versions").is_some_and(Value::is_array)
}

fn time(s: Option<&str>) -> Option<DateTime<Utc>> {
    s.and_then(|s| DateTime::parse_from_rfc3339(s).ok()).map(|t| t.with_timezone(&Utc))
}

/// Turns a row into content: meta keys out, empty strings and the literal "None" (an artefact of
/// old exports) dropped.
fn content_of(row: &Map<String, Value>, dropped_none: &mut usize) -> Content {
    let mut c = Content::new();
    for (k, v) in row {
        if META_KEYS.contains(&k.as_str()) {
            continue;
        }
        match v {
            Value::Null => {}
            Value::String(s) if s.is_empty() => {}
            Value::String(s) if s == "None" => *dropped_none += 1,
            other => c.set(k, other.clone()),
        }
    }
    c
}

pub fn candidates(mut top: Map<String, Value>) -> (Vec<Candidate>, Vec<String>) {
    let mut warnings = vec![];
    // Organisations: one entry per code; the Dutch row gives the name.
    let mut orgs: BTreeMap<String, NewOrganisation> = BTreeMap::new();
    let mut by_org_id: BTreeMap<String, String> = BTreeMap::new();
    for o in top.get("organisation_details").and_then(Value::as_array).into_iter().flatten() {
        let Some(code) = o.get("code").and_then(Value::as_str).filter(|c| !c.is_empty()) else { continue };
        let dutch = o.get("language").and_then(Value::as_str).is_none_or(|l| l == "NLD");
        if let Some(org_id) = o.get("org_id").and_then(Value::as_str) {
            by_org_id.insert(org_id.to_string(), code.to_string());
        }
        if orgs.contains_key(code) && !dutch {
            continue;
        }
        let s = |k: &str| o.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(String::from);
        orgs.insert(
            code.to_string(),
            NewOrganisation {
                code: code.to_string(),
                name: s("name").unwrap_or_else(|| code.to_string()),
                org_type: s("type").as_deref().and_then(OrgType::parse).unwrap_or(OrgType::Overig),
                tooi: None,
                relations: Default::default(),
                flow: PublicationFlow::Central,
                about: s("about"),
                contact: s("contact_info"),
            },
        );
    }
    let rows = match top.get_mut("algoritme_versions").map(Value::take) {
        Some(Value::Array(rows)) => rows,
        _ => vec![],
    };
    // Group rows by algorithm ID, keeping the order of first appearance.
    let mut order: Vec<String> = vec![];
    let mut groups: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    let mut bad = vec![];
    for (i, row) in rows.into_iter().enumerate() {
        match row {
            Value::Object(o) => {
                let lars = o.get("lars").and_then(Value::as_str).unwrap_or("").to_string();
                if !groups.contains_key(&lars) {
                    order.push(lars.clone());
                }
                groups.entry(lars).or_default().push((i + 1, o));
            }
            _ => bad.push(i + 1),
        }
    }
    let mut dropped_none = 0;
    let mut out = vec![];
    for i in bad {
        out.push(Candidate {
            index: i,
            id: None,
            org: OrgRef::None,
            versions: vec![],
            errors: vec!["record: geen object / not an object".into()],
        });
    }
    for lars in order {
        let rows = groups.remove(&lars).unwrap_or_default();
        let index = rows.first().map(|r| r.0).unwrap_or(0);
        let mut errors = vec![];
        let owner = rows.iter().find_map(|(_, r)| r.get("owner").and_then(Value::as_str)).map(String::from);
        let org = match owner {
            Some(o) => {
                let code = by_org_id.get(&o).cloned().unwrap_or(o);
                orgs.get(&code).cloned().map(OrgRef::Full).unwrap_or(OrgRef::Code(code))
            }
            None => match rows.iter().find_map(|(_, r)| r.get("organization").and_then(Value::as_str)) {
                Some(n) => OrgRef::Name(n.to_string()),
                None => {
                    errors.push("owner: ontbreekt / missing".into());
                    OrgRef::None
                }
            },
        };
        let (mut dutch, other): (Vec<_>, Vec<_>) =
            rows.into_iter().partition(|(_, r)| r.get("language").and_then(Value::as_str).is_none_or(|l| l == "NLD"));
        dutch.sort_by_key(|(_, r)| time(r.get("create_dt").and_then(Value::as_str)));
        let mut versions: Vec<CandidateVersion> = vec![];
        for (_, r) in &dutch {
            let created = r.get("create_dt").and_then(Value::as_str);
            let published_at = time(created);
            if created.is_some() && published_at.is_none() {
                errors.push(format!("create_dt: geen datum-tijd (ISO 8601) / not a date-time: {:?}", created.unwrap_or_default()));
            }
            let content = content_of(r, &mut dropped_none);
            let sv = content.str("standard_version").and_then(StandardVersion::parse);
            let Some(sv) = sv else {
                errors.push(format!("standard_version: onbekend / unknown: {:?}", content.str("standard_version").unwrap_or("")));
                continue;
            };
            versions.push(CandidateVersion {
                standard_version: sv,
                content,
                published_at,
                provenance: Some(json!({"source": "site-data", "state": r.get("state")})),
                raw: None,
            });
        }
        // Translations go with the Dutch version of the same time (the first of that time), or else the
        // newest; looked up by time, so a record with many versions and translations costs no square.
        let mut by_time: std::collections::HashMap<DateTime<Utc>, usize> = std::collections::HashMap::new();
        for (i, v) in versions.iter().enumerate() {
            if let Some(t) = v.published_at {
                by_time.entry(t).or_insert(i);
            }
        }
        for (_, r) in other {
            let lang = r.get("language").and_then(Value::as_str).unwrap_or("").to_string();
            let at = time(r.get("create_dt").and_then(Value::as_str));
            let target = at.and_then(|t| by_time.get(&t).copied()).or(versions.len().checked_sub(1));
            let Some(t) = target else {
                errors.push(format!("language {lang}: vertaling zonder Nederlandse versie / translation without a Dutch version"));
                continue;
            };
            let content = content_of(&r, &mut dropped_none);
            let p = versions[t].provenance.get_or_insert_with(|| json!({}));
            if let Some(p) = p.as_object_mut() {
                let tr = p.entry("translations").or_insert_with(|| json!({}));
                if let Some(tr) = tr.as_object_mut() {
                    tr.insert(lang, json!({"content": Value::Object(content.0), "create_dt": r.get("create_dt")}));
                }
            }
        }
        out.push(Candidate { index, id: Some(lars), org, versions, errors });
    }
    if dropped_none > 0 {
        warnings.push(format!(
            "{dropped_none} velden met de tekst \"None\" als leeg gelezen / {dropped_none} fields holding the text \"None\" read as empty"
        ));
    }
    (out, warnings)
}

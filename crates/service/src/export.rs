//! `algoreg export`: the public register as JSON (algoreg's export format, which `import` reads back)
//! or CSV (one row per record, current published version; UTF-8 with a byte-order mark so that
//! spreadsheet programs read it right).

use crate::error::{Result, ServiceError};
use algoreg_standard::sanitize::plain_text;
use algoreg_standard::StandardVersion;
use algoreg_store::{OrgId, PublishedVersion, Store};
use serde_json::{json, Value};
use std::io::Write;

pub const FORMAT: &str = "algoreg-export";
pub const FORMAT_VERSION: u32 = 1;

/// Every published record with its published versions, and the organisations they belong to (as the
/// export and the register feed list them; `flow` only in the export).
pub(crate) async fn published_with_organisations(store: &dyn Store, flow: bool) -> Result<(Vec<Value>, Vec<PublishedRecord>)> {
    let orgs = store.organisations().await?;
    let records = store.export_published().await?;
    let used: std::collections::HashSet<OrgId> = records.iter().map(|(m, _)| m.org_id).collect();
    let orgs = orgs
        .iter()
        .filter(|o| used.contains(&o.id))
        .map(|o| {
            let mut j = json!({
                "code": o.code, "name": o.name, "type": o.org_type.code(), "tooi": o.tooi,
                "about": o.about, "contact": o.contact,
            });
            if flow {
                j["flow"] = json!(o.flow.code());
            }
            j
        })
        .collect();
    Ok((orgs, records))
}

/// A published record with its published versions, oldest first.
pub(crate) type PublishedRecord = (algoreg_store::RecordMeta, Vec<PublishedVersion>);

pub async fn export_json(store: &dyn Store) -> Result<Value> {
    let (orgs, records) = published_with_organisations(store, true).await?;
    Ok(json!({
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": chrono::Utc::now().to_rfc3339(),
        "organisations": orgs,
        "records": records.iter().map(|(m, versions)| json!({
            "id": m.id.to_string(),
            "organisation": versions.first().map(|v| v.org_code.clone()),
            "versions": versions.iter().map(version_json).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    }))
}

fn version_json(v: &PublishedVersion) -> Value {
    json!({
        "number": v.number,
        "standard_version": v.standard_version.as_str(),
        "published_at": v.published_at.to_rfc3339(),
        "missing": v.missing,
        "provenance": v.provenance,
        "content": v.content,
    })
}

/// A CSV writer into memory that starts with the UTF-8 byte order mark, as every CSV download does
/// (spreadsheet programs then read the accents right).
pub fn csv_in_memory() -> csv::Writer<Vec<u8>> {
    csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec())
}

/// A cell that a spreadsheet could read as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return) gets a leading `'`, so that opening a download never runs anything (OWASP's rule
/// against CSV injection). Every CSV and Excel download goes through this; importing our own downloads
/// takes the quote off again ([`restore_cell`]). This is a deliberate deviation from byte-identical
/// downloads of the live register (docs/COMPATIBILITY.md).
pub fn safe_cell(s: &str) -> std::borrow::Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => std::borrow::Cow::Owned(format!("'{s}")),
        _ => std::borrow::Cow::Borrowed(s),
    }
}

/// The cell as it was before [`safe_cell`]: a `'` followed by a formula start is taken off.
pub fn restore_cell(s: &str) -> &str {
    match s.as_bytes() {
        [b'\'', b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r', ..] => &s[1..],
        _ => s,
    }
}

/// A field value as one CSV cell: lists joined with "; ", link rows as "title (link)", rich text as text.
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => plain_text(s),
        Value::Array(a) => a
            .iter()
            .map(|x| match x {
                Value::Object(o) => {
                    let t = o.get("title").and_then(Value::as_str).unwrap_or("");
                    match o.get("link").and_then(Value::as_str) {
                        Some(l) => format!("{t} ({l})"),
                        None => t.to_string(),
                    }
                }
                other => cell(other),
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

pub async fn export_csv(store: &dyn Store, public_url: &str, out: &mut dyn Write) -> Result<()> {
    let records = store.export_published().await?;
    let current: Vec<&PublishedVersion> = records.iter().filter_map(|(_, vs)| vs.iter().find(|v| v.current)).collect();
    write_csv_with(&current, out, None, public_url)
}

/// The address of a registration's public page on this instance.
pub fn record_url(public_url: &str, id: algoreg_standard::AlgorithmId) -> String {
    format!("{}/nl/algoritme/{id}", public_url.trim_end_matches('/'))
}

/// Content columns of the downloads: standard 1.0 first, then fields of older standards, then the
/// fields algoreg adds.
pub fn columns() -> Vec<&'static str> {
    let mut keys: Vec<&str> = StandardVersion::V1_0.fields().iter().map(|f| f.key).collect();
    for sv in StandardVersion::ALL {
        for f in sv.fields() {
            if !keys.contains(&f.key) {
                keys.push(f.key);
            }
        }
    }
    keys.extend(algoreg_standard::extensions::EXTRA_FIELDS.iter().map(|f| f.key));
    keys
}

/// The columns before the content in algoreg's own downloads.
pub const HEAD_COLUMNS: &[&str] =
    &["lars", "register_url", "organisation_code", "version", "published_at", "standard_version_record", "incomplete_fields"];

/// The columns after the content: the withheld fields with their grounds; whether it is a shared
/// registration; the shared registration it adopts.
pub const TAIL_COLUMNS: &[&str] = &["withheld_fields", "shared", "adopts"];

/// The values of [`HEAD_COLUMNS`] for one version.
pub fn head_cells(v: &PublishedVersion, public_url: &str) -> Vec<String> {
    vec![
        v.record.to_string(),
        record_url(public_url, v.record),
        v.org_code.clone(),
        v.number.to_string(),
        v.published_at.to_rfc3339(),
        v.standard_version.as_str().to_string(),
        v.missing.join("; "),
    ]
}

/// The values of [`TAIL_COLUMNS`]: `field: ground (explanation)`, separated by ` | `.
pub fn tail_cells(v: &PublishedVersion) -> Vec<String> {
    let withheld = algoreg_standard::extensions::withheld(&v.content)
        .into_iter()
        .map(|w| format!("{}: {} ({})", w.field, w.ground, plain_text(&w.explanation)))
        .collect::<Vec<_>>()
        .join(" | ");
    let shared = if algoreg_standard::extensions::is_shared(&v.content) { "true" } else { "" };
    let adopts = algoreg_standard::extensions::adopts(&v.content).map(|(id, _)| id.to_string()).unwrap_or_default();
    vec![withheld, shared.to_string(), adopts]
}

/// Extra columns after the content (the AI Act classification in the portal's downloads).
pub struct Extra<'a> {
    pub headers: &'a [&'a str],
    pub values: &'a dyn Fn(&PublishedVersion) -> Vec<String>,
}

/// Writes versions as CSV: the ID and address first, the content columns ([`columns`]), the withheld
/// fields, and any extra columns.
pub fn write_csv_with(versions: &[&PublishedVersion], out: &mut dyn Write, extra: Option<&Extra>, public_url: &str) -> Result<()> {
    let io = |e: std::io::Error| ServiceError::Internal(format!("write failed: {e}"));
    out.write_all(b"\xEF\xBB\xBF").map_err(io)?;
    let keys = columns();
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<&str> = HEAD_COLUMNS.to_vec();
    header.extend(keys.iter());
    header.extend(TAIL_COLUMNS);
    if let Some(x) = extra {
        header.extend(x.headers.iter());
    }
    w.write_record(&header).map_err(|e| ServiceError::Internal(e.to_string()))?;
    for v in versions {
        let mut row = head_cells(v, public_url);
        row.extend(keys.iter().map(|k| v.content.get(k).map(cell).unwrap_or_default()));
        row.extend(tail_cells(v));
        if let Some(x) = extra {
            row.extend((x.values)(v));
        }
        for c in row.iter_mut() {
            if let std::borrow::Cow::Owned(safe) = safe_cell(c) {
                *c = safe;
            }
        }
        w.write_record(&row).map_err(|e| ServiceError::Internal(e.to_string()))?;
    }
    w.flush().map_err(io)?;
    Ok(())
}

/// One published version in another standard (see `algoreg_standard::mappings`). Records written in
/// an older version of the standard are first carried over to 1.0.
pub fn mapped(m: &algoreg_standard::mappings::Mapping, v: &PublishedVersion, org: Option<&algoreg_store::Organisation>) -> Value {
    let content = algoreg_standard::migrate::to_current(v.standard_version, &v.content).content;
    let facts = algoreg_standard::mappings::RecordFacts {
        id: v.record.to_string(),
        org_name: org.map(|o| o.name.clone()).unwrap_or_else(|| content.str("organization").unwrap_or_default().to_string()),
        org_type_en: org.map(|o| o.org_type.label_en().to_string()).unwrap_or_default(),
        org_contact: org.and_then(|o| o.contact.clone()),
        published: v.published_at.format("%Y-%m-%d").to_string(),
        first_published: v.first_published_at.format("%Y-%m-%d").to_string(),
    };
    algoreg_standard::mappings::apply(m, &content, &facts)
}

/// Every current published record in another standard: `{"mapping", "title", "records": [...]}`.
pub async fn export_mapped(store: &dyn Store, m: &algoreg_standard::mappings::Mapping) -> Result<Value> {
    let orgs: std::collections::HashMap<String, algoreg_store::Organisation> =
        store.organisations().await?.into_iter().map(|o| (o.code.clone(), o)).collect();
    let records = store.export_published().await?;
    let items: Vec<Value> =
        records.iter().filter_map(|(_, vs)| vs.iter().find(|v| v.current)).map(|v| mapped(m, v, orgs.get(&v.org_code))).collect();
    Ok(json!({"mapping": m.name, "title": m.title, "records": items}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_restored() {
        for f in ["=1+1", "+31 6", "-2", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://evil\")"] {
            let safe = safe_cell(f);
            assert!(safe.starts_with('\''), "{f:?}");
            assert_eq!(restore_cell(&safe), f);
        }
        for plain in ["Gemeente", "", "'quoted", "1+1", " =x"] {
            assert_eq!(safe_cell(plain), plain);
            assert_eq!(restore_cell(plain), plain);
        }
    }
}

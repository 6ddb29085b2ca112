//! The live register's CSV and Excel downloads (`/api/downloads/...`), read back.
//!
//! CSV: one row per published version, raw keys as headers, `algorithm_id` and `publication_dt` last.
//! Excel: one sheet per standard version, transposed (column A the field names: Dutch labels or keys,
//! one column per version). Cells are flat text, so what the download flattened stays flat: rich text
//! comes back as plain text, lists split on ", ", link groupings parsed from "1: title, link. 2: ...".
//! Rows of the same `algorithm_id` (the history download) become that record's versions, oldest first.

use super::formats::{Candidate, CandidateVersion, OrgRef};
use algoreg_standard::{Content, FieldKind, StandardVersion};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// Whether the bytes are a CSV download: its header names `algorithm_id` and `name`.
pub fn looks_like_csv(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if !bytes.starts_with(b"\"name\"") {
        return false; // checked first: a JSON file of hundreds of megabytes can be one line
    }
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    memchr::memmem::find(first, b"\"algorithm_id\"").is_some()
}

/// Whether the bytes are an xlsx file (a zip archive).
pub fn looks_like_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

fn publication_dt(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%:z").or_else(|_| DateTime::parse_from_rfc3339(s)).ok().map(|t| t.with_timezone(&Utc))
}

/// "1: title, link. 2: title, link" → [{title, link}].
pub fn parse_links(s: &str) -> Vec<Value> {
    let mut out = vec![];
    let mut rest = s.trim();
    let mut n = 1;
    while !rest.is_empty() {
        let prefix = format!("{n}: ");
        let Some(body) = rest.strip_prefix(&prefix) else { break };
        let next = format!(". {}: ", n + 1);
        let (item, tail) = match body.find(&next) {
            Some(i) => (&body[..i], &body[i + 2..]),
            None => (body, ""),
        };
        let (title, link) = match item.rfind(", ") {
            Some(i) if item[i + 2..].starts_with("http") => (&item[..i], Some(item[i + 2..].trim())),
            _ if item.starts_with("http") => ("", Some(item.trim())),
            _ => (item, None),
        };
        out.push(json!({"title": title.trim(), "link": link}));
        rest = tail;
        n += 1;
    }
    if out.is_empty() && !s.trim().is_empty() {
        out.push(json!({"title": s.trim(), "link": null}));
    }
    out
}

/// One version from its flat cells (key → text).
fn version(cells: &BTreeMap<String, String>, errors: &mut Vec<String>) -> Option<CandidateVersion> {
    let sv_text = cells.get("standard_version").map(String::as_str).unwrap_or("1.0");
    let Some(sv) = StandardVersion::parse(sv_text.trim()) else {
        errors.push(format!("standard_version: onbekend / unknown: {sv_text:?}"));
        return None;
    };
    let mut c = Content::new();
    for f in sv.fields() {
        let Some(text) = cells.get(f.key).map(|s| s.trim()).filter(|s| !s.is_empty()) else { continue };
        let value = match f.kind {
            FieldKind::MultiChoice(_) => json!(text.split(", ").map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>()),
            FieldKind::Links { .. } => Value::Array(parse_links(text)),
            _ => json!(text),
        };
        c.set(f.key, value);
    }
    let published_at = cells.get("publication_dt").and_then(|s| publication_dt(s));
    Some(CandidateVersion {
        standard_version: sv,
        content: c,
        published_at,
        provenance: Some(json!({"source": "register-download"})),
        raw: None,
    })
}

/// A flat row (key → text) with its position in the file.
type Row = (usize, BTreeMap<String, String>);

/// Groups flat rows by algorithm ID into candidates (versions oldest first).
fn candidates(rows: Vec<Row>) -> Vec<Candidate> {
    let mut order: Vec<String> = vec![];
    let mut groups: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for (i, r) in rows {
        let id = r.get("lars").cloned().unwrap_or_default();
        if !groups.contains_key(&id) {
            order.push(id.clone());
        }
        groups.entry(id).or_default().push((i, r));
    }
    let mut out = vec![];
    for id in order {
        let rows = groups.remove(&id).unwrap_or_default();
        let index = rows.first().map(|r| r.0).unwrap_or(0);
        let mut errors = vec![];
        let org = rows.iter().find_map(|(_, r)| r.get("organization").filter(|s| !s.trim().is_empty()).cloned());
        let mut versions: Vec<CandidateVersion> = rows.iter().filter_map(|(_, r)| version(r, &mut errors)).collect();
        versions.sort_by_key(|v| v.published_at);
        out.push(Candidate {
            index,
            id: (!id.is_empty()).then_some(id),
            org: org.map(OrgRef::Name).unwrap_or(OrgRef::None),
            versions,
            errors,
        });
    }
    out
}

/// Reads a CSV download. Errors name the line.
pub fn from_csv(bytes: &[u8]) -> Result<Vec<Candidate>, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut r = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| format!("kopregel / header: {e}"))?
        .iter()
        .map(|h| if h == "algorithm_id" { "lars".to_string() } else { h.to_string() })
        .collect();
    let mut rows = vec![];
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| format!("regel / line {}: {e}", i + 2))?;
        let cells: BTreeMap<String, String> =
            headers.iter().cloned().zip(rec.iter().map(|c| crate::export::restore_cell(c).to_string())).collect();
        rows.push((i + 1, cells));
    }
    Ok(candidates(rows))
}

/// Cells read from one sheet at the most (a download of the whole live register has about 1,530 × 60).
const MAX_XLSX_CELLS: usize = 2_000_000;

/// Reads an Excel download: every sheet, transposed. Cells are read as they stand in the file, never
/// as a grid: a sheet of two cells far apart costs two cells, not the rows times the columns between.
pub fn from_xlsx(bytes: &[u8]) -> Result<Vec<Candidate>, String> {
    use calamine::{Data, Reader, Xlsx};
    let mut wb: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| format!("geen geldig xlsx-bestand / not a valid xlsx file: {e}"))?;
    let mut rows = vec![];
    for name in wb.sheet_names().to_vec() {
        let mut read: Vec<((u32, u32), String)> = vec![];
        let mut reader = match wb.worksheet_cells_reader(&name) {
            Ok(r) => r,
            // A chart or dialog sheet holds no cells: passed over.
            Err(calamine::XlsxError::NotAWorksheet(_)) => continue,
            Err(e) => return Err(format!("{name}: {e}")),
        };
        while let Some(cell) = reader.next_cell().map_err(|e| format!("{name}: {e}"))? {
            if read.len() >= MAX_XLSX_CELLS {
                return Err(format!("{name}: meer dan {MAX_XLSX_CELLS} cellen / more than {MAX_XLSX_CELLS} cells"));
            }
            match Data::from(cell.get_value().clone()) {
                Data::Empty => {}
                value => read.push((cell.get_position(), value.to_string())),
            }
        }
        drop(reader);
        // The sheet's first column with anything in it.
        let Some(first_col) = read.iter().map(|c| c.0 .1).min() else { continue };
        let sv = StandardVersion::parse(&name);
        // The first column: keys or (Dutch) labels of this sheet's standard version.
        let key_of = |label: &str| -> Option<String> {
            match label {
                "Algoritme-ID" | "lars" => return Some("lars".into()),
                "Publicatie datum" | "publication_dt" => return Some("publication_dt".into()),
                _ => {}
            }
            let fields = sv.map(|v| v.fields()).unwrap_or(StandardVersion::CURRENT.fields());
            fields.iter().find(|f| f.key == label || f.label_nl == label).map(|f| f.key.to_string())
        };
        let keys: HashMap<u32, String> =
            read.iter().filter(|((_, c), _)| *c == first_col).filter_map(|((r, _), v)| Some((*r, key_of(v.trim())?))).collect();
        // Every other column is one record: its cells by key, a later row's cell over an earlier one's.
        let mut columns: BTreeMap<u32, BTreeMap<String, String>> = BTreeMap::new();
        for ((r, c), v) in read {
            if let (true, Some(key)) = (c > first_col, keys.get(&r)) {
                columns.entry(c).or_default().insert(key.clone(), crate::export::restore_cell(&v).to_string());
            }
        }
        for (_, mut cells) in columns {
            if let Some(v) = sv {
                cells.entry("standard_version".into()).or_insert_with(|| v.as_str().to_string());
            }
            rows.push((rows.len() + 1, cells));
        }
    }
    Ok(candidates(rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn links_round_trip_the_download_text() {
        assert_eq!(
            parse_links("1: Wegenverkeerswet 1994, https://wetten.overheid.nl/x. 2: Eigen regels"),
            vec![
                json!({"title": "Wegenverkeerswet 1994", "link": "https://wetten.overheid.nl/x"}),
                json!({"title": "Eigen regels", "link": null})
            ]
        );
        assert_eq!(parse_links("losse tekst"), vec![json!({"title": "losse tekst", "link": null})]);
    }

    #[test]
    fn reads_a_csv_download() {
        let csv = "\u{feff}\"name\",\"organization\",\"category\",\"standard_version\",\"algorithm_id\",\"publication_dt\"\n\
                   \"Toets\",\"Gemeente X\",\"Verkeer, Werk\",\"1.0\",\"12345674\",\"2024-05-01 10:11:12.000000+00:00\"\n";
        assert!(looks_like_csv(csv.as_bytes()));
        let c = from_csv(csv.as_bytes()).unwrap();
        assert_eq!(c[0].id.as_deref(), Some("12345674"));
        assert_eq!(c[0].versions[0].content.get("category"), Some(&json!(["Verkeer", "Werk"])));
        assert!(c[0].versions[0].published_at.is_some());
        assert!(from_csv(b"\"name\",\"algorithm_id\"\n\"a\"\n").is_err(), "a short line is an error naming the line");
    }

    /// Two cells at opposite corners of a sheet: read as two cells, not as the grid of 17 billion
    /// between them.
    #[test]
    fn a_sheet_of_two_cells_far_apart_costs_two_cells() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet().set_name("1.0").unwrap();
        sheet.write_string(0, 0, "lars").unwrap();
        sheet.write_string(0, 1, "12345678").unwrap();
        sheet.write_string(1_048_575, 16_383, "ver weg").unwrap();
        // A chart sheet (no cells) is passed over, as before.
        let mut chart = rust_xlsxwriter::Chart::new(rust_xlsxwriter::ChartType::Column);
        chart.add_series().set_values(("1.0", 0, 1, 0, 1));
        book.add_chartsheet().insert_chart(0, 0, &chart).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let read = from_xlsx(&bytes).unwrap();
        assert_eq!(read.len(), 1, "one record: the column with the ID; the far cell has no key in its row");
        assert_eq!(read[0].id.as_deref(), Some("12345678"));
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,300}") {
            let _ = parse_links(&s);
            let _ = from_csv(s.as_bytes());
            let _ = from_xlsx(s.as_bytes());
            let _ = looks_like_csv(s.as_bytes());
        }
    }
}

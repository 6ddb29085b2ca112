//! Recognising and reading the import formats. Pure: bytes in, candidates out.

use crate::error::{Result, ServiceError};
use algoreg_domain::org::{OrgType, PublicationFlow};
use algoreg_standard::{Content, StandardVersion};
use algoreg_store::NewOrganisation;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The daily scrape of the live register: 10 condensed fields per record.
    Scrape,
    /// Records in the standard's own JSON (supplier templates, organisation exports).
    StandardJson,
    /// algoreg's own export.
    AlgoregExport,
    /// An algoreg instance's register feed (`/feed/v1/register.json`): the export's structure.
    AlgoregFeed,
    /// The launch-era seed: SQL INSERT statements (standard 0.1).
    SqlSeed,
    /// The live register's site-data JSON export.
    SiteData,
    /// The live register's CSV download.
    DownloadCsv,
    /// The live register's Excel download.
    DownloadXlsx,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Scrape => "register-scrape",
            Format::StandardJson => "standard-json",
            Format::AlgoregExport => "algoreg-export",
            Format::AlgoregFeed => "algoreg-feed",
            Format::SqlSeed => "register-seed-sql",
            Format::SiteData => "register-site-data",
            Format::DownloadCsv => "register-download-csv",
            Format::DownloadXlsx => "register-download-xlsx",
        }
    }
    /// Whether records in this format were published elsewhere already.
    pub fn is_published(self) -> bool {
        matches!(
            self,
            Format::Scrape
                | Format::AlgoregExport
                | Format::AlgoregFeed
                | Format::SqlSeed
                | Format::SiteData
                | Format::DownloadCsv
                | Format::DownloadXlsx
        )
    }
}

#[derive(Debug, Clone)]
pub enum OrgRef {
    Code(String),
    Name(String),
    Full(NewOrganisation),
    None,
}

#[derive(Debug, Clone)]
pub struct CandidateVersion {
    pub standard_version: StandardVersion,
    pub content: Content,
    pub published_at: Option<DateTime<Utc>>,
    pub provenance: Option<Value>,
    /// The content as JSON text, as the file has it (large exports): stored as it is when checking
    /// changes nothing, instead of being written out again.
    pub raw: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Candidate {
    /// Position in the file, from 1.
    pub index: usize,
    pub id: Option<String>,
    pub org: OrgRef,
    pub versions: Vec<CandidateVersion>,
    /// Structural problems found while reading.
    pub errors: Vec<String>,
}

fn not_an_object(i: usize) -> Candidate {
    Candidate { index: i + 1, id: None, org: OrgRef::None, versions: vec![], errors: vec!["record: geen object / not an object".into()] }
}

pub struct Parsed {
    pub format: Format,
    pub candidates: Vec<Candidate>,
    pub warnings: Vec<String>,
}

fn malformed(msg_nl: &str, msg_en: &str) -> ServiceError {
    ServiceError::bad("file", msg_nl, msg_en)
}

/// Recognises the format from the content.
pub fn detect(v: &Value) -> Result<Format> {
    match v {
        Value::Object(o) if o.get("format").and_then(Value::as_str) == Some("algoreg-export") => Ok(Format::AlgoregExport),
        Value::Object(o) if o.get("format").and_then(Value::as_str) == Some("algoreg-feed") => {
            match o.get("format_version").and_then(Value::as_u64) {
                Some(1) => Ok(Format::AlgoregFeed),
                _ => Err(malformed(
                    "Onbekende versie van de algoreg-feed: deze versie leest format_version 1.",
                    "Unknown algoreg feed version: this version reads format_version 1.",
                )),
            }
        }
        Value::Object(o) if o.get("algoritmes").is_some_and(Value::is_array) => Ok(Format::Scrape),
        v if super::site_data::is_site_data(v) => Ok(Format::SiteData),
        Value::Object(o) if o.contains_key("name") || o.contains_key("standard_version") => Ok(Format::StandardJson),
        Value::Array(a) if a.iter().all(|x| x.is_object()) => Ok(Format::StandardJson),
        _ => Err(malformed(
            "Onbekend bestandsformaat: verwacht de register-scrape, JSON volgens de standaard, of een algoreg-export.",
            "Unknown file format: expected the register scrape, standard JSON, or an algoreg export.",
        )),
    }
}

pub fn parse(bytes: &[u8]) -> Result<Parsed> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if super::download_layout::looks_like_xlsx(bytes) {
        let candidates = super::download_layout::from_xlsx(bytes)
            .map_err(|e| malformed(&format!("Ongeldig Excel-bestand: {e}"), &format!("Invalid Excel file: {e}")))?;
        return Ok(Parsed { format: Format::DownloadXlsx, candidates, warnings: vec![] });
    }
    if super::download_layout::looks_like_csv(bytes) {
        let candidates =
            super::download_layout::from_csv(bytes).map_err(|e| malformed(&format!("Ongeldige CSV: {e}"), &format!("Invalid CSV: {e}")))?;
        return Ok(Parsed { format: Format::DownloadCsv, candidates, warnings: vec![] });
    }
    if super::sql_seed::looks_like_sql(bytes) {
        let (candidates, warnings) =
            super::sql_seed::candidates(bytes).map_err(|e| malformed(&format!("Ongeldige SQL: {e}"), &format!("Invalid SQL: {e}")))?;
        return Ok(Parsed { format: Format::SqlSeed, candidates, warnings });
    }
    if bytes.len() > 1 << 20 {
        if let Some(parsed) = export_parallel(bytes) {
            return Ok(parsed);
        }
    }
    let v: Value = serde_json::from_slice(bytes).map_err(|e| not_json(e.line(), e.column(), &e))?;
    let format = detect(&v)?;
    let mut warnings = vec![];
    let candidates = match format {
        Format::StandardJson => standard(v, &mut warnings),
        Format::SqlSeed | Format::DownloadCsv | Format::DownloadXlsx => vec![],
        Format::SiteData => {
            let Value::Object(top) = v else { return Err(malformed("Verwacht een JSON-object.", "Expected a JSON object.")) };
            let (c, w) = super::site_data::candidates(top);
            warnings.extend(w);
            c
        }
        Format::Scrape | Format::AlgoregExport | Format::AlgoregFeed => {
            let Value::Object(top) = v else { return Err(malformed("Verwacht een JSON-object.", "Expected a JSON object.")) };
            if format == Format::Scrape {
                scrape(top)
            } else {
                export(top)?
            }
        }
    };
    Ok(Parsed { format, candidates, warnings })
}

fn s(o: &Map<String, Value>, k: &str) -> Option<String> {
    o.get(k).and_then(Value::as_str).map(|s| s.to_string())
}

fn date(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc()))
        .or_else(|| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|t| t.and_utc()))
}

/// Maps the scrape's status codes to the standard's values.
pub fn scrape_status(code: &str) -> Option<&'static str> {
    match code {
        "in_gebruik" => Some("In gebruik"),
        "ontwikkeling" => Some("In ontwikkeling"),
        "buiten_gebruik" => Some("Buiten gebruik"),
        _ => None,
    }
}

fn scrape(mut top: Map<String, Value>) -> Vec<Candidate> {
    let fetched_at = s(&top, "fetched_at");
    let items = match top.remove("algoritmes") {
        Some(Value::Array(items)) => items,
        _ => vec![],
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let mut errors = vec![];
            let Value::Object(o) = item else {
                return not_an_object(i);
            };
            let mut text = |k: &str| -> Option<String> {
                match o.get(k) {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(_) => {
                        errors.push(format!("{k}: verwacht tekst / expected a string"));
                        None
                    }
                }
            };
            let id = text("id");
            let title = text("title");
            let org = text("organisatie");
            let goal = text("doel");
            let lawful = text("juridische_basis");
            let status = text("status");
            let registered = text("geregistreerd");
            let mut content = Content::new();
            if let Some(t) = title {
                content.set("name", t);
            }
            if let Some(o) = &org {
                content.set("organization", o.clone());
            }
            if let Some(st) = &status {
                match scrape_status(st) {
                    Some(v) => content.set("status", v),
                    None => errors.push(format!("status: onbekende waarde {st:?} / unknown value")),
                }
            }
            if let Some(g) = goal {
                content.set("goal", g);
            }
            if let Some(l) = lawful {
                content.set("lawful_basis", l);
            }
            content.set("lang", "nld");
            content.set("standard_version", "1.0");
            let published_at = registered.as_deref().and_then(date);
            if registered.is_some() && published_at.is_none() {
                errors.push("geregistreerd: geen datum jjjj-mm-dd / not a date yyyy-mm-dd".into());
            }
            let provenance = json!({
                "source": "register-scrape",
                "fetched_at": fetched_at,
                "url": o.get("url"),
                "impactassessment": o.get("impactassessment"),
                "geregistreerd": o.get("geregistreerd"),
                "toegevoegd": o.get("toegevoegd"),
            });
            if id.is_none() {
                errors.push("id: ontbreekt / missing".into());
            }
            Candidate {
                index: i + 1,
                id,
                org: org.map(OrgRef::Name).unwrap_or(OrgRef::None),
                versions: vec![CandidateVersion {
                    standard_version: StandardVersion::V1_0,
                    content,
                    published_at,
                    provenance: Some(provenance),
                    raw: None,
                }],
                errors,
            }
        })
        .collect()
}

/// Keys that describe a record rather than being content of the standard.
const META_KEYS: &[&str] = &["lars", "id", "language", "create_dt", "publication_dt", "code", "org_id", "owner", "state"];

fn standard(v: Value, warnings: &mut Vec<String>) -> Vec<Candidate> {
    let items = match v {
        Value::Array(a) => a,
        other => vec![other],
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let Value::Object(mut o) = item else {
                return not_an_object(i);
            };
            let mut errors = vec![];
            let version = match o.get("standard_version") {
                None | Some(Value::Null) => StandardVersion::CURRENT,
                Some(Value::String(s)) => StandardVersion::parse(s).unwrap_or_else(|| {
                    errors.push(format!("standard_version: onbekende versie {s:?} / unknown version"));
                    StandardVersion::CURRENT
                }),
                Some(_) => {
                    errors.push("standard_version: verwacht tekst / expected a string".into());
                    StandardVersion::CURRENT
                }
            };
            let id = o.get("lars").and_then(Value::as_str).map(String::from);
            let org = match o.get("organization").and_then(Value::as_str) {
                Some(n) if !n.trim().is_empty() => OrgRef::Name(n.trim().to_string()),
                _ => OrgRef::None,
            };
            let mut dropped = vec![];
            o.retain(|k, _| {
                if META_KEYS.contains(&k.as_str()) {
                    return false;
                }
                let known = version.field(k).is_some();
                if !known {
                    dropped.push(k.clone());
                }
                known
            });
            if !dropped.is_empty() {
                warnings.push(format!(
                    "record {}: velden buiten standaard {} niet overgenomen / fields outside standard {} not taken over: {}",
                    i + 1,
                    version,
                    version,
                    dropped.join(", ")
                ));
            }
            let mut content = Content(o);
            if version == StandardVersion::CURRENT {
                content.set("standard_version", "1.0");
                if let Some(l) = content.str("lang").map(|s| s.to_lowercase()) {
                    content.set("lang", l);
                }
            }
            Candidate {
                index: i + 1,
                id,
                org,
                versions: vec![CandidateVersion { standard_version: version, content, published_at: None, provenance: None, raw: None }],
                errors,
            }
        })
        .collect()
}

fn export_orgs(top: &Map<String, Value>) -> HashMap<String, NewOrganisation> {
    let mut orgs = HashMap::new();
    for o in top.get("organisations").and_then(Value::as_array).into_iter().flatten() {
        let Some(code) = o.get("code").and_then(Value::as_str) else { continue };
        let org = NewOrganisation {
            code: code.to_string(),
            name: o.get("name").and_then(Value::as_str).unwrap_or(code).to_string(),
            org_type: o.get("type").and_then(Value::as_str).and_then(OrgType::parse).unwrap_or(OrgType::Overig),
            tooi: o.get("tooi").and_then(Value::as_str).map(String::from),
            relations: Default::default(),
            flow: o.get("flow").and_then(Value::as_str).and_then(PublicationFlow::parse).unwrap_or(PublicationFlow::Central),
            about: o.get("about").and_then(Value::as_str).map(String::from),
            contact: o.get("contact").and_then(Value::as_str).map(String::from),
        };
        orgs.insert(code.to_string(), org);
    }
    orgs
}

fn export(mut top: Map<String, Value>) -> Result<Vec<Candidate>> {
    let orgs = export_orgs(&top);
    let records = match top.get_mut("records").map(Value::take) {
        Some(Value::Array(records)) => records,
        _ => return Err(malformed("records ontbreekt of is geen lijst.", "records is missing or not a list.")),
    };
    Ok(records.into_iter().enumerate().map(|(i, r)| export_record(i, r, &orgs, None)).collect())
}

fn not_json(line: usize, column: usize, e: &serde_json::Error) -> ServiceError {
    // The parser's own text ends with its position, which is not the file's for a record read alone.
    let text = e.to_string();
    let what = text.rsplit_once(" at line ").map_or(text.as_str(), |(what, _)| what);
    malformed(
        &format!("Geen geldige JSON (regel {line}, kolom {column})."),
        &format!("Not valid JSON (line {line}, column {column}): {what}"),
    )
}

/// An export or feed whose records are found in the file but not read yet ([`super::split`]).
pub struct Split {
    pub format: Format,
    pub orgs: HashMap<String, NewOrganisation>,
    /// Where each record is in the file.
    pub records: Vec<Range<usize>>,
}

/// Large exports and feeds: the records are found without parsing. `None` when the document is not
/// such an export (or not valid): the caller parses it whole.
pub fn split_export(bytes: &[u8]) -> Option<Split> {
    let (span, records) = super::split::array_elements(bytes, b"records")?;
    let mut head = Vec::with_capacity(bytes.len() - span.len() + 2);
    head.extend_from_slice(&bytes[..span.start]);
    head.extend_from_slice(b"[]");
    head.extend_from_slice(&bytes[span.end..]);
    let head: Value = serde_json::from_slice(&head).ok()?;
    let format = detect(&head).ok().filter(|f| matches!(f, Format::AlgoregExport | Format::AlgoregFeed))?;
    let Value::Object(top) = head else { return None };
    Some(Split { format, orgs: export_orgs(&top), records })
}

impl Split {
    /// Reads the `i`-th record (from 0), with the text of each content when `raw`. A record that is not
    /// valid JSON gives the file's error, with the line and column in the whole file.
    pub fn read(&self, bytes: &[u8], i: usize, raw: bool) -> Result<Candidate> {
        let span = self.records[i].clone();
        let position = |offset: usize, line: usize, column: usize| {
            let before = &bytes[..span.start];
            let lines = memchr::memchr_iter(b'\n', before).count();
            let line_start = memchr::memrchr(b'\n', before).map_or(0, |p| p + 1);
            let column = if line == 1 { span.start - line_start + offset + column } else { column };
            (lines + line, column)
        };
        // Checked as UTF-8 once, whole, so the parser need not check every string again.
        let text = match std::str::from_utf8(&bytes[span.clone()]) {
            Ok(text) => text,
            Err(e) => {
                let valid = &bytes[span.start..span.start + e.valid_up_to()];
                let line = 1 + memchr::memchr_iter(b'\n', valid).count();
                let col = e.valid_up_to() - memchr::memrchr(b'\n', valid).map_or(0, |p| p + 1) + 1;
                let (line, column) = if line == 1 { position(e.valid_up_to(), 1, 1) } else { position(0, line, col) };
                return Err(malformed(
                    &format!("Geen geldige UTF-8-tekst (regel {line}, kolom {column})."),
                    &format!("Not valid UTF-8 text (line {line}, column {column})."),
                ));
            }
        };
        match serde_json::from_str::<Value>(text) {
            Ok(v) => Ok(export_record(i, v, &self.orgs, raw.then_some(text))),
            Err(e) => {
                let (line, column) = position(0, e.line(), e.column());
                Err(not_json(line, column, &e))
            }
        }
    }
}

/// Large exports and feeds read whole: the records parsed on all cores.
fn export_parallel(bytes: &[u8]) -> Option<Parsed> {
    use rayon::prelude::*;
    let split = split_export(bytes)?;
    let candidates: Option<Vec<Candidate>> =
        (0..split.records.len()).into_par_iter().with_min_len(256).map(|i| split.read(bytes, i, false).ok()).collect();
    Some(Parsed { format: split.format, candidates: candidates?, warnings: vec![] })
}

/// The JSON text of each version's content in one record's text, when it can be found unambiguously.
fn raw_contents(record: &str) -> Option<Vec<Option<&str>>> {
    // The spans fall on ASCII bytes (quotes, braces), so on character boundaries.
    let contents = super::split::array_members(record.as_bytes(), b"versions", b"content")?;
    Some(contents.into_iter().map(|c| c.and_then(|c| record.get(c))).collect())
}

fn export_record(i: usize, mut r: Value, orgs: &HashMap<String, NewOrganisation>, text: Option<&str>) -> Candidate {
    let mut errors = vec![];
    let id = r.get("id").and_then(Value::as_str).map(String::from);
    let org = match r.get("organisation").and_then(Value::as_str) {
        Some(c) => orgs.get(c).cloned().map(OrgRef::Full).unwrap_or(OrgRef::Code(c.to_string())),
        None => {
            errors.push("organisation: ontbreekt / missing".into());
            OrgRef::None
        }
    };
    let mut versions = vec![];
    let list = match r.get_mut("versions").map(Value::take) {
        Some(Value::Array(list)) => list,
        _ => {
            errors.push("versions: ontbreekt of is geen lijst / missing or not a list".into());
            vec![]
        }
    };
    let raw = text.and_then(raw_contents).filter(|r| r.len() == list.len()).unwrap_or_default();
    for (j, mut v) in list.into_iter().enumerate() {
        let sv = v.get("standard_version").and_then(Value::as_str).and_then(StandardVersion::parse);
        let content = match v.get_mut("content").map(Value::take) {
            Some(Value::Object(c)) => Some(c),
            _ => None,
        };
        match (sv, content) {
            (Some(sv), Some(c)) => versions.push(CandidateVersion {
                standard_version: sv,
                content: Content(c),
                published_at: v.get("published_at").and_then(Value::as_str).and_then(date),
                provenance: v.get_mut("provenance").map(Value::take).filter(|p| !p.is_null()),
                raw: raw.get(j).copied().flatten().map(String::from),
            }),
            _ => errors.push(format!("versions[{j}]: standard_version of content ontbreekt / standard_version or content missing")),
        }
    }
    Candidate { index: i + 1, id, org, versions, errors }
}

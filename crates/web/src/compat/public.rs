//! The live register's public API (`/api/...`), answered exactly as it does: see
//! `algoreg_service::compat` for what the answers hold and where algoreg deviates on purpose.

use super::{verr, Answer, Detail};
use algoreg_domain::org::OrgType;
use algoreg_service::compat::{self, Language, LiveQuery, LiveSort};
use algoreg_service::App;
use algoreg_standard::codes::IMPACT_ASSESSMENTS;
use algoreg_store::PublishedVersion;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use serde_json::{json, Value};
use std::collections::HashMap;

pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .add("GET", "/api/algoritme/total-count", get(total_count))
        .add("POST", "/api/algoritme/{language}", post(search).layer(axum::extract::DefaultBodyLimit::max(crate::security::SMALL_BODY)))
        .add("GET", "/api/algoritme/{language}/{lars}", get(one))
        .add("GET", "/api/algoritme/{language}/similar/{lars}", get(similar))
        .add("GET", "/api/suggestion/{language}/{search}", get(suggestion))
        .add("GET", "/api/downloads/site-data/json", get(site_data))
        .add("GET", "/api/downloads/history/algorithms/{lars}/{language}", get(download_history_one))
        .add("GET", "/api/downloads/algorithms/{lars}/{language}", get(download_one))
        .add("GET", "/api/downloads/history/{language}", get(download_history))
        .add("GET", "/api/downloads/{language}", get(download_all))
        .add("GET", "/api/health", get(|| async { Json("OK") }))
}

fn language(s: &str) -> Result<Language, Detail> {
    Language::parse(s)
        .ok_or_else(|| Detail::invalid(vec![verr("enum", &["path", "language"], "Input should be 'NLD', 'ENG' or 'FRY'", &json!(s))]))
}

/// An integer given as a number or as a numeric string, within bounds.
fn int_field(body: &serde_json::Map<String, Value>, key: &str, default: u64, min: u64, max: Option<u64>, errors: &mut Vec<Value>) -> u64 {
    let v = match body.get(key) {
        None => return default,
        Some(v) => v,
    };
    let n = match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64)),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    let Some(n) = n else {
        errors.push(verr("int_parsing", &["body", key], "Input should be a valid integer, unable to parse string as an integer", v));
        return default;
    };
    if n < min as i64 {
        errors.push(json!({"type": "greater_than_equal", "loc": ["body", key], "msg": format!("Input should be greater than or equal to {min}"), "input": v, "ctx": {"ge": min}}));
        return default;
    }
    if let Some(max) = max {
        if n > max as i64 {
            errors.push(json!({"type": "less_than_equal", "loc": ["body", key], "msg": format!("Input should be less than or equal to {max}"), "input": v, "ctx": {"le": max}}));
            return default;
        }
    }
    n as u64
}

/// A string or null; anything else is an error.
fn opt_str(body: &serde_json::Map<String, Value>, key: &str, errors: &mut Vec<Value>) -> Option<String> {
    match body.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() > 1000 => {
            errors.push(verr("string_too_long", &["body", key], "String should have at most 1000 characters", &json!(s)));
            None
        }
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            errors.push(verr("string_type", &["body", key], "Input should be a valid string", other));
            None
        }
    }
}

/// Parses and validates the search body; every failing field is reported at once.
pub fn parse_query(bytes: &[u8]) -> Result<LiveQuery, Detail> {
    let body = super::object_body(bytes)?;
    let mut errors = vec![];
    let page = int_field(&body, "page", 1, 1, Some(1_000_000), &mut errors);
    let limit = int_field(&body, "limit", 10, 1, Some(100), &mut errors);
    let searchtext = opt_str(&body, "searchtext", &mut errors).unwrap_or_default();
    let organisation = opt_str(&body, "organisation", &mut errors);
    let publicationcategory = opt_str(&body, "publicationcategory", &mut errors);
    let organisationtype = match opt_str(&body, "organisationtype", &mut errors) {
        None => None,
        Some(t) => match OrgType::parse(&t) {
            Some(t) => Some(t),
            None => {
                errors.push(verr("enum", &["body", "organisationtype"], "Input should be one of the organisation types", &json!(t)));
                None
            }
        },
    };
    let impact_assessment = match opt_str(&body, "impact_assessment", &mut errors) {
        None => None,
        Some(t) if IMPACT_ASSESSMENTS.contains(&t.as_str()) => Some(t),
        Some(t) => {
            errors.push(verr("enum", &["body", "impact_assessment"], "Input should be one of the impact-assessment titles", &json!(t)));
            None
        }
    };
    let sort_option = match opt_str(&body, "sort_option", &mut errors).as_deref() {
        None | Some("sort_name") => LiveSort::Name,
        Some("sort_number") => LiveSort::Number,
        Some(other) => {
            errors.push(verr("enum", &["body", "sort_option"], "Input should be 'sort_name' or 'sort_number'", &json!(other)));
            LiveSort::Name
        }
    };
    if !errors.is_empty() {
        return Err(Detail::invalid(errors));
    }
    Ok(LiveQuery { page, limit, searchtext, organisation, publicationcategory, organisationtype, impact_assessment, sort_option })
}

async fn search(State(app): State<App>, Path(lang): Path<String>, body: Bytes) -> Answer {
    let lang = language(&lang)?;
    let q = parse_query(&body)?;
    Ok(Json(compat::search(&app, lang, &q).await?))
}

fn not_found() -> Detail {
    Detail::text(StatusCode::NOT_FOUND, "Kan algoritme niet vinden.")
}

async fn one(State(app): State<App>, Path((lang, lars)): Path<(String, String)>) -> Answer {
    let lang = language(&lang)?;
    compat::one(&app, lang, &lars).await?.map(Json).ok_or_else(not_found)
}

async fn total_count(State(app): State<App>) -> Result<Json<u64>, Detail> {
    Ok(Json(app.register().count_published().await?))
}

async fn similar(State(app): State<App>, Path((lang, lars)): Path<(String, String)>) -> Answer {
    let lang = language(&lang)?;
    compat::similar(&app, lang, &lars).await?.map(Json).ok_or_else(not_found)
}

async fn suggestion(State(app): State<App>, Path((lang, text)): Path<(String, String)>) -> Answer {
    language(&lang)?;
    let text: String = text.chars().take(200).collect();
    Ok(Json(compat::suggestions(&app, &text).await?))
}

async fn site_data(State(app): State<App>) -> Answer<Response> {
    // The whole register: rendered once per state of the register, then served from memory.
    let body = app
        .cached("compat:site-data".into(), |app| async move {
            let data = compat::site_data(&app).await?;
            serde_json::to_vec(&data).map_err(|e| algoreg_service::ServiceError::Internal(e.to_string()))
        })
        .await?;
    let body: axum::body::Body = crate::site::Shared(body).into();
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r.headers_mut().insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=pub_data.json"));
    Ok(r)
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum FileType {
    Excel,
    Csv,
}

fn filetype(q: &HashMap<String, String>) -> Result<FileType, Detail> {
    match q.get("filetype").map(String::as_str) {
        Some("excel") => Ok(FileType::Excel),
        Some("csv") => Ok(FileType::Csv),
        Some(other) => Err(Detail::invalid(vec![
            json!({"type": "literal_error", "loc": ["query", "filetype"], "msg": "Input should be 'excel' or 'csv'", "input": other, "ctx": {"expected": "'excel' or 'csv'"}}),
        ])),
        None => Err(Detail::invalid(vec![verr("missing", &["query", "filetype"], "Field required", &Value::Null)])),
    }
}

async fn download_all(State(app): State<App>, Path(lang): Path<String>, Query(q): Query<HashMap<String, String>>) -> Answer<Response> {
    download(&app, &lang, &q, false, None).await
}

async fn download_history(State(app): State<App>, Path(lang): Path<String>, Query(q): Query<HashMap<String, String>>) -> Answer<Response> {
    download(&app, &lang, &q, true, None).await
}

async fn download_one(
    State(app): State<App>,
    Path((lars, lang)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Answer<Response> {
    download(&app, &lang, &q, false, Some(&lars)).await
}

async fn download_history_one(
    State(app): State<App>,
    Path((lars, lang)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Answer<Response> {
    download(&app, &lang, &q, true, Some(&lars)).await
}

async fn download(app: &App, lang: &str, q: &HashMap<String, String>, history: bool, lars: Option<&str>) -> Answer<Response> {
    let lang = language(lang)?;
    let ft = filetype(q)?;
    let date = chrono::Utc::now().format("%Y%m%d");
    let (mime, ext) = match ft {
        FileType::Csv => ("text/csv; charset=utf-8", "csv"),
        FileType::Excel => ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    };
    let public_url = app.public_url().to_string();
    let render = move |rows: Vec<PublishedVersion>| async move {
        // Rendering is CPU work: off the request threads.
        tokio::task::spawn_blocking(move || match ft {
            FileType::Csv => Ok(compat::download_csv(&rows, &public_url)),
            FileType::Excel => excel(&rows, lang, &public_url).map_err(|e| algoreg_service::ServiceError::Internal(e.to_string())),
        })
        .await
        .map_err(|e| algoreg_service::ServiceError::Internal(e.to_string()))?
    };
    let (body, stem): (axum::body::Body, String) = match lars {
        Some(_) => {
            let rows = compat::download_rows(app, lang, history, lars).await?;
            let Some(first) = rows.first() else { return Err(Detail::text(StatusCode::NOT_FOUND, "NO_DATA_FOUND")) };
            let stem = format!("{} {date}", first.content.name());
            (render(rows).await?.into(), stem)
        }
        None => {
            if app.register().count_published().await? == 0 {
                return Err(Detail::text(StatusCode::NOT_FOUND, "NO_DATA_FOUND"));
            }
            // The whole register: rendered once per state of the register, then served from memory.
            let bytes = app
                .cached(format!("compat:{lang:?}:{history}:{ft:?}"), move |app| async move {
                    render(compat::download_rows(&app, lang, history, None).await?).await
                })
                .await?;
            (crate::site::Shared(bytes).into(), format!("Algoritmebeschrijvingen {date}"))
        }
    };
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    // An ASCII fallback plus the exact UTF-8 name (RFC 6266 / 5987).
    let ascii: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() || " -_.".contains(c) { c } else { '_' }).collect();
    let encoded: String = format!("{stem}.{ext}")
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}.{ext}\"; filename*=UTF-8''{encoded}")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

/// Excel as the live register writes it: one sheet per standard version (newest standard first),
/// transposed: column A the field names (Dutch labels for NLD, keys otherwise), one column per record.
/// Records on one sheet of the Excel download: the columns a sheet has, less the labels' column.
const RECORDS_A_SHEET: usize = 16_383;

fn excel(rows: &[PublishedVersion], lang: Language, public_url: &str) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let mut versions: Vec<_> = rows.iter().map(|v| v.standard_version).collect();
    versions.sort();
    versions.dedup();
    versions.reverse();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    // A record a column, as the live register lays it out: a sheet holds 16,383 of them beside the
    // labels, so a standard version with more goes on in sheets "1.0 (2)", "1.0 (3)", ...
    let sheets = versions.into_iter().flat_map(|sv| {
        let of: Vec<&PublishedVersion> = rows.iter().filter(|v| v.standard_version == sv).collect();
        let chunks: Vec<Vec<&PublishedVersion>> = of.chunks(RECORDS_A_SHEET).map(<[_]>::to_vec).collect();
        chunks.into_iter().enumerate().map(move |(i, chunk)| (sv, i, chunk))
    });
    for (sv, i, chunk) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(if i == 0 { sv.as_str().to_string() } else { format!("{} ({})", sv.as_str(), i + 1) })?;
        let columns = compat::download_columns(sv);
        for (r, key) in columns.iter().enumerate() {
            let label = match (lang, *key) {
                (Language::Nld, "lars") => "Algoritme-ID",
                (Language::Nld, "publication_dt") => "Publicatie datum",
                (Language::Nld, k) => sv.fields().iter().find(|f| f.key == k).map(|f| f.label_nl).unwrap_or(k),
                (_, k) => k,
            };
            ws.write_string_with_format(r as u32, 0, label, &bold)?;
        }
        for (c, v) in chunk.into_iter().enumerate() {
            for (r, key) in columns.iter().enumerate() {
                let mut s = compat::download_cell(v, key);
                if s.chars().count() > 32_000 {
                    s = s.chars().take(32_000).collect();
                }
                if !s.is_empty() {
                    ws.write_string(r as u32, c as u16 + 1, algoreg_service::export::safe_cell(&s))?;
                }
            }
            // algoreg's addition: the registration's page on this instance.
            ws.write_string(columns.len() as u32, c as u16 + 1, algoreg_service::export::record_url(public_url, v.record))?;
        }
        let url_label = if lang == Language::Nld { "Link naar deze registratie" } else { "register_url" };
        ws.write_string_with_format(columns.len() as u32, 0, url_label, &bold)?;
        ws.set_column_width(0, 40)?;
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::Reader;

    #[test]
    fn more_records_than_a_sheet_has_columns_go_on_in_another_sheet() {
        let now = chrono::Utc::now();
        let mut n = 0u64;
        let v = PublishedVersion {
            record: algoreg_standard::AlgorithmId::generate(|| {
                n += 1;
                n
            }),
            org_code: "gem".into(),
            org_tooi: None,
            number: 1,
            standard_version: algoreg_standard::StandardVersion::V1_0,
            content: Default::default(),
            missing: vec![],
            provenance: None,
            published_at: now,
            first_published_at: now,
            current: true,
        };
        let rows = vec![v; RECORDS_A_SHEET + 2];
        let bytes = excel(&rows, Language::Nld, "https://register.example").expect("written, not refused");
        let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(wb.sheet_names(), vec!["1.0".to_string(), "1.0 (2)".to_string()]);
        assert_eq!(wb.worksheet_range("1.0").unwrap().width(), RECORDS_A_SHEET + 1);
        assert_eq!(wb.worksheet_range("1.0 (2)").unwrap().width(), 3, "the labels and the last two records");
    }
}

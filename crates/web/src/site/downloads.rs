//! Downloads (CSV, JSON, XLSX) and Atom feeds. CSV carries a byte-order mark so spreadsheet programs
//! read UTF-8 right; XLSX is written by rust_xlsxwriter.

use super::render::t;
use super::{PageError, PageResult};
use algoreg_service::export::{cell, write_csv_with};
use algoreg_service::{App, ServiceError};
use algoreg_standard::Lang;
use algoreg_store::PublishedVersion;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    Csv,
    Json,
    Xlsx,
}

impl Format {
    pub fn parse(ext: &str) -> Option<Format> {
        match ext {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }
}

fn internal(e: impl std::fmt::Display) -> PageError {
    PageError::Service(Lang::Nl, ServiceError::Internal(e.to_string()))
}

/// AI Act columns per record (see `algoreg_service::aiact::DOWNLOAD_HEADERS`).
pub type AiColumns = std::collections::HashMap<algoreg_standard::AlgorithmId, Vec<String>>;

pub async fn ai_columns(app: &App, versions: &[&PublishedVersion]) -> Result<AiColumns, PageError> {
    let ids: Vec<_> = versions.iter().map(|v| v.record).collect();
    app.aiact_columns(&ids).await.map_err(internal)
}

pub fn file(versions: &[&PublishedVersion], ai: &AiColumns, format: Format, name: &str, public_url: &str) -> PageResult {
    let body = render(versions, ai, format, public_url).map_err(internal)?;
    Ok(respond(body, format, name))
}

impl Format {
    fn mime_ext(self) -> (&'static str, &'static str) {
        match self {
            Format::Csv => ("text/csv; charset=utf-8", "csv"),
            Format::Json => ("application/json", "json"),
            Format::Xlsx => ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
        }
    }
}

/// A rendered file as an attachment.
pub fn respond(body: impl Into<axum::body::Body>, format: Format, name: &str) -> Response {
    let (mime, ext) = format.mime_ext();
    let mut resp = (StatusCode::OK, body.into()).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.{ext}\"")) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// Shared bytes of a cached download as a body, without copying them.
pub struct Shared(pub std::sync::Arc<Vec<u8>>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Shared> for axum::body::Body {
    fn from(s: Shared) -> Self {
        axum::body::Body::from(axum::body::Bytes::from_owner(s))
    }
}

/// The file's bytes: CSV (with the AI Act columns), JSON or Excel.
pub fn render(versions: &[&PublishedVersion], ai: &AiColumns, format: Format, public_url: &str) -> Result<Vec<u8>, ServiceError> {
    let internal = |e: &dyn std::fmt::Display| ServiceError::Internal(e.to_string());
    let empty = vec![String::new(); algoreg_service::aiact::DOWNLOAD_HEADERS.len()];
    let ai_of = |v: &PublishedVersion| ai.get(&v.record).cloned().unwrap_or_else(|| empty.clone());
    Ok(match format {
        Format::Csv => {
            let mut buf = Vec::new();
            let extra = algoreg_service::export::Extra { headers: algoreg_service::aiact::DOWNLOAD_HEADERS, values: &ai_of };
            write_csv_with(versions, &mut buf, Some(&extra), public_url)?;
            buf
        }
        Format::Json => {
            let items: Vec<_> = versions
                .iter()
                .map(|v| {
                    json!({
                        "id": v.record.to_string(), "url": algoreg_service::export::record_url(public_url, v.record), "organisation": v.org_code, "version": v.number, "current": v.current,
                        "standard_version": v.standard_version.as_str(), "published_at": v.published_at.to_rfc3339(),
                        "incomplete_fields": v.missing, "content": v.content,
                        "ai_act": ai.get(&v.record).map(|c| json!({"conclusion": c[0], "labels": c[1], "requirements_dealt_with": c[2]})),
                    })
                })
                .collect();
            serde_json::to_vec_pretty(&items).map_err(|e| internal(&e))?
        }
        Format::Xlsx => xlsx(versions, &ai_of, public_url).map_err(|e| internal(&e))?,
    })
}

fn xlsx(
    versions: &[&PublishedVersion],
    ai_of: &dyn Fn(&PublishedVersion) -> Vec<String>,
    public_url: &str,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use algoreg_service::export::{columns, head_cells, safe_cell, tail_cells, HEAD_COLUMNS, TAIL_COLUMNS};
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let keys = columns();
    let ai_head = algoreg_service::aiact::DOWNLOAD_HEADERS;
    for (c, h) in HEAD_COLUMNS.iter().chain(keys.iter()).chain(TAIL_COLUMNS).chain(ai_head.iter()).enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, v) in versions.iter().enumerate() {
        let row = r as u32 + 1;
        let cells = head_cells(v, public_url)
            .into_iter()
            .chain(keys.iter().map(|k| v.content.get(k).map(cell).unwrap_or_default()))
            .chain(tail_cells(v))
            .chain(ai_of(v));
        for (c, mut s) in cells.enumerate() {
            if s.is_empty() {
                continue;
            }
            if c == 3 {
                // The version number as a number.
                ws.write_number(row, c as u16, v.number as f64)?;
                continue;
            }
            if s.chars().count() > 32_000 {
                s = s.chars().take(32_000).collect();
            }
            ws.write_string(row, c as u16, safe_cell(&s))?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    wb.save_to_buffer()
}

use crate::xml::text as esc;

/// An Atom feed of published versions (newest first).
pub fn atom(app_base: &str, lang: Lang, title: &str, self_path: &str, versions: &[PublishedVersion]) -> Response {
    let updated = versions.first().map(|v| v.published_at.to_rfc3339()).unwrap_or_else(|| "2022-01-01T00:00:00+00:00".into());
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    out.push_str(&format!(
        "<title>{}</title>\n<id>{}{}</id>\n<updated>{}</updated>\n<link rel=\"self\" href=\"{}{}\"/>\n",
        esc(title),
        app_base,
        esc(self_path),
        updated,
        app_base,
        esc(self_path)
    ));
    for v in versions {
        let link = format!("{app_base}/{}/algoritme/{}", lang.code(), v.record);
        let summary = v.content.str("description_short").map(algoreg_standard::sanitize::plain_text).unwrap_or_default();
        let kind =
            if v.number > 1 && v.first_published_at < v.published_at { t(lang, "Gewijzigd", "Changed") } else { t(lang, "Nieuw", "New") };
        out.push_str(&format!(
            "<entry>\n<title>{}: {}</title>\n<id>{link}/versie/{}</id>\n<link href=\"{link}\"/>\n<updated>{}</updated>\n<author><name>{}</name></author>\n<summary>{}</summary>\n</entry>\n",
            kind,
            esc(v.content.name()),
            v.number,
            v.published_at.to_rfc3339(),
            esc(v.content.str("organization").unwrap_or(&v.org_code)),
            esc(&summary)
        ));
    }
    out.push_str("</feed>\n");
    let mut resp = (StatusCode::OK, out).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/atom+xml; charset=utf-8"));
    resp
}

/// Every current record (or every published version) of the register.
pub async fn all(app: &App, history: bool) -> Result<Vec<PublishedVersion>, ServiceError> {
    app.register().all_published(history).await
}

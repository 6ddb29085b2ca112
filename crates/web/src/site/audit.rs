//! The audit log in the browser: an organisation's (for its admin) and everything (for the central
//! operator), a page at a time, and as a CSV export.

use super::{Ctx, PageError, PageResult};
use algoreg_domain::Principal;
use algoreg_service::audit::{Entry, PAGE};
use algoreg_service::App;
use algoreg_store::OrgId;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::html;

#[derive(serde::Deserialize)]
pub struct Paging {
    /// Show events older than this one (the next page).
    voor: Option<String>,
}

fn before(q: &Paging) -> Result<Option<i64>, PageError> {
    match q.voor.as_deref().filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
            PageError::Status(
                StatusCode::BAD_REQUEST,
                "voor: geef het nummer van een gebeurtenis.".into(),
                "voor: give the number of an event.".into(),
            )
        }),
    }
}

async fn org_of(ctx: &Ctx, app: &App, code: &str) -> Result<(Principal, OrgId, String), PageError> {
    let p = ctx.require()?.clone();
    let org = app.orgs().by_code(code).await.map_err(|e| ctx.err(e))?;
    Ok((p, org.id, org.name))
}

pub async fn org_page(ctx: Ctx, State(app): State<App>, Path(code): Path<String>, Query(q): Query<Paging>) -> PageResult {
    let (p, org, name) = org_of(&ctx, &app, &code).await?;
    let entries = app.audit().events(&p, Some(org), before(&q)?, PAGE).await.map_err(|e| ctx.err(e))?;
    let base = format!("{}/beheer/org/{code}/logboek", ctx.base());
    Ok(page(&ctx, &format!("{} {name}", ctx.t("Logboek van", "Audit log of")), &base, &entries))
}

pub async fn org_csv(ctx: Ctx, State(app): State<App>, Path(code): Path<String>) -> PageResult {
    let (p, org, _) = org_of(&ctx, &app, &code).await?;
    let csv = app.audit().csv(&p, Some(org)).await.map_err(|e| ctx.err(e))?;
    Ok(download(&format!("logboek-{code}.csv"), csv))
}

pub async fn all_page(ctx: Ctx, State(app): State<App>, Query(q): Query<Paging>) -> PageResult {
    let p = ctx.require()?.clone();
    let entries = app.audit().events(&p, None, before(&q)?, PAGE).await.map_err(|e| ctx.err(e))?;
    let base = format!("{}/beheer/logboek", ctx.base());
    Ok(page(&ctx, ctx.t("Logboek van het register", "Audit log of the register"), &base, &entries))
}

pub async fn all_csv(ctx: Ctx, State(app): State<App>) -> PageResult {
    let p = ctx.require()?.clone();
    let csv = app.audit().csv(&p, None).await.map_err(|e| ctx.err(e))?;
    Ok(download("logboek.csv", csv))
}

fn download(name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

fn page(ctx: &Ctx, title: &str, base: &str, entries: &[Entry]) -> Response {
    let next = (entries.len() as i64 == PAGE).then(|| entries.last().map(|e| e.event.id)).flatten();
    let body = html! {
        h1 { (title) }
        p { (ctx.t(
            "Wie wanneer inlogde (of dat probeerde), wachtwoorden wijzigde, rollen gaf of introk en API-tokens maakte of introk. Gebeurtenissen blijven twee jaar bewaard.",
            "Who logged in when (or tried to), changed passwords, granted or revoked roles and made or revoked API tokens. Events are kept for two years.")) }
        p { a href=(format!("{base}.csv")) download { (ctx.t("Download als CSV", "Download as CSV")) } }
        @if entries.is_empty() {
            p { (ctx.t("Nog geen gebeurtenissen.", "No events yet.")) }
        } @else {
            table {
                caption { (ctx.t("Gebeurtenissen, nieuwste eerst", "Events, newest first")) }
                (ctx.head_row(&[("Tijd (UTC)", "Time (UTC)"), ("Gebeurtenis", "Event"), ("Persoon", "Person"), ("Door", "By"), ("Toelichting", "Detail"), ("Adres", "Address")]))
                tbody { @for e in entries {
                    tr {
                        td { (super::render::when(&e.event.at)) }
                        td { (ctx.t(e.event.kind.label_nl(), e.event.kind.label_en())) }
                        td { @if let Some(n) = &e.subject_name { (n) } @if let Some(m) = &e.subject_email { " (" (m) ")" } }
                        td { @if e.event.actor == "anonymous" { (ctx.t("onbekend", "unknown")) } @else { (e.event.actor_name) } }
                        td { (e.event.detail) }
                        td { (e.event.source.as_deref().unwrap_or("")) }
                    }
                } }
            }
            @if let Some(id) = next {
                p { a href=(format!("{base}?voor={id}")) { (ctx.t("Oudere gebeurtenissen", "Older events")) } }
            }
        }
    };
    ctx.page(title, body)
}

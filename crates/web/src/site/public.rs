//! Public pages of the register core: a home page and the record page at the live register's paths
//! (`/nl/algoritme/{id}` and `/nl/algoritme/{slug}/{id}`), so existing links keep working.

use super::render::{record_view, when};
use super::{Ctx, PageError};
use algoreg_service::register::parse_id;
use algoreg_service::App;
use axum::extract::{Path, State};
use axum::response::Response;
use maud::html;

pub async fn record(ctx: Ctx, State(app): State<App>, Path(id): Path<String>) -> Result<Response, PageError> {
    let id = parse_id("id", &id).map_err(|e| ctx.err(e))?;
    let v = app.register().published(id).await.map_err(|e| ctx.err(e))?;
    let history = app.register().published_history(id).await.map_err(|e| ctx.err(e))?;
    let org = app.orgs().by_code(&v.org_code).await.map_err(|e| ctx.err(e))?;
    let mut similar = vec![];
    if let Some(index) = &app.search {
        for h in index.similar(&id.to_string(), 5).unwrap_or_default() {
            if let Ok(sid) = algoreg_standard::AlgorithmId::parse(&h.id) {
                if let Some(s) = app.store.published(sid).await.map_err(|e| ctx.err(e.into()))? {
                    similar.push(s);
                }
            }
        }
    }
    let classification = app.store.classification(id).await.map_err(|e| ctx.err(e.into()))?;
    let overview = match &classification {
        Some(c) => app.compliance_overview(c).await.map_err(|e| ctx.err(e))?,
        None => vec![],
    };
    let body = html! {
        p.crumbs { a href=(format!("{}/organisatie/{}", ctx.base(), org.code)) { (org.name) } }
        h1 { (v.content.name()) }
        @if let Some(s) = v.content.str("description_short") { div.lead { (super::render::render_rich(s)) } }
        (record_view(v.standard_version, &v.content, ctx.lang))
        @if let Some(c) = &classification {
            section.group aria-labelledby="g-aiact" {
                h2 #g-aiact { (ctx.t("AI-verordening", "AI Act")) }
                (super::aiact::summary(&ctx, &app, c, &overview))
            }
        }
        section.group aria-labelledby="g-versions" {
            h2 #g-versions { (ctx.t("Versies", "Versions")) }
            p { (ctx.t("Alle gepubliceerde versies van deze registratie:", "Every published version of this registration:")) }
            ol {
                @for h in &history {
                    li { (ctx.t("Versie ", "Version ")) (h.number) ", " (ctx.t("gepubliceerd ", "published ")) (when(&h.published_at)) @if h.current { " (" (ctx.t("huidige", "current")) ")" } }
                }
            }
            p { a href=(format!("{}/algoritme/{}/versies", ctx.base(), v.record)) { (ctx.t("Versies vergelijken", "Compare versions")) } }
            p.meta { (ctx.t("Algoritme-ID ", "Algorithm ID ")) (v.record) " · " (ctx.t("standaard ", "standard ")) (v.standard_version) }
            p { (ctx.t("Downloaden: ", "Download: "))
                a href=(format!("{}/algoritme/{}/download.csv", ctx.base(), v.record)) { "CSV" } ", "
                a href=(format!("{}/algoritme/{}/download.xlsx", ctx.base(), v.record)) { "Excel" } ", "
                a href=(format!("{}/algoritme/{}/download.json", ctx.base(), v.record)) { "JSON" } }
        }
        @if !similar.is_empty() {
            section.group aria-labelledby="g-similar" {
                h2 #g-similar { (ctx.t("Vergelijkbare registraties", "Similar registrations")) }
                ul { @for s in &similar { li { a href=(format!("{}/algoritme/{}", ctx.base(), s.record)) { (s.content.name()) } " – " (s.content.str("organization").unwrap_or(&s.org_code)) } } }
            }
        }
    };
    Ok(ctx.page(v.content.name(), body))
}

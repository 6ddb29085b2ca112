//! Public pages of the register core: a home page and the record page at the live register's paths
//! (`/nl/algoritme/{id}` and `/nl/algoritme/{slug}/{id}`), so existing links keep working.

use super::render::{record_view, when};
use super::{Ctx, PageError};
use algoreg_service::register::parse_id;
use algoreg_service::App;
use axum::extract::{Path, State};
use axum::response::Response;
use maud::html;

pub async fn home(ctx: Ctx, State(app): State<App>) -> Result<Response, PageError> {
    let count = app.store.count_published().await.map_err(|e| ctx.err(e.into()))?;
    let orgs = app.store.organisations().await.map_err(|e| ctx.err(e.into()))?.len();
    let body = html! {
        h1 { (ctx.t("Algoritmes van de overheid", "Government algorithms")) }
        p.lead { (ctx.t(
            "Welke algoritmes gebruikt de overheid, waarvoor, en met welke afwegingen? Organisaties beschrijven het hier zelf, volgens één standaard.",
            "Which algorithms does government use, for what, and how were they weighed? Organisations describe it here themselves, under one standard."
        )) }
        ul.figures {
            li { strong { (count) } " " (ctx.t("gepubliceerde algoritmes", "published algorithms")) }
            li { strong { (orgs) } " " (ctx.t("organisaties", "organisations")) }
        }
        p { (ctx.t("De gegevens zijn ook op te vragen via de API: ", "The data is also available through the API: ")) a href="/api/v1/openapi.json" { "/api/v1" } "." }
    };
    Ok(ctx.page(ctx.t("Start", "Home"), body))
}

pub async fn record_long(ctx: Ctx, state: State<App>, Path((_slug, id)): Path<(String, String)>) -> Result<Response, PageError> {
    record(ctx, state, Path(id)).await
}

pub async fn record(ctx: Ctx, State(app): State<App>, Path(id): Path<String>) -> Result<Response, PageError> {
    let id = parse_id("id", &id).map_err(|e| ctx.err(e))?;
    let v = app.register().published(id).await.map_err(|e| ctx.err(e))?;
    let history = app.register().published_history(id).await.map_err(|e| ctx.err(e))?;
    let org = app.orgs().by_code(&v.org_code).await.map_err(|e| ctx.err(e))?;
    let body = html! {
        p.crumbs { (org.name) }
        h1 { (v.content.name()) }
        @if let Some(s) = v.content.str("description_short") { div.lead { (super::render::render_rich(s)) } }
        (record_view(v.standard_version, &v.content, ctx.lang))
        section.group aria-labelledby="g-versions" {
            h2 #g-versions { (ctx.t("Versies", "Versions")) }
            p { (ctx.t("Alle gepubliceerde versies van deze registratie:", "Every published version of this registration:")) }
            ol {
                @for h in &history {
                    li { (ctx.t("Versie ", "Version ")) (h.number) ", " (ctx.t("gepubliceerd ", "published ")) (when(&h.published_at)) @if h.current { " (" (ctx.t("huidige", "current")) ")" } }
                }
            }
            p.meta { (ctx.t("Algoritme-ID ", "Algorithm ID ")) (v.record) " · " (ctx.t("standaard ", "standard ")) (v.standard_version) }
        }
    };
    Ok(ctx.page(v.content.name(), body))
}

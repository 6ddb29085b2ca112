//! Harvested sources (federation) for people: the central operator adds and removes feeds, harvests
//! one now and reads each source's health; an organisation's members read the health of their own.

use super::csrf::CsrfForm;
use super::render::when;
use super::{Ctx, PageError, PageResult};
use algoreg_domain::federation::HarvestOutcome;
use algoreg_domain::workflow::Principal;
use algoreg_service::federation::harvest::Outcome;
use algoreg_service::{App, ServiceError};
use algoreg_store::Source;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use maud::{html, Markup};

use super::{form_field as field, problem_text};

fn health(ctx: &Ctx, s: &Source) -> Markup {
    let (class, text) = match s.last_outcome {
        None => ("muted", ctx.t("nog niet opgehaald", "not harvested yet")),
        Some(o) => (if o == HarvestOutcome::Failed { "bad" } else { "ok" }, ctx.t(o.label_nl(), o.label_en())),
    };
    html! { span class=(format!("health {class}")) { (text) } }
}

fn error_text(ctx: &Ctx, e: &str) -> String {
    // Stored as "Dutch / English".
    match e.split_once(" / ") {
        Some((nl, en)) => if ctx.lang == algoreg_standard::Lang::Nl { nl } else { en }.to_string(),
        None => e.to_string(),
    }
}

async fn render(ctx: &Ctx, app: &App, p: &Principal, status: StatusCode, flash: Option<String>, problem: Option<String>) -> PageResult {
    let sources = app.sources().list(p).await.map_err(|e| ctx.err(e))?;
    let orgs = app.organisations().await.map_err(|e| ctx.err(e))?;
    let base = format!("{}/beheer/bronnen", ctx.base());
    let body = html! {
        p.crumbs { a href=(format!("{}/beheer", ctx.base())) { (ctx.t("Beheer", "Manage")) } }
        h1 { (ctx.t("Bronnen", "Sources")) }
        p { (ctx.t(
            "Organisaties publiceren hun register zelf, als feed. Het centrale register haalt die feeds op gezette tijden op. Hier ziet u per bron hoe het ophalen gaat.",
            "Organisations publish their own register as a feed. The central register fetches those feeds on a schedule. Here you see how fetching goes for each source.")) }
        @if let Some(f) = &flash { div.notice role="status" { p { (f) } } }
        @if let Some(pr) = &problem { div.error-summary role="alert" { p { (pr) } } }
        @if sources.is_empty() {
            p { (ctx.t("Er zijn nog geen bronnen.", "There are no sources yet.")) }
        } @else {
            div.table-wrap {
                table {
                    caption { (ctx.t("Bronnen en hun gezondheid", "Sources and their health")) }
                    (ctx.head_row(&[("Organisatie", "Organisation"), ("Feed", "Feed"), ("Laatste poging", "Last attempt"), ("Laatst gelukt", "Last success"), ("Records", "Records"), ("Geweigerd", "Rejected"), ("Status", "Status")]))
                    tbody { @for s in &sources { tr {
                        td { (orgs.iter().find(|o| o.id == s.org_id).map(|o| o.name.as_str()).unwrap_or(&s.org_code)) }
                        td { a href=(format!("{base}/{}", s.id)) { (s.url) } }
                        td { (s.last_attempt_at.as_ref().map(when).unwrap_or_else(|| "–".into())) }
                        td { (s.last_success_at.as_ref().map(when).unwrap_or_else(|| "–".into())) }
                        td { (s.records) }
                        td { (s.rejected.len()) }
                        td { (health(ctx, s)) @if let Some(e) = &s.last_error { br; small { (error_text(ctx, e)) } } }
                    } } }
                }
            }
        }
        @if p.central_operator {
            h2 #nieuw { (ctx.t("Bron toevoegen", "Add a source")) }
            form method="post" action=(base.clone()) {
                (ctx.csrf_field())
                div.field {
                    label for="organisation" { (ctx.t("Organisatie", "Organisation")) }
                    select #organisation name="organisation" required {
                        @for o in orgs.iter() { option value=(o.code) { (o.name) } }
                    }
                }
                div.field {
                    label for="url" { (ctx.t("Adres van de feed", "Address of the feed")) }
                    p.hint #url-hint { (ctx.t("Bijvoorbeeld https://register.voorbeeld.nl/feed/v1/register.json", "For example https://register.example.nl/feed/v1/register.json")) }
                    input #url type="url" name="url" required maxlength="2000" aria-describedby="url-hint";
                }
                button type="submit" { (ctx.t("Toevoegen", "Add")) }
            }
        }
    };
    Ok(ctx.page_status(status, ctx.t("Bronnen", "Sources"), body))
}

pub async fn list(ctx: Ctx, State(app): State<App>) -> PageResult {
    let p = ctx.require()?.clone();
    render(&ctx, &app, &p, StatusCode::OK, None, None).await
}

pub async fn add(ctx: Ctx, State(app): State<App>, CsrfForm(form): CsrfForm) -> PageResult {
    let p = ctx.require()?.clone();
    match app.sources().add(&p, field(&form, "organisation"), field(&form, "url")).await {
        Ok(s) => {
            render(&ctx, &app, &p, StatusCode::OK, Some(format!("{} {}", ctx.t("Bron toegevoegd:", "Source added:"), s.url)), None).await
        }
        Err(e @ ServiceError::Internal(_)) => Err(ctx.err(e)),
        Err(e) => {
            let (status, _) = crate::problem::problem_of(&e);
            let text = problem_text(&ctx, &e);
            render(&ctx, &app, &p, status, None, Some(text)).await
        }
    }
}

async fn detail(ctx: &Ctx, app: &App, p: &Principal, id: i64, flash: Option<String>) -> PageResult {
    let s = app.sources().get(p, id).await.map_err(|e| ctx.err(e))?;
    let base = format!("{}/beheer/bronnen/{}", ctx.base(), s.id);
    let body = html! {
        p.crumbs { a href=(format!("{}/beheer/bronnen", ctx.base())) { (ctx.t("Bronnen", "Sources")) } }
        h1 { (ctx.t("Bron ", "Source ")) (s.id) }
        @if let Some(f) = &flash { div.notice role="status" { p { (f) } } }
        dl {
            dt { (ctx.t("Feed", "Feed")) } dd { (s.url) }
            @if let Some(oai) = &s.oai_url {
                dt { (ctx.t("Opgehaald via OAI-PMH", "Harvested through OAI-PMH")) }
                dd { (oai) br; small { (ctx.t("De feed noemt dit adres: alleen wat veranderde komt over.", "The feed names this address: only what changed is fetched.")) } }
            }
            dt { (ctx.t("Organisatie", "Organisation")) } dd { (s.org_code) }
            dt { (ctx.t("Status", "Status")) } dd { (health(ctx, &s)) }
            dt { (ctx.t("Laatste poging", "Last attempt")) } dd { (s.last_attempt_at.as_ref().map(when).unwrap_or_else(|| "–".into())) }
            dt { (ctx.t("Laatst gelukt", "Last success")) } dd { (s.last_success_at.as_ref().map(when).unwrap_or_else(|| "–".into())) }
            dt { (ctx.t("Laatste fout", "Last error")) } dd { (s.last_error.as_deref().map(|e| error_text(ctx, e)).unwrap_or_else(|| "–".into())) }
            dt { (ctx.t("Mislukte pogingen op rij", "Failed attempts in a row")) } dd { (s.failures) }
            dt { (ctx.t("Volgende keer", "Next time")) } dd { (s.next_due_at.as_ref().map(when).unwrap_or_else(|| "–".into())) }
            dt { (ctx.t("Records in de feed", "Records in the feed")) } dd { (s.records) }
        }
        h2 { (ctx.t("Geweigerde records", "Rejected records")) }
        @if s.rejected.is_empty() { p { (ctx.t("Geen.", "None.")) } }
        @else {
            p { (ctx.t("Deze records zijn niet overgenomen; de huidige versie in het register blijft staan.", "These records were not taken over; the current version in the register stays.")) }
            ul { @for r in &s.rejected { li {
                strong { (r.name.as_deref().unwrap_or("–")) } " (" (r.id.as_deref().unwrap_or("–")) ")"
                ul { @for reason in &r.reasons { li { (error_text(ctx, reason)) } } }
            } } }
        }
        @if p.central_operator {
            form method="post" action=(format!("{base}/oogsten")) { (ctx.csrf_field()) button type="submit" { (ctx.t("Nu ophalen", "Harvest now")) } }
            form method="post" action=(format!("{base}/verwijderen")) {
                (ctx.csrf_field())
                p.hint { (ctx.t("Verwijderen stopt het ophalen; de records blijven in het register.", "Removing stops the harvest; the records stay in the register.")) }
                button.secondary type="submit" { (ctx.t("Bron verwijderen", "Remove source")) }
            }
        }
    };
    Ok(ctx.page(&format!("{} {}", ctx.t("Bron", "Source"), s.id), body))
}

fn parse_source_id(ctx: &Ctx, id: &str) -> Result<i64, PageError> {
    id.parse::<i64>().map_err(|_| ctx.err(ServiceError::NotFound("source")))
}

pub async fn show(ctx: Ctx, State(app): State<App>, Path(id): Path<String>) -> PageResult {
    let p = ctx.require()?.clone();
    detail(&ctx, &app, &p, parse_source_id(&ctx, &id)?, None).await
}

pub async fn harvest(ctx: Ctx, State(app): State<App>, Path(id): Path<String>, _: CsrfForm) -> PageResult {
    let p = ctx.require()?.clone();
    let id = parse_source_id(&ctx, &id)?;
    let Some(h) = app.harvester.clone() else { return Err(ctx.err(ServiceError::Internal("no harvester".into()))) };
    let outcome = app.sources().harvest_now(&p, &h, id).await.map_err(|e| ctx.err(e))?;
    let msg = match outcome {
        Outcome::Changed { records, new, updated, retracted, rejected, .. } => format!(
            "{} {records} records, {new} {}, {updated} {}, {retracted} {}, {rejected} {}.",
            ctx.t("Opgehaald:", "Harvested:"),
            ctx.t("nieuw", "new"),
            ctx.t("bijgewerkt", "updated"),
            ctx.t("ingetrokken", "retracted"),
            ctx.t("geweigerd", "rejected")
        ),
        Outcome::NotModified => ctx.t("De feed is niet veranderd.", "The feed has not changed.").to_string(),
        Outcome::Failed { error } => format!("{} {}", ctx.t("Ophalen mislukt:", "Harvest failed:"), error_text(&ctx, &error)),
    };
    detail(&ctx, &app, &p, id, Some(msg)).await
}

pub async fn remove(ctx: Ctx, State(app): State<App>, Path(id): Path<String>, _: CsrfForm) -> PageResult {
    let p = ctx.require()?.clone();
    let id = parse_source_id(&ctx, &id)?;
    app.sources().remove(&p, id).await.map_err(|e| ctx.err(e))?;
    render(&ctx, &app, &p, StatusCode::OK, Some(ctx.t("Bron verwijderd.", "Source removed.").to_string()), None).await
}

//! The AI Act check in the editors' workspace: one question per page, answers kept in the address
//! (`?a=0,2,1`), back and forth with links, no JavaScript; the outcome is saved with a form (CSRF).
//! Also the public summary on the record page.

use super::csrf::CsrfForm;
use super::{Ctx, PageError, PageResult};
use algoreg_aiact::Next;
use algoreg_domain::aiact::ComplianceStatus;
use algoreg_service::aiact::parse_answers;
use algoreg_service::register::parse_id;
use algoreg_service::{App, ServiceError};
use algoreg_store::Classification;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use maud::{html, Markup};
use std::collections::HashMap;

fn list(a: &[usize]) -> String {
    a.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(",")
}

type Overview = Vec<(algoreg_aiact::catalogue::Requirement, algoreg_store::ComplianceEntry)>;

fn status_label(ctx: &Ctx, s: &ComplianceStatus) -> String {
    ctx.t(s.label_nl(), s.label_en()).to_string()
}

/// The outcome in plain language: conclusion, obligations, dates, requirements and where the
/// organisation stands with each.
pub fn summary(ctx: &Ctx, app: &App, c: &Classification, overview: &Overview) -> Markup {
    let (_, dates) = app.aiact_requirements(c);
    let done = overview.iter().filter(|(_, e)| e.status.is_dealt_with()).count();
    html! {
        p.lead { (c.conclusion) }
        p { strong { (ctx.t("Wat volgt hieruit: ", "What follows: ")) } (c.obligation) }
        @if !dates.is_empty() {
            p { (ctx.t("Geldt vanaf: ", "Applies from: "))
                @for (i, (label, date)) in dates.iter().enumerate() { @if i > 0 { "; " } (label) " " (date) } }
        }
        @if !overview.is_empty() {
            p { (ctx.t("Vereisten die gelden: ", "Requirements that apply: ")) (overview.len()) "; "
                (ctx.t("afgehandeld: ", "dealt with: ")) (done) }
            details {
                summary { (ctx.t("Vereisten die gelden", "Requirements that apply")) " (" (overview.len()) ")" }
                ul { @for (r, e) in overview {
                    li {
                        @match &r.url { Some(u) => { a href=(u) { (r.name) } } None => { (r.name) } }
                        " — " (status_label(ctx, &e.status))
                        @if let Some(reason) = &e.reason { " (" (reason) ")" }
                        @for (i, ev) in e.evidence.iter().enumerate() { " · " a href=(ev) { (ctx.t("bewijs ", "evidence ")) (i + 1) } }
                    }
                } }
            }
        }
        p.meta { (ctx.t("Beslisboom ", "Decision tree ")) (c.tree) " " (c.tree_version) " · " (ctx.t("voor versie ", "for version ")) (c.version) " · " (c.created_at.format("%Y-%m-%d")) }
    }
}

async fn authorised(
    ctx: &Ctx,
    app: &App,
    id: &str,
) -> Result<(algoreg_standard::AlgorithmId, String, Option<algoreg_store::Classification>), PageError> {
    let id = parse_id("id", id).map_err(|e| ctx.err(e))?;
    let p = ctx.require()?.clone();
    match app.aiact_subject(&p, id).await {
        Ok((name, current)) => Ok((id, name, current)),
        Err(ServiceError::Forbidden { .. } | ServiceError::Workflow(_)) => {
            Err(PageError::Status(axum::http::StatusCode::FORBIDDEN, "Geen toegang.".into(), "No access.".into()))
        }
        Err(e) => Err(ctx.err(e)),
    }
}

pub async fn page(ctx: Ctx, State(app): State<App>, Path(id): Path<String>, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let (id, name, current) = authorised(&ctx, &app, &id).await?;
    let mut answers = parse_answers(q.get("a").map(String::as_str).unwrap_or("")).map_err(|e| ctx.err(e))?;
    // A choice from the form moves one step on (a plain GET form: works without JavaScript).
    if let Some(k) = q.get("keuze") {
        let k: usize = k.parse().map_err(|_| ctx.err(ServiceError::bad("keuze", "Kies een antwoord.", "Choose an answer.")))?;
        answers.push(k);
        return Ok(Redirect::to(&format!("{}/beheer/algoritme/{id}/ai-act?a={}", ctx.base(), list(&answers))).into_response());
    }
    let state = app.aiact_walk(&answers).map_err(|e| ctx.err(e))?;
    let base = format!("{}/beheer/algoritme/{id}/ai-act", ctx.base());
    let tree = &app.aiact.tree;
    let overview = match &current {
        Some(c) => app.compliance_overview(c, false).await.map_err(|e| ctx.err(e))?,
        None => vec![],
    };
    let title = format!("{}: {name}", ctx.t("AI-verordening-check", "AI Act check"));
    let body = html! {
        p.crumbs { a href=(format!("{}/beheer/algoritme/{id}", ctx.base())) { (name) } }
        h1 { (title) }
        @if let (Some(c), true) = (&current, answers.is_empty()) {
            section.notice aria-labelledby="now" { h2 #now { (ctx.t("Huidige uitkomst", "Current outcome")) } (summary(&ctx, &app, c, &overview)) }
            @if !overview.is_empty() {
                section aria-labelledby="reqs" {
                    h2 #reqs { (ctx.t("Vereisten bijhouden", "Keep track of the requirements")) }
                    @for (i, (r, e)) in overview.iter().enumerate() {
                        form.requirement method="post" action=(format!("{base}/vereiste")) {
                            (ctx.csrf_field())
                            input type="hidden" name="urn" value=(r.urn);
                            fieldset {
                                legend { (r.name) }
                                @if !r.description.trim().is_empty() { p.hint { (r.description.trim()) } }
                                label for=(format!("st{i}")) { (ctx.t("Stand van zaken", "Status")) }
                                select id=(format!("st{i}")) name="status" {
                                    @for st in ComplianceStatus::ALL {
                                        option value=(st.code()) selected[*st == e.status] { (ctx.t(st.label_nl(), st.label_en())) }
                                    }
                                }
                                label for=(format!("re{i}")) { (ctx.t("Reden (nodig bij ‘niet van toepassing’)", "Reason (needed for ‘not applicable’)")) }
                                textarea id=(format!("re{i}")) name="reason" rows="2" { (e.reason.as_deref().unwrap_or("")) }
                                label for=(format!("ev{i}")) { (ctx.t("Link naar bewijs", "Link to evidence")) }
                                input id=(format!("ev{i}")) type="url" name="evidence" value=(e.evidence.first().map(String::as_str).unwrap_or(""));
                            }
                            button type="submit" { (ctx.t("Bewaren", "Save")) }
                        }
                    }
                }
            }
            p { a.button href=(format!("{base}?a=")) { (ctx.t("Check opnieuw doen", "Do the check again")) } }
        }
        @if !state.steps.is_empty() {
            details {
                summary { (ctx.t("Uw antwoorden tot nu toe", "Your answers so far")) " (" (state.steps.len()) ")" }
                ol { @for s in &state.steps {
                    @if let Some(q) = tree.question(&s.question_id) {
                        li { (q.question) " — " strong { (q.answers.get(s.answer).map(|a| a.answer.as_str()).unwrap_or("")) } }
                    }
                } }
            }
            p { a href=(format!("{base}?a={}", list(&answers[..answers.len() - 1]))) { "← " (ctx.t("Vorige vraag", "Previous question")) } }
        }
        @match &state.at {
            Next::Question(qid) => {
                @if let Some(q) = tree.question(qid) {
                    form method="get" action=(base) {
                        input type="hidden" name="a" value=(list(&answers));
                        fieldset {
                            legend { h2 { (ctx.t("Vraag ", "Question ")) (state.steps.len() + 1) ": " (q.question) } }
                            @if !q.explanation.is_empty() { p.hint { (q.explanation) } }
                            @for (i, a) in q.answers.iter().enumerate() {
                                div.choice {
                                    input type="radio" name="keuze" id=(format!("k{i}")) value=(i) required;
                                    label for=(format!("k{i}")) { (a.answer) }
                                }
                            }
                        }
                        button.primary type="submit" { (ctx.t("Volgende", "Next")) }
                    }
                }
            }
            Next::Conclusion(cid) => {
                @if let Some(c) = tree.conclusion(cid) {
                    section aria-labelledby="res" {
                        h2 #res { (ctx.t("Uitkomst", "Outcome")) }
                        p.lead { (c.conclusion) }
                        p { strong { (ctx.t("Wat volgt hieruit: ", "What follows: ")) } (c.obligation) }
                        @if state.labels.contains(algoreg_service::aiact::HIGH_RISK) {
                            p.notice { (ctx.t("Een AI-systeem met een hoog risico hoort in publicatiecategorie A: ‘Hoog-risico AI-systeem’.", "A high-risk AI system belongs in publication category A: ‘Hoog-risico AI-systeem’.")) }
                        }
                        @if state.labels.contains(algoreg_service::aiact::PROHIBITED) {
                            p.notice.rejected { (ctx.t("Na opslaan kan deze registratie niet worden vrijgegeven of gepubliceerd, tot de check een andere uitkomst heeft.", "After saving, this registration cannot be released or published until the check has another outcome.")) }
                        }
                        p { (ctx.t("Is deze registratie al gepubliceerd, dan ziet het publiek een nieuwe uitkomst pas na de volgende publicatie. Wacht een versie op goedkeuring, dan wordt ze weer een concept: geef haar daarna opnieuw vrij.", "If this registration is published already, the public sees a new outcome only after the next publication. If a version waits for approval, it becomes a draft again: release it again afterwards.")) }
                        form method="post" action=(base) {
                            (ctx.csrf_field())
                            input type="hidden" name="a" value=(list(&answers));
                            button.primary type="submit" { (ctx.t("Uitkomst opslaan", "Save the outcome")) }
                        }
                    }
                }
            }
        }
    };
    Ok(ctx.page(&title, body))
}

/// A form post on the check (its CSRF token checked by [`CsrfForm`]): the caller's right to edit the record.
async fn posted(ctx: &Ctx, app: &App, id: &str) -> Result<(algoreg_standard::AlgorithmId, algoreg_domain::Principal), PageError> {
    let (id, _, _) = authorised(ctx, app, id).await?;
    Ok((id, ctx.require()?.clone()))
}

pub async fn save(ctx: Ctx, State(app): State<App>, Path(id): Path<String>, CsrfForm(form): CsrfForm) -> PageResult {
    let (id, p) = posted(&ctx, &app, &id).await?;
    let a = form.iter().find(|(k, _)| k == "a").map(|(_, v)| v.as_str()).unwrap_or("");
    let answers = parse_answers(a).map_err(|e| ctx.err(e))?;
    let (_, stored) = app.classify(&p, id, &answers).await.map_err(|e| ctx.err(e))?;
    if stored.is_none() {
        return Err(ctx.err(ServiceError::bad(
            "a",
            "De vragen zijn nog niet allemaal beantwoord.",
            "Not every question has been answered yet.",
        )));
    }
    Ok(Redirect::to(&format!("{}/beheer/algoritme/{id}?gedaan=1", ctx.base())).into_response())
}

pub async fn requirement(ctx: Ctx, State(app): State<App>, Path(id): Path<String>, CsrfForm(form): CsrfForm) -> PageResult {
    let (id, p) = posted(&ctx, &app, &id).await?;
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let evidence: Vec<String> = form.iter().filter(|(k, _)| k == "evidence").map(|(_, v)| v.clone()).collect();
    app.set_compliance(&p, id, &get("urn").unwrap_or_default(), &get("status").unwrap_or_default(), get("reason"), evidence)
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(Redirect::to(&format!("{}/beheer/algoritme/{id}/ai-act", ctx.base())).into_response())
}

//! The feedback loop in the browser: a citizen signals a problem on a record page and follows it with
//! a tracking code; the organisation's inbox (assign, answer in public or privately, close, correct the
//! registration); incidents between deployer and provider with their deadlines and timeline;
//! evaluation cycles. Every form carries the CSRF token; the public form has a honeypot and limits.

use super::csrf::CsrfForm;
use super::render::when;
use super::{Ctx, IdPath, PageError, PageResult};
use crate::auth::ClientKey;
use algoreg_domain::feedback::{overdue_days, IncidentClass, IncidentEventKind, IncidentParty, IncidentStatus, SignalKind, SignalStatus};
use algoreg_domain::workflow::Principal;
use algoreg_service::feedback::{Evaluations, IncidentInput, SignalInput};
use algoreg_service::{App, ServiceError};
use algoreg_standard::{AlgorithmId, Lang};
use algoreg_store::{Incident, Signal};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use maud::{html, Markup};
use std::collections::HashMap;

type FormData = Vec<(String, String)>;

use super::{form_field as field, problem_text};

fn l<'a>(ctx: &Ctx, nl: &'a str, en: &'a str) -> &'a str {
    if ctx.lang == Lang::Nl {
        nl
    } else {
        en
    }
}

fn kind_label(ctx: &Ctx, k: &SignalKind) -> &'static str {
    l(ctx, k.label_nl(), k.label_en())
}

fn status_label(ctx: &Ctx, k: &SignalStatus) -> &'static str {
    l(ctx, k.label_nl(), k.label_en())
}

fn class_label(ctx: &Ctx, k: &IncidentClass) -> &'static str {
    l(ctx, k.label_nl(), k.label_en())
}

// ------------------------------------------------------------------------------------------
// Public: on the record page, the signal form, the status page

/// The record page's part: answered public signals, public incidents, evaluations, and the way in.
pub async fn record_section(ctx: &Ctx, app: &App, id: AlgorithmId) -> Result<Markup, PageError> {
    let signals = app.feedback().public_signals(id).await.map_err(|e| ctx.err(e))?;
    let incidents = app.feedback().public_incidents(id).await.map_err(|e| ctx.err(e))?;
    let today = Utc::now().date_naive();
    let Evaluations { plan, evaluations, .. } = app.feedback().public_evaluations(id, today).await.map_err(|e| ctx.err(e))?;
    Ok(html! {
        section.group aria-labelledby="g-feedback" {
            h2 #g-feedback { (ctx.t("Vragen en signalen", "Questions and signals")) }
            p { (ctx.t("Ziet u een fout in deze registratie, heeft u een vraag, of zorgen over de gevolgen? De organisatie antwoordt binnen een vaste termijn.",
                "Do you see an error in this registration, do you have a question, or concerns about its effects? The organisation answers within a fixed term.")) }
            p { a.button href=(format!("{}/algoritme/{}/signaal", ctx.base(), id)) { (ctx.t("Meld een fout of stel een vraag", "Report an error or ask a question")) }
                " " a href="/feeds/antwoorden.xml" { (ctx.t("Alle openbare antwoorden (Atom-feed)", "All public answers (Atom feed)")) } }
            @if signals.is_empty() {
                p { (ctx.t("Nog geen openbaar beantwoorde signalen.", "No signals answered in public yet.")) }
            } @else {
                h3 { (ctx.t("Beantwoorde signalen", "Answered signals")) }
                ul.signals { @for s in &signals { li {
                    p.meta { (kind_label(ctx, &s.kind)) " · " (ctx.t("ontvangen ", "received ")) (when(&s.created_at))
                        @if let Some(a) = &s.answered_at { " · " (ctx.t("beantwoord ", "answered ")) (when(a)) } }
                    @if let Some(t) = &s.text { blockquote { (t) } }
                    @if let Some(a) = &s.answer { div.answer { strong { (ctx.t("Antwoord: ", "Answer: ")) } (a) } }
                } } }
            }
        }
        @if !incidents.is_empty() {
            section.group aria-labelledby="g-incidents" {
                h2 #g-incidents { (ctx.t("Incidenten", "Incidents")) }
                ul { @for i in &incidents { li {
                    strong { (i.title) } " (" (class_label(ctx, &i.class)) ", " (ctx.t("opgemerkt ", "noticed ")) (when(&i.noticed_at)) ")"
                    p { (i.summary) }
                } } }
            }
        }
        @if plan.is_some() || !evaluations.is_empty() {
            section.group aria-labelledby="g-evaluations" {
                h2 #g-evaluations { (ctx.t("Evaluaties", "Evaluations")) }
                @if let Some(p) = &plan {
                    p { (ctx.t("Dit algoritme wordt elke ", "This algorithm is evaluated every ")) (p.interval_months) (ctx.t(" maanden geëvalueerd. Volgende evaluatie uiterlijk ", " months. Next evaluation due by ")) (p.next_due) "." }
                    @if let Some(late) = overdue_days(p.next_due, today) {
                        p.overdue role="status" { strong { (ctx.t("Te laat: ", "Overdue: ")) } (late) (ctx.t(" dagen over de datum.", " days past the date.")) }
                    }
                }
                @if !evaluations.is_empty() {
                    ul { @for e in &evaluations { li {
                        (e.date) ": " (e.findings) " (" (e.by_whom) ")"
                        @if let Some(u) = &e.report_url { " " a href=(u) { (ctx.t("rapport", "report")) } }
                    } } }
                }
            }
        }
    })
}

fn signal_form(ctx: &Ctx, id: AlgorithmId, name: &str, form: &FormData, problem: Option<&str>, status: StatusCode) -> Response {
    let chosen = field(form, "kind");
    let body = html! {
        p.crumbs { a href=(format!("{}/algoritme/{}", ctx.base(), id)) { (name) } }
        h1 { (ctx.t("Meld een fout of stel een vraag", "Report an error or ask a question")) }
        p { (ctx.t("U hoeft niet in te loggen. De organisatie die het algoritme gebruikt, leest uw bericht en antwoordt binnen zes weken.",
            "You do not need to log in. The organisation that uses the algorithm reads your message and answers within six weeks.")) }
        (ctx.error_box(problem))
        form.narrow method="post" action=(format!("{}/algoritme/{}/signaal", ctx.base(), id)) {
            (ctx.csrf_field())
            fieldset {
                legend { (ctx.t("Waar gaat het over?", "What is it about?")) }
                @for k in SignalKind::ALL {
                    div.choice {
                        input type="radio" name="kind" id=(format!("kind-{}", k.code())) value=(k.code()) required checked[chosen == k.code()];
                        label for=(format!("kind-{}", k.code())) { (l(ctx, k.label_nl(), k.label_en())) }
                    }
                }
            }
            div.field {
                label for="text" { (ctx.t("Uw bericht", "Your message")) }
                p.hint #text-hint { (ctx.t("Minstens 10 en hoogstens 5000 tekens. Zet er geen gegevens in over uw gezondheid of uw burgerservicenummer.",
                    "At least 10 and at most 5,000 characters. Do not include data about your health or your citizen service number.")) }
                textarea #text name="text" rows="8" required minlength="10" maxlength="5000" aria-describedby="text-hint" { (field(form, "text")) }
            }
            div.field {
                label for="email" { (ctx.t("E-mailadres (niet verplicht)", "E-mail address (optional)")) }
                p.hint #email-hint { (ctx.t("Alleen om u het antwoord te sturen. We wissen het nadat uw signaal is afgehandeld.",
                    "Only to send you the answer. We erase it after your signal has been handled.")) }
                p.hint { (ctx.t("Antwoordt de organisatie in het openbaar, dan staat uw bericht (zonder e-mailadres) met het antwoord bij de registratie.",
                    "If the organisation answers in public, your message (without your e-mail address) is shown with the answer on the registration.")) }
                input #email type="email" name="email" autocomplete="email" value=(field(form, "email")) aria-describedby="email-hint";
            }
            div.hp {
                label for="website" { (ctx.t("Laat dit veld leeg", "Leave this field empty")) }
                input #website type="text" name="website" tabindex="-1" autocomplete="off";
            }
            div.buttons { button.primary type="submit" { (ctx.t("Versturen", "Send")) } }
        }
    };
    ctx.page_status(status, ctx.t("Meld een fout of stel een vraag", "Report an error or ask a question"), body)
}

pub async fn signal_new(ctx: Ctx, State(app): State<App>, IdPath(id): IdPath) -> PageResult {
    let v = app.register().published(id).await.map_err(|e| ctx.err(e))?;
    Ok(signal_form(&ctx, id, v.content.name(), &vec![], None, StatusCode::OK))
}

pub async fn signal_submit(
    ctx: Ctx,
    State(app): State<App>,
    ClientKey(client): ClientKey,
    IdPath(id): IdPath,
    CsrfForm(form): CsrfForm,
) -> PageResult {
    let v = app.register().published(id).await.map_err(|e| ctx.err(e))?;
    let input = SignalInput {
        kind: field(&form, "kind").into(),
        text: field(&form, "text").into(),
        email: Some(field(&form, "email").to_string()),
        website: Some(field(&form, "website").to_string()),
    };
    match app.feedback().submit(id, input, &client, Utc::now()).await {
        Ok(s) => {
            let body = html! {
                h1 { (ctx.t("Bedankt, uw bericht is ontvangen", "Thank you, your message was received")) }
                div.notice role="status" {
                    p { (ctx.t("Uw volgcode: ", "Your tracking code: ")) strong.code { (s.tracking_code) } }
                    p { (ctx.t("Bewaar deze code. Alleen met de code ziet u de stand van zaken en het antwoord.", "Keep this code. Only with the code can you see the progress and the answer.")) }
                }
                p { (ctx.t("De organisatie antwoordt uiterlijk ", "The organisation answers by ")) (s.answer_due.format("%Y-%m-%d")) "." }
                @if s.confirmation_mail {
                    p { (ctx.t("We sturen u een bevestiging met de volgcode per e-mail.", "We are sending you a confirmation with the tracking code by e-mail.")) }
                } @else if !field(&form, "email").trim().is_empty() {
                    p { (ctx.t("We sturen geen bevestiging per e-mail: dit adres kreeg vandaag al het hoogste aantal. Het antwoord krijgt u wel.", "We are not sending a confirmation by e-mail: this address already got the most for today. You will still get the answer.")) }
                }
                p { a href=(format!("{}/signaal/{}", ctx.base(), s.tracking_code)) { (ctx.t("Naar de stand van zaken", "See the progress")) } }
                p { a href=(format!("{}/algoritme/{}", ctx.base(), id)) { (ctx.t("Terug naar de registratie", "Back to the registration")) } }
            };
            Ok(ctx.page_status(StatusCode::CREATED, ctx.t("Bericht ontvangen", "Message received"), body))
        }
        Err(e @ ServiceError::Internal(_)) => Err(ctx.err(e)),
        Err(e) => {
            let (status, _) = crate::problem::problem_of(&e);
            Ok(signal_form(&ctx, id, v.content.name(), &form, Some(&problem_text(&ctx, &e)), status))
        }
    }
}

pub async fn status_lookup(ctx: Ctx, Query(q): Query<HashMap<String, String>>) -> Response {
    if let Some(c) = q.get("code").map(|c| c.trim()).filter(|c| !c.is_empty() && c.len() < 40) {
        let c: String = c.chars().filter(|ch| ch.is_ascii_alphanumeric() || *ch == '-').collect();
        return Redirect::to(&format!("{}/signaal/{}", ctx.base(), c)).into_response();
    }
    let body = html! {
        h1 { (ctx.t("Uw signaal volgen", "Follow your signal")) }
        form.narrow method="get" action=(format!("{}/signaal", ctx.base())) {
            div.field {
                label for="code" { (ctx.t("Volgcode", "Tracking code")) }
                input #code type="text" name="code" required autocomplete="off" spellcheck="false";
            }
            div.buttons { button.primary type="submit" { (ctx.t("Bekijken", "View")) } }
        }
    };
    ctx.page(ctx.t("Uw signaal volgen", "Follow your signal"), body)
}

pub async fn status_page(ctx: Ctx, State(app): State<App>, Path(code): Path<String>) -> PageResult {
    let (s, name) = app.feedback().status_with_name(&code).await.map_err(|e| ctx.err(e))?;
    let body = html! {
        h1 { (ctx.t("Stand van zaken van uw signaal", "Progress of your signal")) }
        dl {
            dt { (ctx.t("Over", "About")) } dd { a href=(format!("{}/algoritme/{}", ctx.base(), s.record)) { (name) } }
            dt { (ctx.t("Soort", "Kind")) } dd { (kind_label(&ctx, &s.kind)) }
            dt { (ctx.t("Ontvangen", "Received")) } dd { (when(&s.created_at)) }
            dt { (ctx.t("Status", "Status")) } dd.status { (status_label(&ctx, &s.status)) }
            dt { (ctx.t("Antwoord uiterlijk", "Answer due by")) } dd { (s.due_at.format("%Y-%m-%d")) }
        }
        @if let Some(a) = &s.answer {
            section.group aria-labelledby="g-answer" {
                h2 #g-answer { (ctx.t("Antwoord", "Answer")) }
                p.meta { @if let Some(t) = &s.answered_at { (when(t)) } " · "
                    (if s.answer_public { ctx.t("ook openbaar bij de registratie", "also public with the registration") } else { ctx.t("alleen voor u", "only for you") }) }
                div.answer { (a) }
            }
        } @else {
            p { (ctx.t("Er is nog geen antwoord.", "There is no answer yet.")) }
        }
    };
    Ok(ctx.page(ctx.t("Stand van zaken", "Progress"), body))
}

// ------------------------------------------------------------------------------------------
// The organisation's inbox

async fn member_org(ctx: &Ctx, app: &App, code: &str) -> Result<(Principal, algoreg_store::Organisation), PageError> {
    let p = ctx.require()?.clone();
    // Membership is checked by the service that reads the organisation's signals or incidents.
    let org = app.orgs().by_code(code).await.map_err(|e| ctx.err(e))?;
    Ok((p, org))
}

pub async fn inbox(ctx: Ctx, State(app): State<App>, Path(code): Path<String>) -> PageResult {
    let (p, org) = member_org(&ctx, &app, &code).await?;
    let list = app.feedback().inbox(&p, org.id).await.map_err(|e| ctx.err(e))?;
    let figures = app.feedback().figures(org.id, Utc::now()).await.map_err(|e| ctx.err(e))?;
    let now = Utc::now();
    let body = html! {
        p.crumbs { a href=(format!("{}/beheer/org/{}", ctx.base(), org.code)) { (org.name) } }
        h1 { (ctx.t("Signalen", "Signals")) }
        (figures_block(&ctx, &figures))
        @if list.is_empty() { p { (ctx.t("Er zijn geen signalen.", "There are no signals.")) } }
        @else {
            div.table-wrap { table {
                caption { (ctx.t("Signalen over uw registraties, nieuwste eerst", "Signals about your registrations, newest first")) }
                (ctx.head_row(&[("Ontvangen", "Received"), ("Soort", "Kind"), ("Status", "Status"), ("Antwoord uiterlijk", "Answer due"), ("Bericht", "Message")]))
                tbody { @for s in &list { tr {
                    td { (when(&s.created_at)) }
                    td { (kind_label(&ctx, &s.kind)) }
                    td { (status_label(&ctx, &s.status)) }
                    td { (s.due_at.format("%Y-%m-%d"))
                        @if s.is_overdue(now) { " " strong.overdue { (ctx.t("te laat", "overdue")) } } }
                    td { a href=(format!("{}/beheer/signaal/{}", ctx.base(), s.id)) { (s.text.as_deref().map(|t| t.chars().take(80).collect::<String>()).unwrap_or_else(|| ctx.t("(gewist)", "(erased)").to_string())) } }
                } } }
            } }
        }
    };
    Ok(ctx.page(ctx.t("Signalen", "Signals"), body))
}

pub fn figures_block(ctx: &Ctx, f: &algoreg_domain::feedback::ResponseFigures) -> Markup {
    html! {
        ul.figures {
            li { strong { (f.received) } " " (ctx.t("signalen ontvangen", "signals received")) }
            li { strong { (super::render::opt_pct(f.answered_in_time)) } " " (ctx.t("op tijd beantwoord", "answered in time")) }
            li { strong { (f.median_answer_days.map(|d| format!("{d:.1}")).unwrap_or_else(|| "–".into())) } " " (ctx.t("dagen tot antwoord (mediaan)", "days to answer (median)")) }
        }
    }
}

async fn signal_page(
    ctx: &Ctx,
    app: &App,
    p: &Principal,
    s: Signal,
    flash: Option<&str>,
    problem: Option<&str>,
    status: StatusCode,
) -> PageResult {
    let (name, members) = app.feedback().signal_context(p, &s).await.map_err(|e| ctx.err(e))?;
    let assignee = s.assigned_to.and_then(|u| members.iter().find(|(m, _)| m.id == u)).map(|(m, _)| m.name.clone());
    let base = format!("{}/beheer/signaal/{}", ctx.base(), s.id);
    let open = s.closed_at.is_none();
    let body = html! {
        p.crumbs { a href=(format!("{}/beheer", ctx.base())) { (ctx.t("Beheer", "Manage")) } }
        h1 { (kind_label(ctx, &s.kind)) ": " (name) }
        @if let Some(f) = flash { div.notice role="status" { p { (f) } } }
        (ctx.error_box(problem))
        dl {
            dt { (ctx.t("Ontvangen", "Received")) } dd { (when(&s.created_at)) }
            dt { (ctx.t("Antwoord uiterlijk", "Answer due by")) } dd { (s.due_at.format("%Y-%m-%d")) }
            dt { (ctx.t("Status", "Status")) } dd.status { (status_label(ctx, &s.status)) }
            dt { (ctx.t("Behandelaar", "Handled by")) } dd { (assignee.unwrap_or_else(|| "–".into())) }
            dt { (ctx.t("Antwoord per e-mail", "Answer by e-mail")) } dd { (if s.email.is_some() { ctx.t("ja", "yes") } else { ctx.t("nee", "no") }) }
        }
        h2 { (ctx.t("Bericht", "Message")) }
        blockquote { (s.text.as_deref().unwrap_or("")) }
        @if let Some(a) = &s.answer {
            h2 { (ctx.t("Antwoord", "Answer")) }
            p.meta { (if s.answer_public { ctx.t("openbaar", "public") } else { ctx.t("alleen aan de afzender", "only to the sender") }) }
            div.answer { (a) }
        }
        p { a href=(format!("{}/beheer/algoritme/{}/bewerken", ctx.base(), s.record)) { (ctx.t("De registratie verbeteren", "Correct the registration")) } }
        @if open {
            @if s.assigned_to != p.user_id {
                form method="post" action=(format!("{base}/toewijzen")) { (ctx.csrf_field()) button type="submit" { (ctx.t("Zelf oppakken", "Take it on myself")) } }
            }
            @if s.answer.is_none() {
                h2 { (ctx.t("Beantwoorden", "Answer")) }
                form method="post" action=(format!("{base}/antwoord")) {
                    (ctx.csrf_field())
                    div.field {
                        label for="answer" { (ctx.t("Uw antwoord", "Your answer")) }
                        textarea #answer name="answer" rows="8" required { }
                    }
                    div.choice {
                        input #public type="checkbox" name="public" value="1" checked;
                        label for="public" { (ctx.t("Openbaar: ook tonen bij de registratie", "Public: also show it with the registration")) }
                    }
                    div.buttons { button.primary type="submit" { (ctx.t("Antwoord versturen", "Send answer")) } }
                }
            }
            form method="post" action=(format!("{base}/afhandelen")) { (ctx.csrf_field()) button.secondary type="submit" { (ctx.t("Markeren als afgehandeld", "Mark as handled")) } }
        }
    };
    Ok(ctx.page_status(status, ctx.t("Signaal", "Signal"), body))
}

fn sid(ctx: &Ctx, s: &str) -> Result<i64, PageError> {
    s.parse::<i64>().map_err(|_| ctx.err(ServiceError::NotFound("signal")))
}

pub async fn signal_show(ctx: Ctx, State(app): State<App>, Path(id): Path<String>) -> PageResult {
    let p = ctx.require()?.clone();
    let s = app.feedback().get(&p, sid(&ctx, &id)?).await.map_err(|e| ctx.err(e))?;
    signal_page(&ctx, &app, &p, s, None, None, StatusCode::OK).await
}

async fn after_signal_action(ctx: &Ctx, app: &App, p: &Principal, id: i64, result: Result<Signal, ServiceError>, done: &str) -> PageResult {
    match result {
        Ok(s) => signal_page(ctx, app, p, s, Some(done), None, StatusCode::OK).await,
        Err(e @ (ServiceError::Internal(_) | ServiceError::NotFound(_) | ServiceError::Unauthenticated)) => Err(ctx.err(e)),
        Err(e) => {
            let s = app.feedback().get(p, id).await.map_err(|e| ctx.err(e))?;
            let (status, _) = crate::problem::problem_of(&e);
            signal_page(ctx, app, p, s, None, Some(&problem_text(ctx, &e)), status).await
        }
    }
}

pub async fn signal_assign(ctx: Ctx, State(app): State<App>, Path(id): Path<String>, _: CsrfForm) -> PageResult {
    let p = ctx.require()?.clone();
    let id = sid(&ctx, &id)?;
    let r = app.feedback().assign(&p, id, p.user_id).await;
    after_signal_action(&ctx, &app, &p, id, r, ctx.t("U behandelt dit signaal.", "You are handling this signal.")).await
}

pub async fn signal_answer(ctx: Ctx, State(app): State<App>, Path(id): Path<String>, CsrfForm(form): CsrfForm) -> PageResult {
    let p = ctx.require()?.clone();
    let id = sid(&ctx, &id)?;
    let r = app.feedback().answer(&p, id, field(&form, "answer"), field(&form, "public") == "1", Utc::now()).await;
    after_signal_action(&ctx, &app, &p, id, r, ctx.t("Het antwoord is verstuurd.", "The answer was sent.")).await
}

pub async fn signal_close(ctx: Ctx, State(app): State<App>, Path(id): Path<String>, _: CsrfForm) -> PageResult {
    let p = ctx.require()?.clone();
    let id = sid(&ctx, &id)?;
    let r = app.feedback().close(&p, id, Utc::now()).await;
    after_signal_action(&ctx, &app, &p, id, r, ctx.t("Afgehandeld.", "Handled.")).await
}

// ------------------------------------------------------------------------------------------
// Incidents

fn incident_form(
    ctx: &Ctx,
    id: AlgorithmId,
    name: &str,
    provider: &str,
    form: &FormData,
    problem: Option<&str>,
    status: StatusCode,
) -> Response {
    let chosen = field(form, "class");
    let body = html! {
        p.crumbs { a href=(format!("{}/beheer/algoritme/{}", ctx.base(), id)) { (name) } }
        h1 { (ctx.t("Incident melden", "Report an incident")) }
        p { (ctx.t("Het incident gaat naar de aanbieder die de registratie noemt: ", "The incident goes to the provider the registration names: ")) strong { (provider) } "." }
        (ctx.error_box(problem))
        form method="post" action=(format!("{}/beheer/algoritme/{}/incident", ctx.base(), id)) {
            (ctx.csrf_field())
            fieldset {
                legend { (ctx.t("Hoe ernstig is het?", "How serious is it?")) }
                @for c in IncidentClass::ALL {
                    div.choice {
                        input type="radio" name="class" id=(format!("class-{}", c.code())) value=(c.code()) required checked[chosen == c.code()];
                        label for=(format!("class-{}", c.code())) { (l(ctx, c.label_nl(), c.label_en()))
                            @if let Some(d) = c.report_days() { " – " (ctx.t("melden binnen ", "report within ")) (d) (ctx.t(" dagen", " days")) } }
                    }
                }
            }
            div.field { label for="title" { (ctx.t("Korte titel", "Short title")) } input #title type="text" name="title" required maxlength="200" value=(field(form, "title")); }
            div.field { label for="what" { (ctx.t("Wat is er gebeurd?", "What happened?")) } textarea #what name="what_happened" rows="6" required { (field(form, "what_happened")) } }
            div.field {
                label for="noticed" { (ctx.t("Wanneer opgemerkt (datum en tijd, UTC)", "When noticed (date and time, UTC)")) }
                input #noticed type="datetime-local" name="noticed_at" required value=(field(form, "noticed_at"));
            }
            div.field { label for="people" { (ctx.t("Aantal geraakte mensen (als bekend)", "Number of people affected (if known)")) } input #people type="number" min="0" name="people_affected" value=(field(form, "people_affected")); }
            div.field {
                label for="provider_email" { (ctx.t("E-mailadres van de aanbieder (niet verplicht)", "Provider's e-mail address (optional)")) }
                input #provider_email type="email" name="provider_email" value=(field(form, "provider_email"));
            }
            div.choice {
                input #public type="checkbox" name="public" value="1" checked[field(form, "public") == "1"];
                label for="public" { (ctx.t("Openbaar: toon de samenvatting hieronder bij de registratie", "Public: show the summary below with the registration")) }
            }
            div.field { label for="summary" { (ctx.t("Openbare samenvatting", "Public summary")) } textarea #summary name="public_summary" rows="3" { (field(form, "public_summary")) } }
            p.hint { (ctx.t("Alleen de titel en de openbare samenvatting worden openbaar, en alleen als u dat aanvinkt. De rest zien alleen u en de aanbieder.",
                "Only the title and the public summary become public, and only if you tick the box. Only you and the provider see the rest.")) }
            div.buttons { button.primary type="submit" { (ctx.t("Incident melden", "Report incident")) } }
        }
    };
    ctx.page_status(status, ctx.t("Incident melden", "Report an incident"), body)
}

/// The signed-in user's own record (as its deployer): its name and provider.
async fn own_record(ctx: &Ctx, app: &App, id: AlgorithmId) -> Result<(Principal, String, String), PageError> {
    let p = ctx.require()?.clone();
    let (name, provider) = app.feedback().own_record(&p, id).await.map_err(|e| ctx.err(e))?;
    Ok((p, name, provider))
}

pub async fn incident_new(ctx: Ctx, State(app): State<App>, IdPath(id): IdPath) -> PageResult {
    let (_, name, provider) = own_record(&ctx, &app, id).await?;
    Ok(incident_form(&ctx, id, &name, &provider, &vec![], None, StatusCode::OK))
}

pub async fn incident_create(ctx: Ctx, State(app): State<App>, IdPath(id): IdPath, CsrfForm(form): CsrfForm) -> PageResult {
    let (p, name, provider) = own_record(&ctx, &app, id).await?;
    let noticed = chrono::NaiveDateTime::parse_from_str(field(&form, "noticed_at"), "%Y-%m-%dT%H:%M")
        .map(|t| t.and_utc())
        .map_err(|_| ServiceError::bad("noticed_at", "Geef datum en tijd.", "Give a date and time."));
    let people = match field(&form, "people_affected").trim() {
        "" => Ok(None),
        n => n.parse::<i64>().map(Some).map_err(|_| ServiceError::bad("people_affected", "Een geheel getal.", "A whole number.")),
    };
    let result = match (noticed, people) {
        (Ok(noticed_at), Ok(people_affected)) => {
            let input = IncidentInput {
                class: field(&form, "class").into(),
                title: field(&form, "title").into(),
                what_happened: field(&form, "what_happened").into(),
                noticed_at,
                people_affected,
                public: field(&form, "public") == "1",
                public_summary: Some(field(&form, "public_summary").to_string()),
                provider_email: Some(field(&form, "provider_email").to_string()),
            };
            app.feedback().report_incident(&p, id, input, Utc::now()).await
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match result {
        Ok((iid, _)) => Ok(Redirect::to(&format!("{}/beheer/incident/{iid}", ctx.base())).into_response()),
        Err(e @ (ServiceError::Internal(_) | ServiceError::Forbidden { .. } | ServiceError::NotFound(_))) => Err(ctx.err(e)),
        Err(e) => {
            let (status, _) = crate::problem::problem_of(&e);
            Ok(incident_form(&ctx, id, &name, &provider, &form, Some(&problem_text(&ctx, &e)), status))
        }
    }
}

fn incident_view(ctx: &Ctx, i: &Incident, events: &[algoreg_store::IncidentEvent]) -> Markup {
    let now = Utc::now();
    html! {
        dl {
            dt { (ctx.t("Ernst", "Severity")) } dd { (class_label(ctx, &i.class)) }
            dt { (ctx.t("Aanbieder", "Provider")) } dd { (i.provider_name) }
            dt { (ctx.t("Opgemerkt", "Noticed")) } dd { (when(&i.noticed_at)) }
            dt { (ctx.t("Meldtermijn (AI-verordening, art. 73)", "Reporting deadline (AI Act, Art. 73)")) }
            dd.deadline { @match i.deadline_at {
                Some(d) => { (d.format("%Y-%m-%d %H:%M UTC")) @if d < now && !i.status.reported_or_closed() { " " strong.overdue { (ctx.t("verstreken", "passed")) } } }
                None => { (ctx.t("geen wettelijke termijn", "no legal term")) }
            } }
            dt { (ctx.t("Geraakte mensen", "People affected")) } dd { (i.people_affected.map(|n| n.to_string()).unwrap_or_else(|| "–".into())) }
            dt { (ctx.t("Openbaar", "Public")) } dd { (if i.public { ctx.t("ja, de samenvatting", "yes, the summary") } else { ctx.t("nee", "no") }) }
        }
        h2 { (ctx.t("Wat er gebeurde", "What happened")) }
        p { (i.what_happened) }
        h2 { (ctx.t("Tijdlijn", "Timeline")) }
        ol.timeline { @for e in events { li {
            (when(&e.at)) ": " (l(ctx, e.kind.label_nl(), e.kind.label_en())) " (" (e.actor) ")"
            @if let Some(t) = &e.text { br; (t) }
        } } }
    }
}

fn event_form(ctx: &Ctx, action: &str, kinds: &[IncidentEventKind]) -> Markup {
    html! {
        h2 { (ctx.t("Stap toevoegen", "Add a step")) }
        form method="post" action=(action) {
            (ctx.csrf_field())
            fieldset {
                legend { (ctx.t("Welke stap?", "Which step?")) }
                @for k in kinds { div.choice {
                    input type="radio" name="kind" id=(format!("ev-{k}")) value=(k) required;
                    label for=(format!("ev-{k}")) { (l(ctx, k.label_nl(), k.label_en())) }
                } }
            }
            div.field { label for="ev-text" { (ctx.t("Toelichting", "Explanation")) } textarea #ev-text name="text" rows="4" {} }
            div.buttons { button.primary type="submit" { (ctx.t("Toevoegen", "Add")) } }
        }
    }
}

async fn incident_page(ctx: &Ctx, app: &App, p: &Principal, id: i64, problem: Option<&str>, status: StatusCode) -> PageResult {
    let (i, events, party) = app.feedback().incident(p, id).await.map_err(|e| ctx.err(e))?;
    let kinds = party.allowed_events();
    let body = html! {
        p.crumbs { a href=(format!("{}/beheer/algoritme/{}", ctx.base(), i.record)) { (ctx.t("Registratie", "Registration")) } }
        h1 { (ctx.t("Incident: ", "Incident: ")) (i.title) }
        (ctx.error_box(problem))
        p.meta { (if party == IncidentParty::Provider { ctx.t("U bent de aanbieder.", "You are the provider.") } else { ctx.t("U bent de gebruiker (gebruiksverantwoordelijke).", "You are the deployer.") }) }
        (incident_view(ctx, &i, &events))
        @if i.status != IncidentStatus::Closed { (event_form(ctx, &format!("{}/beheer/incident/{}", ctx.base(), i.id), kinds)) }
    };
    Ok(ctx.page_status(status, ctx.t("Incident", "Incident"), body))
}

pub async fn incident_show(ctx: Ctx, State(app): State<App>, Path(id): Path<String>) -> PageResult {
    let p = ctx.require()?.clone();
    let id = sid(&ctx, &id)?;
    incident_page(&ctx, &app, &p, id, None, StatusCode::OK).await
}

pub async fn incident_step(ctx: Ctx, State(app): State<App>, Path(id): Path<String>, CsrfForm(form): CsrfForm) -> PageResult {
    let p = ctx.require()?.clone();
    let id = sid(&ctx, &id)?;
    match app.feedback().incident_event(&p, id, field(&form, "kind"), Some(field(&form, "text")), Utc::now()).await {
        Ok(()) => incident_page(&ctx, &app, &p, id, None, StatusCode::OK).await,
        Err(e @ (ServiceError::Internal(_) | ServiceError::NotFound(_))) => Err(ctx.err(e)),
        Err(e) => {
            let (status, _) = crate::problem::problem_of(&e);
            incident_page(&ctx, &app, &p, id, Some(&problem_text(&ctx, &e)), status).await
        }
    }
}

/// The provider's page behind the secret link in its e-mail: read, acknowledge, add steps.
pub async fn incident_link(ctx: Ctx, State(app): State<App>, Path(code): Path<String>) -> PageResult {
    let (i, events) = app.feedback().incident_by_link(&code).await.map_err(|e| ctx.err(e))?;
    let body = html! {
        h1 { (ctx.t("Incident: ", "Incident: ")) (i.title) }
        p { (ctx.t("Een organisatie die uw product gebruikt, meldt dit incident.", "An organisation that uses your product reports this incident.")) }
        (incident_view(&ctx, &i, &events))
        @if i.status != IncidentStatus::Closed { (event_form(&ctx, &format!("{}/incident/{}", ctx.base(), code), IncidentParty::Provider.allowed_events())) }
    };
    Ok(ctx.page(ctx.t("Incident", "Incident"), body))
}

pub async fn incident_link_step(ctx: Ctx, State(app): State<App>, Path(code): Path<String>, CsrfForm(form): CsrfForm) -> PageResult {
    app.feedback()
        .incident_event_by_link(&code, field(&form, "kind"), Some(field(&form, "text")), Utc::now())
        .await
        .map_err(|e| ctx.err(e))?;
    Ok(Redirect::to(&format!("{}/incident/{}", ctx.base(), code)).into_response())
}

pub async fn incidents_of_org(ctx: Ctx, State(app): State<App>, Path(code): Path<String>) -> PageResult {
    let (p, org) = member_org(&ctx, &app, &code).await?;
    let list = app.feedback().incidents_of_org(&p, org.id).await.map_err(|e| ctx.err(e))?;
    let body = html! {
        p.crumbs { a href=(format!("{}/beheer/org/{}", ctx.base(), org.code)) { (org.name) } }
        h1 { (ctx.t("Incidenten", "Incidents")) }
        @if list.is_empty() { p { (ctx.t("Geen incidenten.", "No incidents.")) } }
        ul { @for i in &list { li {
            a href=(format!("{}/beheer/incident/{}", ctx.base(), i.id)) { (i.title) }
            " – " (class_label(&ctx, &i.class)) " – "
            (if i.deployer_org_id == org.id { ctx.t("als gebruiker", "as deployer") } else { ctx.t("als aanbieder", "as provider") })
            @if let Some(d) = i.deadline_at { " – " (ctx.t("termijn ", "deadline ")) (d.format("%Y-%m-%d")) }
        } } }
    };
    Ok(ctx.page(ctx.t("Incidenten", "Incidents"), body))
}

// ------------------------------------------------------------------------------------------
// Evaluations

async fn evaluations_page(
    ctx: &Ctx,
    app: &App,
    id: AlgorithmId,
    flash: Option<&str>,
    problem: Option<&str>,
    status: StatusCode,
) -> PageResult {
    let p = ctx.require()?;
    let today = Utc::now().date_naive();
    let (name, Evaluations { plan, evaluations: list, .. }) = app.feedback().own_evaluations(p, id, today).await.map_err(|e| ctx.err(e))?;
    let base = format!("{}/beheer/algoritme/{}/evaluaties", ctx.base(), id);
    let body = html! {
        p.crumbs { a href=(format!("{}/beheer/algoritme/{}", ctx.base(), id)) { (name) } }
        h1 { (ctx.t("Evaluaties", "Evaluations")) }
        @if let Some(f) = flash { div.notice role="status" { p { (f) } } }
        (ctx.error_box(problem))
        @match &plan {
            Some(p) => {
                p { (ctx.t("Elke ", "Every ")) (p.interval_months) (ctx.t(" maanden; volgende uiterlijk ", " months; next due by ")) strong { (p.next_due) } "."
                    @if let Some(late) = overdue_days(p.next_due, today) { " " strong.overdue { (late) (ctx.t(" dagen te laat", " days overdue")) } } }
            }
            None => { p { (ctx.t("Er is nog geen evaluatieschema.", "There is no evaluation schedule yet.")) } }
        }
        h2 { (ctx.t("Schema", "Schedule")) }
        form method="post" action=(format!("{base}/schema")) {
            (ctx.csrf_field())
            div.field { label for="interval" { (ctx.t("Elke zoveel maanden", "Every so many months")) } input #interval type="number" min="1" max="120" name="interval_months" required value=(plan.as_ref().map(|p| p.interval_months).unwrap_or(12)); }
            div.field { label for="next_due" { (ctx.t("Volgende evaluatie uiterlijk", "Next evaluation due by")) } input #next_due type="date" name="next_due" required value=(plan.as_ref().map(|p| p.next_due.to_string()).unwrap_or_default()); }
            div.buttons { button type="submit" { (ctx.t("Schema opslaan", "Save schedule")) } }
        }
        h2 { (ctx.t("Evaluatie vastleggen", "Record an evaluation")) }
        form method="post" action=(base.clone()) {
            (ctx.csrf_field())
            div.field { label for="date" { (ctx.t("Datum", "Date")) } input #date type="date" name="date" required; }
            div.field { label for="by" { (ctx.t("Door wie", "By whom")) } input #by type="text" name="by_whom" required maxlength="200"; }
            div.field { label for="findings" { (ctx.t("Bevindingen", "Findings")) } textarea #findings name="findings" rows="5" required {} }
            div.field { label for="report" { (ctx.t("Link naar het rapport (niet verplicht)", "Link to the report (optional)")) } input #report type="url" name="report_url"; }
            div.buttons { button.primary type="submit" { (ctx.t("Vastleggen", "Record")) } }
        }
        h2 { (ctx.t("Eerdere evaluaties", "Earlier evaluations")) }
        @if list.is_empty() { p { (ctx.t("Nog geen.", "None yet.")) } }
        ul { @for e in &list { li { (e.date) ": " (e.findings) " (" (e.by_whom) ")" @if let Some(u) = &e.report_url { " " a href=(u) { (ctx.t("rapport", "report")) } } } } }
    };
    Ok(ctx.page_status(status, ctx.t("Evaluaties", "Evaluations"), body))
}

pub async fn evaluations(ctx: Ctx, State(app): State<App>, IdPath(id): IdPath) -> PageResult {
    evaluations_page(&ctx, &app, id, None, None, StatusCode::OK).await
}

fn date_field(form: &FormData, k: &str) -> Result<NaiveDate, ServiceError> {
    NaiveDate::parse_from_str(field(form, k), "%Y-%m-%d")
        .map_err(|_| ServiceError::bad(k, "Een datum (jjjj-mm-dd).", "A date (yyyy-mm-dd)."))
}

async fn after_evaluation(ctx: &Ctx, app: &App, id: AlgorithmId, r: Result<(), ServiceError>, done: &str) -> PageResult {
    match r {
        Ok(()) => evaluations_page(ctx, app, id, Some(done), None, StatusCode::OK).await,
        Err(e @ (ServiceError::Internal(_) | ServiceError::Forbidden { .. } | ServiceError::NotFound(_))) => Err(ctx.err(e)),
        Err(e) => {
            let (status, _) = crate::problem::problem_of(&e);
            evaluations_page(ctx, app, id, None, Some(&problem_text(ctx, &e)), status).await
        }
    }
}

pub async fn evaluation_plan(ctx: Ctx, State(app): State<App>, IdPath(id): IdPath, CsrfForm(form): CsrfForm) -> PageResult {
    let p = ctx.require()?.clone();
    let r = async {
        let months = field(&form, "interval_months")
            .trim()
            .parse::<u32>()
            .map_err(|_| ServiceError::bad("interval_months", "Een geheel getal.", "A whole number."))?;
        let due = date_field(&form, "next_due")?;
        app.feedback().set_plan(&p, id, months, due, Utc::now()).await.map(|_| ())
    }
    .await;
    after_evaluation(&ctx, &app, id, r, ctx.t("Schema opgeslagen.", "Schedule saved.")).await
}

pub async fn evaluation_add(ctx: Ctx, State(app): State<App>, IdPath(id): IdPath, CsrfForm(form): CsrfForm) -> PageResult {
    let p = ctx.require()?.clone();
    let r = async {
        let date = date_field(&form, "date")?;
        app.feedback()
            .record_evaluation(
                &p,
                id,
                date,
                field(&form, "by_whom"),
                field(&form, "findings"),
                Some(field(&form, "report_url")),
                Utc::now(),
            )
            .await
            .map(|_| ())
    }
    .await;
    after_evaluation(&ctx, &app, id, r, ctx.t("Evaluatie vastgelegd.", "Evaluation recorded.")).await
}

// ------------------------------------------------------------------------------------------
// Atom feed of public answers

use crate::xml::text as xml_escape;

/// `/feeds/antwoorden.xml`, optionally `?org=CODE` for one organisation's answers.
pub async fn answers_feed(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let org_id = match q.get("org").map(|c| c.trim()).filter(|c| !c.is_empty()) {
        Some(code) if code.len() > 100 => {
            let e = ServiceError::bad("org", "Geef de code van een organisatie.", "Give an organisation's code.");
            return Err(PageError::Service(Lang::Nl, e));
        }
        Some(code) => Some(app.orgs().by_code(code).await.map_err(|e| PageError::Service(Lang::Nl, e))?.id),
        None => None,
    };
    let list = app.feedback().public_answers(org_id).await.map_err(|e| PageError::Service(Lang::Nl, e))?;
    let updated = list.first().and_then(|(s, _)| s.answered_at).unwrap_or_else(Utc::now);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    out.push_str("<title>Algoritmeregister: antwoorden op signalen</title>\n<id>urn:algoreg:answers</id>\n");
    out.push_str(&format!("<updated>{}</updated>\n<link rel=\"self\" href=\"/feeds/antwoorden.xml\"/>\n", updated.to_rfc3339()));
    for (s, name) in &list {
        out.push_str(&format!(
            "<entry><id>urn:algoreg:signal:{}</id><title>{}</title><updated>{}</updated><link href=\"/nl/algoritme/{}#g-feedback\"/><summary>{}</summary></entry>\n",
            s.id,
            xml_escape(&format!("Antwoord over {name}")),
            s.answered_at.unwrap_or(s.created_at).to_rfc3339(),
            s.record,
            xml_escape(s.answer.as_deref().unwrap_or("")),
        ));
    }
    out.push_str("</feed>\n");
    Ok(([(axum::http::header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], out).into_response())
}

//! E-mail alerts in the browser: subscribe to a search (from the search page or an organisation's page)
//! without an account, confirm from the mailbox, unsubscribe with one click. The confirm and
//! unsubscribe links carry their own token; the unsubscribe address also takes the mail programs'
//! one-click POST (RFC 8058), which comes without a cookie, so it needs no CSRF token: the token in the
//! link is what authorises it.

use super::csrf::CsrfForm;
use super::{form_field as field, problem_text, Ctx, PageError, PageResult};
use crate::auth::ClientKey;
use algoreg_service::alerts::{AlertInput, AlertSearch, Purpose, SEARCH_KEYS};
use algoreg_service::{App, ServiceError};
use algoreg_standard::Lang;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::Utc;
use maud::{html, Markup};

type FormData = Vec<(String, String)>;

fn search_of(pairs: &FormData) -> FormData {
    pairs.iter().filter(|(k, _)| SEARCH_KEYS.contains(&k.as_str())).cloned().collect()
}

async fn form_page(ctx: &Ctx, app: &App, form: &FormData, problem: Option<String>, status: StatusCode) -> PageResult {
    let search_pairs = search_of(form);
    let search = match AlertSearch::parse(&search_pairs) {
        Ok(s) => s,
        Err(e) => return Err(ctx.err(e)),
    };
    let what = app.alerts().describe(&search, ctx.lang.code(), false).await.map_err(|e| ctx.err(e))?;
    let chosen = match field(form, "frequency") {
        "" => "weekly",
        f => f,
    };
    let title = ctx.t("E-mail bij nieuwe registraties", "E-mail about new registrations");
    let body = html! {
        h1 { (title) }
        p { (ctx.t("U krijgt een e-mail met de registraties die nieuw zijn of gewijzigd voor: ", "You get an e-mail with the registrations that are new or changed for: ")) strong { (what) } "." }
        p { (ctx.t("U hoeft geen account te hebben. We sturen eerst een e-mail om uw adres te bevestigen; zonder bevestiging sturen we niets meer en wissen we het adres. In elke e-mail staat een link om met één klik te stoppen.",
            "You do not need an account. We first send an e-mail to confirm your address; without confirmation we send nothing more and erase the address. Every e-mail has a link to stop with one click.")) }
        @if let Some(pr) = &problem {
            div.error-summary role="alert" tabindex="-1" { h2 { (ctx.t("Dat lukte niet", "That did not work")) } p { (pr) } }
        }
        form.narrow method="post" action=(format!("{}/meldingen", ctx.base())) {
            (ctx.csrf_field())
            @for (k, v) in search.values() {
                input type="hidden" name=(k) value=(v);
            }
            div.field {
                label for="email" { (ctx.t("Uw e-mailadres", "Your e-mail address")) }
                p.hint #email-hint { (ctx.t("We gebruiken het alleen voor deze e-mails.", "We use it only for these e-mails.")) }
                input #email type="email" name="email" autocomplete="email" required value=(field(form, "email")) aria-describedby="email-hint";
            }
            fieldset {
                legend { (ctx.t("Hoe vaak?", "How often?")) }
                @for (code, nl, en) in [("daily", "Elke dag (alleen als er iets nieuw is)", "Every day (only when there is something new)"), ("weekly", "Elke week (alleen als er iets nieuw is)", "Every week (only when there is something new)")] {
                    div.choice {
                        input type="radio" name="frequency" id=(format!("frequency-{code}")) value=(code) required checked[chosen == code];
                        label for=(format!("frequency-{code}")) { (ctx.t(nl, en)) }
                    }
                }
            }
            div.hp {
                label for="website" { (ctx.t("Laat dit veld leeg", "Leave this field empty")) }
                input #website type="text" name="website" tabindex="-1" autocomplete="off";
            }
            div.buttons { button.primary type="submit" { (ctx.t("Aanmelden", "Subscribe")) } }
        }
    };
    Ok(ctx.page_status(status, title, body))
}

/// `GET /{lang}/meldingen?q=&org=&theme=...`: the subscription form for a search.
pub async fn form(ctx: Ctx, State(app): State<App>, Query(q): Query<FormData>) -> PageResult {
    form_page(&ctx, &app, &q, None, StatusCode::OK).await
}

/// `POST /{lang}/meldingen`: subscribes; the answer does not tell whether the address had it already.
pub async fn subscribe(ctx: Ctx, State(app): State<App>, ClientKey(client): ClientKey, CsrfForm(form): CsrfForm) -> PageResult {
    let input = AlertInput {
        email: field(&form, "email").into(),
        frequency: field(&form, "frequency").into(),
        lang: ctx.lang.code().into(),
        website: field(&form, "website").into(),
        search: search_of(&form),
    };
    match app.alerts().subscribe(input, &client, Utc::now()).await {
        Ok(()) => {
            let title = ctx.t("Kijk in uw mailbox", "Check your mailbox");
            let body = html! {
                h1 { (title) }
                div.notice role="status" {
                    p { (ctx.t("Als dit adres zich mag aanmelden, krijgt u binnen enkele minuten een e-mail met een link om te bevestigen.",
                        "If this address may subscribe, you get an e-mail with a link to confirm within a few minutes.")) }
                }
                p { (ctx.t("Bevestig binnen 48 uur. Ziet u niets? Kijk ook bij ongewenste e-mail.", "Confirm within 48 hours. Nothing there? Also look in your spam folder.")) }
                p { a href=(format!("{}/", ctx.base())) { (ctx.t("Naar de startpagina", "To the home page")) } }
            };
            Ok(ctx.page_status(StatusCode::ACCEPTED, title, body))
        }
        Err(e @ ServiceError::Internal(_)) => Err(ctx.err(e)),
        Err(e @ ServiceError::TooManyRequests { .. }) => Err(ctx.err(e)),
        Err(e) => {
            let (status, _) = crate::problem::problem_of(&e);
            form_page(&ctx, &app, &form, Some(problem_text(&ctx, &e)), status).await
        }
    }
}

fn what_block(ctx: &Ctx, what: &str, frequency: algoreg_domain::alerts::Frequency) -> Markup {
    html! {
        dl {
            dt { (ctx.t("Registraties voor", "Registrations for")) } dd { (what) }
            dt { (ctx.t("Hoe vaak", "How often")) } dd { (if ctx.lang == Lang::Nl { frequency.label_nl() } else { frequency.label_en() }) }
        }
    }
}

/// The subscription a link is for, with what it follows in words.
async fn by_link(ctx: &Ctx, app: &App, id: &str, token: &str, purpose: Purpose) -> Result<(algoreg_store::Alert, String), PageError> {
    let alerts = app.alerts();
    let a = alerts.by_link(id, token, purpose).await.map_err(|e| ctx.err(e))?;
    let what = alerts.describe(&AlertSearch::from_query(&a.search), ctx.lang.code(), false).await.map_err(|e| ctx.err(e))?;
    Ok((a, what))
}

/// `GET /{lang}/meldingen/{id}/bevestigen/{token}`: a button, so that a mail scanner opening the link
/// confirms nothing.
pub async fn confirm_page(ctx: Ctx, State(app): State<App>, Path((id, token)): Path<(String, String)>) -> PageResult {
    let (a, what) = by_link(&ctx, &app, &id, &token, Purpose::Confirm).await?;
    let title = ctx.t("E-mailmelding bevestigen", "Confirm e-mail alert");
    let body = html! {
        h1 { (title) }
        (what_block(&ctx, &what, a.frequency))
        @if a.confirmed_at.is_some() {
            p.notice role="status" { (ctx.t("Deze melding is al bevestigd.", "This alert is confirmed already.")) }
        } @else {
            form method="post" action=(format!("{}/meldingen/{id}/bevestigen/{token}", ctx.base())) {
                (ctx.csrf_field())
                div.buttons { button.primary type="submit" { (ctx.t("Bevestigen", "Confirm")) } }
            }
        }
    };
    Ok(ctx.page(title, body))
}

pub async fn confirm(ctx: Ctx, State(app): State<App>, Path((id, token)): Path<(String, String)>, _: CsrfForm) -> PageResult {
    let alerts = app.alerts();
    let a = alerts.confirm(&id, &token, Utc::now()).await.map_err(|e| ctx.err(e))?;
    let what = alerts.describe(&AlertSearch::from_query(&a.search), ctx.lang.code(), false).await.map_err(|e| ctx.err(e))?;
    let stop = alerts.link_for(&id, Purpose::Unsubscribe, ctx.lang.code()).await.map_err(|e| ctx.err(e))?;
    let title = ctx.t("Uw e-mailmelding staat aan", "Your e-mail alert is on");
    let body = html! {
        h1 { (title) }
        (what_block(&ctx, &what, a.frequency))
        p { (ctx.t("U krijgt alleen een e-mail als er iets nieuw of gewijzigd is.", "You only get an e-mail when something is new or changed.")) }
        p { a href=(stop) { (ctx.t("Toch stoppen", "Stop after all")) } }
    };
    Ok(ctx.page(title, body))
}

/// `GET /{lang}/meldingen/{id}/afmelden/{token}`: what the alert is, with one button to stop it.
pub async fn unsubscribe_page(ctx: Ctx, State(app): State<App>, Path((id, token)): Path<(String, String)>) -> PageResult {
    let (a, what) = by_link(&ctx, &app, &id, &token, Purpose::Unsubscribe).await?;
    let title = ctx.t("Stoppen met deze e-mails", "Stop these e-mails");
    let body = html! {
        h1 { (title) }
        (what_block(&ctx, &what, a.frequency))
        form method="post" action=(format!("{}/meldingen/{id}/afmelden/{token}", ctx.base())) {
            div.buttons { button.primary type="submit" { (ctx.t("Stoppen", "Stop")) } }
        }
    };
    Ok(ctx.page(title, body))
}

/// `POST /{lang}/meldingen/{id}/afmelden/{token}`: from the page's button or a mail program's one-click
/// POST. The subscription and its address are deleted; a second time is not an error.
pub async fn unsubscribe(ctx: Ctx, State(app): State<App>, Path((id, token)): Path<(String, String)>) -> PageResult {
    app.alerts().unsubscribe(&id, &token).await.map_err(|e| ctx.err(e))?;
    let title = ctx.t("U bent afgemeld", "You are unsubscribed");
    let body = html! {
        h1 { (title) }
        div.notice role="status" {
            p { (ctx.t("U krijgt deze e-mails niet meer. Deze melding is gewist, met uw e-mailadres erin.", "You no longer get these e-mails. This alert has been erased, with your e-mail address in it.")) }
        }
        p { a href=(format!("{}/", ctx.base())) { (ctx.t("Naar de startpagina", "To the home page")) } }
    };
    Ok(ctx.page(title, body))
}

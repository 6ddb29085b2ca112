//! One's own account: changing the password (required after a temporary one), a forgotten password
//! reset by an e-mailed link, and answering invitations to join an organisation.

use super::csrf::CsrfForm;
use super::{form_field as field, problem_text, Ctx, PageResult};
use crate::auth::{ClientKey, SESSION_COOKIE};
use algoreg_service::auth::SESSION_HOURS;
use algoreg_service::{App, ServiceError};
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

/// The new-password field with its hint (the change form and the reset form).
fn new_password_field(ctx: &Ctx) -> maud::Markup {
    html! {
        div.field {
            label for="new_password" { (ctx.t("Nieuw wachtwoord", "New password")) }
            p.hint #pw-hint { (ctx.t(
            "Minstens 12 tekens. Een zin of vier losse woorden werkt goed. Veelgebruikte wachtwoorden, woorden en uw eigen naam of e-mailadres worden geweigerd.",
            "At least 12 characters. A sentence or four unrelated words works well. Common passwords, words and your own name or e-mail address are refused."
            )) }
            input #new_password type="password" name="new_password" autocomplete="new-password" minlength="12" required aria-describedby="pw-hint";
        }
    }
}

fn change_page(ctx: &Ctx, status: StatusCode, problem: Option<&str>, must: bool) -> Response {
    let body = html! {
        h1 { (ctx.t("Wachtwoord wijzigen", "Change password")) }
        @if must {
            p.notice role="status" { (ctx.t(
                "U bent ingelogd met een tijdelijk wachtwoord. Kies eerst een eigen wachtwoord; daarna kunt u verder.",
                "You logged in with a temporary password. Choose your own password first; then you can go on."
            )) }
        }
        (ctx.error_box(problem))
        form.narrow method="post" action=(format!("{}/account/wachtwoord", ctx.base())) {
            (ctx.csrf_field())
            div.field {
                label for="current_password" { (ctx.t("Huidig wachtwoord", "Current password")) }
                input #current_password type="password" name="current_password" autocomplete="current-password" required;
            }
            (new_password_field(ctx))
            div.buttons { button.primary type="submit" { (ctx.t("Wachtwoord wijzigen", "Change password")) } }
        }
    };
    ctx.page_status(status, ctx.t("Wachtwoord wijzigen", "Change password"), body)
}

/// The session cookie (`Secure` is added by [`crate::security`] when the site is served over https).
pub(crate) fn session_cookie_header(secret: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}", SESSION_HOURS * 3600)).ok()
}

/// `/account/sessies`: the person's own open sessions (this browser marked), each with a button to end it.
pub async fn sessions(ctx: Ctx, State(app): State<App>, headers: axum::http::HeaderMap) -> PageResult {
    sessions_page(&ctx, &app, &headers, None).await
}

async fn sessions_page(ctx: &Ctx, app: &App, headers: &axum::http::HeaderMap, flash: Option<&str>) -> PageResult {
    let p = ctx.require()?;
    let list = app.auth().my_sessions(p).await.map_err(|e| ctx.err(e))?;
    let this = crate::auth::session_cookie(headers).map(|s| algoreg_service::auth::hash_token(&s)).unwrap_or_default();
    let body = html! {
        h1 { (ctx.t("Mijn sessies", "My sessions")) }
        @if let Some(f) = flash { p.notice role="status" { (f) } }
        p { (ctx.t("Hier bent u ingelogd. Beëindig een sessie die u niet herkent, en wijzig dan uw wachtwoord.",
            "You are logged in here. End a session you do not recognise, then change your password.")) }
        table {
            caption.sr-only { (ctx.t("Open sessies", "Open sessions")) }
            (ctx.head_row(&[("Begonnen", "Started"), ("Verloopt", "Expires"), ("Actie", "Action")]))
            tbody { @for s in &list {
                tr {
                    td { (super::render::when(&s.created_at)) @if this.starts_with(&s.id) { " " strong { (ctx.t("(deze browser)", "(this browser)")) } } }
                    td { (super::render::when(&s.expires_at)) }
                    td { form method="post" action=(format!("{}/account/sessies", ctx.base())) {
                        (ctx.csrf_field())
                        input type="hidden" name="session" value=(s.id);
                        button type="submit" aria-label=(format!("{} {}", ctx.t("Beëindigen: sessie van", "End: session of"), super::render::when(&s.created_at))) { (ctx.t("Beëindigen", "End")) }
                    } }
                }
            } }
        }
    };
    Ok(ctx.page(ctx.t("Mijn sessies", "My sessions"), body))
}

pub async fn end_session(ctx: Ctx, State(app): State<App>, headers: axum::http::HeaderMap, CsrfForm(form): CsrfForm) -> PageResult {
    let p = ctx.require()?.clone();
    app.auth().end_my_session(&p, field(&form, "session")).await.map_err(|e| ctx.err(e))?;
    sessions_page(&ctx, &app, &headers, Some(ctx.t("Sessie beëindigd.", "Session ended."))).await
}

pub async fn change_form(ctx: Ctx) -> PageResult {
    let p = ctx.require_any()?;
    Ok(change_page(&ctx, StatusCode::OK, None, p.must_change_password))
}

pub async fn change_submit(ctx: Ctx, State(app): State<App>, ClientKey(client): ClientKey, CsrfForm(form): CsrfForm) -> PageResult {
    let p = ctx.require_any()?.clone();
    match app.auth().change_password(&p, field(&form, "current_password"), field(&form, "new_password"), &client).await {
        Ok(secret) => {
            let mut resp = Redirect::to(&format!("{}/beheer?wachtwoord=gewijzigd", ctx.base())).into_response();
            if let Some(v) = session_cookie_header(&secret) {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(resp)
        }
        Err(e @ (ServiceError::Internal(_) | ServiceError::Unauthenticated)) => Err(ctx.err(e)),
        Err(e) => {
            let (status, _) = crate::problem::problem_of(&e);
            Ok(change_page(&ctx, status, Some(&problem_text(&ctx, &e)), p.must_change_password))
        }
    }
}

fn forgot_page(ctx: &Ctx, status: StatusCode, sent: bool, problem: Option<&str>) -> Response {
    let body = html! {
        h1 { (ctx.t("Wachtwoord vergeten", "Forgot password")) }
        @if sent {
            div.notice role="status" { p { (ctx.t(
                "Als er een account is met dit e-mailadres, krijgt het binnen enkele minuten een e-mail met een link. De link werkt een uur en één keer.",
                "If there is an account with this e-mail address, it gets an e-mail with a link within a few minutes. The link works once, for an hour."
            )) } }
        } @else {
            p { (ctx.t(
                "Vul het e-mailadres van uw account in. U krijgt een link waarmee u zelf een nieuw wachtwoord kiest.",
                "Enter your account's e-mail address. You get a link with which you choose a new password yourself."
            )) }
            (ctx.error_box(problem))
            form.narrow method="post" action=(format!("{}/wachtwoord-vergeten", ctx.base())) {
                (ctx.csrf_field())
                div.field {
                    label for="email" { (ctx.t("E-mailadres", "E-mail address")) }
                    input #email type="email" name="email" autocomplete="username" required maxlength="254";
                }
                div.buttons { button.primary type="submit" { (ctx.t("Stuur een link", "Send a link")) } }
            }
        }
    };
    ctx.page_status(status, ctx.t("Wachtwoord vergeten", "Forgot password"), body)
}

pub async fn forgot_form(ctx: Ctx) -> Response {
    forgot_page(&ctx, StatusCode::OK, false, None)
}

pub async fn forgot_submit(ctx: Ctx, State(app): State<App>, ClientKey(client): ClientKey, CsrfForm(form): CsrfForm) -> PageResult {
    match app.request_password_reset(field(&form, "email"), &client, ctx.lang.code()).await {
        Ok(()) => Ok(forgot_page(&ctx, StatusCode::OK, true, None)),
        Err(e @ ServiceError::Internal(_)) => Err(ctx.err(e)),
        Err(e) => {
            let (status, _) = crate::problem::problem_of(&e);
            Ok(forgot_page(&ctx, status, false, Some(&problem_text(&ctx, &e))))
        }
    }
}

fn reset_page(ctx: &Ctx, status: StatusCode, secret: &str, live: bool, problem: Option<&str>) -> Response {
    let body = html! {
        h1 { (ctx.t("Nieuw wachtwoord kiezen", "Choose a new password")) }
        @if !live {
            p { (ctx.t("Deze link werkt niet meer: hij is al gebruikt of verlopen.", "This link no longer works: it was used or has expired.")) }
            p { a href=(format!("{}/wachtwoord-vergeten", ctx.base())) { (ctx.t("Vraag een nieuwe link aan", "Ask for a new link")) } }
        } @else {
            (ctx.error_box(problem))
            form.narrow method="post" action=(format!("{}/wachtwoord-herstellen/{secret}", ctx.base())) {
                (ctx.csrf_field())
                (new_password_field(ctx))
                div.buttons { button.primary type="submit" { (ctx.t("Wachtwoord opslaan", "Save password")) } }
            }
        }
    };
    let mut resp = ctx.page_status(status, ctx.t("Nieuw wachtwoord kiezen", "Choose a new password"), body);
    // The secret is in the address: it must not travel on in a Referer header.
    resp.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    resp
}

/// Reset links are 64 hexadecimal characters; anything else is not looked up.
fn well_formed(secret: &str) -> bool {
    secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit())
}

pub async fn reset_form(ctx: Ctx, State(app): State<App>, Path(secret): Path<String>) -> PageResult {
    let live = well_formed(&secret) && app.auth().reset_link_is_live(&secret).await.map_err(|e| ctx.err(e))?;
    let status = if live { StatusCode::OK } else { StatusCode::NOT_FOUND };
    Ok(reset_page(&ctx, status, if live { &secret } else { "" }, live, None))
}

pub async fn reset_submit(ctx: Ctx, State(app): State<App>, Path(secret): Path<String>, CsrfForm(form): CsrfForm) -> PageResult {
    if !well_formed(&secret) {
        return Ok(reset_page(&ctx, StatusCode::NOT_FOUND, "", false, None));
    }
    match app.auth().reset_password_with_link(&secret, field(&form, "new_password")).await {
        Ok(()) => Ok(Redirect::to(&format!("{}/login?wachtwoord=hersteld", ctx.base())).into_response()),
        Err(e @ ServiceError::Internal(_)) => Err(ctx.err(e)),
        Err(ServiceError::BadInput { field, .. }) if field == "link" => Ok(reset_page(&ctx, StatusCode::NOT_FOUND, "", false, None)),
        Err(e) => {
            let (status, _) = crate::problem::problem_of(&e);
            Ok(reset_page(&ctx, status, &secret, true, Some(&problem_text(&ctx, &e))))
        }
    }
}

/// Accepts or declines one of one's own invitations (`answer` = `accept` or `decline`).
pub async fn answer_invitation(ctx: Ctx, State(app): State<App>, Path(id): Path<String>, CsrfForm(form): CsrfForm) -> PageResult {
    let p = ctx.require()?.clone();
    let id: i64 = id.parse().map_err(|_| ctx.err(ServiceError::NotFound("invitation")))?;
    let accept = match field(&form, "answer") {
        "accept" => true,
        "decline" => false,
        _ => return Err(ctx.err(ServiceError::bad("answer", "Kies aannemen of afwijzen.", "Choose accept or decline."))),
    };
    let inv = app.auth().answer_invitation(&p, id, accept).await.map_err(|e| ctx.err(e))?;
    let to = if accept { format!("{}/beheer/org/{}", ctx.base(), inv.org_code) } else { format!("{}/beheer", ctx.base()) };
    Ok(Redirect::to(&to).into_response())
}

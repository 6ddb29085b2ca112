//! Logging in through an organisation's own identity provider (single sign-on, see the service's
//! `sso` module): the button on the login page starts it, the provider sends the browser back to
//! `/sso/{provider}/callback`.

use super::t;
use super::{layout, Ctx, PageResult, WithHtml};
use crate::auth::{cookie, ClientKey, SESSION_COOKIE};
use algoreg_service::auth::SESSION_HOURS;
use algoreg_service::sso::{Callback, Pending, LOGIN_SECONDS};
use algoreg_service::{App, ServiceError};
use algoreg_standard::Lang;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use std::collections::HashMap;

/// The cookie that carries a login's state, nonce and PKCE verifier between the start and the callback.
const SSO_COOKIE: &str = "algoreg_sso";

fn secure(app: &App) -> &'static str {
    if app.feedback.config.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    }
}

/// `GET /{lang}/login/sso/{provider}`: to the provider, with a new login cookie.
pub async fn start(ctx: Ctx, State(app): State<App>, Path(provider): Path<String>, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let next = match q.get("next") {
        Some(n) if super::login::is_same_site_path(n) => n.clone(),
        _ => format!("{}/beheer", ctx.base()),
    };
    if provider.len() > 32 {
        return Err(ctx.err(ServiceError::NotFound("identity provider")));
    }
    let (url, pending) = app.sso().begin(&provider, ctx.lang.code(), &next).await.map_err(|e| ctx.err(e))?;
    let mut resp = Redirect::to(&url).into_response();
    // Lax: the browser sends it along when the provider sends it back (a top-level navigation).
    let c = format!("{SSO_COOKIE}={pending}; Path=/sso/; HttpOnly; SameSite=Lax; Max-Age={LOGIN_SECONDS}{}", secure(&app));
    if let Ok(v) = HeaderValue::from_str(&c) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// `GET /sso/{provider}/callback`: the provider's answer. On success a session starts, and the browser
/// goes on to where the person was going.
pub async fn callback(
    State(app): State<App>,
    Path(provider): Path<String>,
    ClientKey(client): ClientKey,
    headers: HeaderMap,
    Query(cb): Query<Callback>,
) -> Response {
    let pending = cookie(&headers, SSO_COOKIE).as_deref().and_then(Pending::decode);
    let lang = pending.as_ref().and_then(|p| Lang::parse(&p.lang)).unwrap_or_default();
    let clear = format!("{SSO_COOKIE}=; Path=/sso/; HttpOnly; SameSite=Lax; Max-Age=0{}", secure(&app));
    let done = if provider.len() > 32 {
        Err(ServiceError::NotFound("identity provider"))
    } else {
        app.sso().complete(&provider, &cb, pending.as_ref(), &client).await
    };
    let mut resp = match done {
        Ok(done) => match app.auth().start_session_by(&done.user, &done.method).await {
            Ok(secret) => {
                // `complete` succeeds only with the login cookie, which names where the person was going.
                let next = pending.map(|p| p.next).filter(|n| super::login::is_same_site_path(n));
                let next = next.unwrap_or_else(|| format!("/{}/beheer", lang.code()));
                continue_page(lang, &next, &secret)
            }
            Err(e) => failure(lang, &e),
        },
        Err(e) => failure(lang, &e),
    };
    if let Ok(v) = HeaderValue::from_str(&clear) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// The page after a login: the session cookie is set, and the browser goes on by itself (a `Refresh`,
/// so that the next request counts as one from this site and carries the `SameSite=Strict` cookie; a
/// redirect would not), or with the link.
fn continue_page(lang: Lang, next: &str, secret: &str) -> Response {
    let title = t(lang, "U bent ingelogd", "You are logged in");
    let body = html! {
        h1 { (title) }
        p { a href=(next) { (t(lang, "Verder", "Continue")) } }
    };
    let mut resp = (StatusCode::OK, layout(lang, None, "", "/", title, body).into_string()).into_response().with_html();
    let cookie = format!("{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}", SESSION_HOURS * 3600);
    for (name, value) in [(header::SET_COOKIE, cookie), (header::REFRESH, format!("0; url={next}"))] {
        if let Ok(v) = HeaderValue::from_str(&value) {
            resp.headers_mut().append(name, v);
        }
    }
    resp
}

/// Why the login did not go through, with the way back to the login page.
fn failure(lang: Lang, e: &ServiceError) -> Response {
    let (status, p) = crate::problem::problem_of(e);
    let title = t(lang, "Inloggen lukte niet", "Login failed");
    let body = html! {
        h1 { (title) }
        div.error-summary role="alert" { p { (if lang == Lang::Nl { &p.detail_nl } else { &p.detail }) } }
        p { a href=(format!("/{}/login", lang.code())) { (t(lang, "Terug naar inloggen", "Back to logging in")) } }
    };
    (status, layout(lang, None, "", "/", title, body).into_string()).into_response().with_html()
}

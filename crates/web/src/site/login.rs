//! Logging in and out with e-mail and password (argon2), a session cookie, CSRF on both forms and a
//! lockout after repeated failures.

use super::csrf::CsrfForm;
use super::{Ctx, PageResult};
use crate::auth::{session_cookie, ClientKey, SESSION_COOKIE};
use algoreg_service::auth::SESSION_HOURS;
use algoreg_service::{App, ServiceError};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use std::collections::HashMap;

/// Only paths of this site are followed after login (no open redirects): a path under `/nl/` or `/en/`
/// of visible ASCII only. Browsers drop tabs and line breaks and read `\\` as `/`, so `/\t/evil.example`
/// would leave the site; none of those characters is allowed.
pub(crate) fn is_same_site_path(n: &str) -> bool {
    n.len() < 500
        && (n.starts_with("/nl/") || n.starts_with("/en/") || n == "/nl" || n == "/en")
        && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
        && !n.contains("//")
}

fn safe_next(next: Option<&String>, ctx: &Ctx) -> String {
    match next {
        Some(n) if is_same_site_path(n) => n.clone(),
        _ => format!("{}/beheer", ctx.base()),
    }
}

fn login_page(ctx: &Ctx, app: &App, status: StatusCode, next: &str, email: &str, error: Option<&str>) -> Response {
    let providers = app.sso().providers();
    let body = html! {
        h1 { (ctx.t("Inloggen", "Log in")) }
        p { (ctx.t("Voor redacteuren, goedkeurders en beheerders van overheidsorganisaties.", "For editors, approvers and administrators of government organisations.")) }
        @if let Some(e) = error {
            div.error-summary role="alert" tabindex="-1" { h2 { (ctx.t("Inloggen lukte niet", "Login failed")) } p { (e) } }
        }
        @if !providers.is_empty() {
            h2 { (ctx.t("Met het account van uw organisatie", "With your organisation's account")) }
            ul.sso {
                @for (name, label) in &providers {
                    li {
                        a.button href=(format!("{}/login/sso/{name}?{}", ctx.base(), serde_urlencoded::to_string([("next", next)]).unwrap_or_default())) {
                            (ctx.t("Inloggen met ", "Log in with ")) (label)
                        }
                    }
                }
            }
            h2 { (ctx.t("Met e-mailadres en wachtwoord", "With e-mail address and password")) }
        }
        form.narrow method="post" action=(format!("{}/login", ctx.base())) {
            (ctx.csrf_field())
            input type="hidden" name="next" value=(next);
            div.field {
                label for="email" { (ctx.t("E-mailadres", "E-mail address")) }
                input #email type="email" name="email" value=(email) autocomplete="username" required;
            }
            div.field {
                label for="password" { (ctx.t("Wachtwoord", "Password")) }
                input #password type="password" name="password" autocomplete="current-password" required;
            }
            div.field {
                label for="totp" { (ctx.t("Code uit uw app", "Code from your app")) }
                p.hint #totp-hint { (ctx.t("Alleen als u tweestapsverificatie gebruikt: de zes cijfers uit de app, of een herstelcode.", "Only if you use a second factor: the six digits from the app, or a recovery code.")) }
                input #totp type="text" name="totp" inputmode="numeric" autocomplete="one-time-code" maxlength="40" aria-describedby="totp-hint";
            }
            div.buttons { button.primary type="submit" { (ctx.t("Inloggen", "Log in")) } }
        }
        p { a href=(format!("{}/wachtwoord-vergeten", ctx.base())) { (ctx.t("Wachtwoord vergeten?", "Forgot your password?")) } }
        div data-passkey-login data-next=(next) hidden {
            h2 { (ctx.t("Met een passkey", "With a passkey")) }
            button type="button" { (ctx.t("Inloggen met een passkey", "Log in with a passkey")) }
        }
        p data-passkey-status role="status" {}
    };
    ctx.page_status(status, ctx.t("Inloggen", "Log in"), body)
}

pub async fn form(ctx: Ctx, State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> Response {
    let next = safe_next(q.get("next"), &ctx);
    login_page(&ctx, &app, StatusCode::OK, &next, "", None)
}

pub async fn submit(ctx: Ctx, State(app): State<App>, ClientKey(client): ClientKey, CsrfForm(form): CsrfForm) -> PageResult {
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let email = get("email");
    let next = safe_next(Some(&get("next")), &ctx);
    let user = match app.auth().login(email.trim(), &get("password"), &client, "password", Some(get("totp").as_str())).await {
        Ok(u) => u,
        Err(ServiceError::Forbidden { message_nl, message_en }) => {
            let msg = if ctx.lang == algoreg_standard::Lang::Nl { message_nl } else { message_en };
            return Ok(login_page(&ctx, &app, StatusCode::FORBIDDEN, &next, &email, Some(&msg)));
        }
        Err(ServiceError::BadInput { message_nl, message_en, .. }) => {
            let msg = if ctx.lang == algoreg_standard::Lang::Nl { message_nl } else { message_en };
            return Ok(login_page(&ctx, &app, StatusCode::UNAUTHORIZED, &next, &email, Some(&msg)));
        }
        Err(ServiceError::Unauthenticated) => {
            let msg = ctx.t("Het e-mailadres, het wachtwoord of de code klopt niet.", "The e-mail address, password or code is wrong.");
            return Ok(login_page(&ctx, &app, StatusCode::UNAUTHORIZED, &next, &email, Some(msg)));
        }
        Err(ServiceError::TooManyRequests { retry_after }) => {
            let msg = if ctx.lang == algoreg_standard::Lang::Nl {
                format!("Te veel mislukte pogingen. Probeer het over {retry_after} seconden opnieuw.")
            } else {
                format!("Too many failed attempts. Try again in {retry_after} seconds.")
            };
            let mut resp = login_page(&ctx, &app, StatusCode::TOO_MANY_REQUESTS, &next, &email, Some(&msg));
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            return Ok(resp);
        }
        Err(e) => return Err(ctx.err(e)),
    };
    let secret = app.auth().start_session(&user).await.map_err(|e| ctx.err(e))?;
    let next = if user.password_temporary_until.is_some() { format!("{}/account/wachtwoord", ctx.base()) } else { next };
    let mut resp = Redirect::to(&next).into_response();
    let cookie = format!("{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}", SESSION_HOURS * 3600);
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

pub async fn logout(ctx: Ctx, State(app): State<App>, headers: HeaderMap, _: CsrfForm) -> PageResult {
    let mut method = None;
    if let Some(secret) = session_cookie(&headers) {
        method = app.auth().end_session(&secret).await.map_err(|e| ctx.err(e))?;
    }
    // A session opened through an identity provider logs out there too, and comes back to the home page.
    let home = format!("{}/", ctx.base());
    let back = format!("{}{home}", app.feedback.config.public_url.trim_end_matches('/'));
    let to = match method {
        Some(m) => app.sso().logout_url(&m, &back).await.unwrap_or(home),
        None => home,
    };
    let mut resp = Redirect::to(&to).into_response();
    resp.headers_mut()
        .append(header::SET_COOKIE, HeaderValue::from_static("algoreg_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"));
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::is_same_site_path as ok;

    #[test]
    fn only_same_site_paths() {
        for good in ["/nl/beheer", "/en/beheer/org/delft?x=1", "/nl/algoritme/abc"] {
            assert!(ok(good), "{good}");
        }
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\\evil.example",
            "/nl/\\\\evil",
            "/nl//evil.example",
            "https://evil.example",
            "/%09/evil.example",
            "/nl/\u{a0}x",
            "",
            "javascript:alert(1)",
        ] {
            assert!(!ok(bad), "{bad:?}");
        }
    }
}

//! CSRF protection for forms: a random token in a `SameSite=Strict` cookie that every form posts back
//! (double submit). A cross-site page can neither read the cookie nor make the browser send it.

use axum::http::HeaderMap;
use rand::RngCore;

pub const COOKIE: &str = "algoreg_csrf";

pub fn new_token() -> String {
    let mut b = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// This browser's token, when it has a well-formed one.
pub fn cookie(headers: &HeaderMap) -> Option<String> {
    crate::auth::cookie(headers, COOKIE).filter(|v| v.len() == 48 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub fn set_cookie(token: &str) -> String {
    format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict")
}

/// Constant-time comparison of the posted token with the cookie.
pub fn matches(sent: Option<&str>, expected: &str) -> bool {
    let Some(sent) = sent else { return false };
    sent.len() == expected.len() && sent.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// A posted form whose `_csrf` field matches this browser's cookie. It is the only way the site's
/// handlers read a form, so a new form cannot forget the check: a mismatch is refused (403) before the
/// handler runs, and a body that is not a form gets axum's own answer.
pub struct CsrfForm(pub Vec<(String, String)>);

impl axum::extract::FromRequest<algoreg_service::App> for CsrfForm {
    type Rejection = axum::response::Response;

    async fn from_request(req: axum::extract::Request, app: &algoreg_service::App) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        let lang = req.extensions().get::<algoreg_standard::Lang>().copied().unwrap_or_default();
        // A page elsewhere (a sibling subdomain can set this site's cookies) posts no form here: not even
        // the login form, which has no session to protect yet.
        let expected = cookie(req.headers()).filter(|_| !crate::security::from_elsewhere(req.headers(), app.public_url()));
        let axum::Form(form) = axum::Form::<Vec<(String, String)>>::from_request(req, app).await.map_err(IntoResponse::into_response)?;
        let sent = form.iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v.as_str());
        match expected {
            Some(c) if matches(sent, &c) => Ok(CsrfForm(form)),
            _ => Err(super::PageError::Service(
                lang,
                algoreg_service::ServiceError::forbidden(
                    "Het formulier is verlopen of niet van deze site. Laad de pagina opnieuw en probeer het nog eens.",
                    "The form expired or did not come from this site. Reload the page and try again.",
                ),
            )
            .into_response()),
        }
    }
}

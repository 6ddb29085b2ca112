//! Who is calling: `Authorization: Bearer <token>` (API tokens, scoped to one organisation) or the
//! session cookie set by `POST /api/v1/session` (users, including the central operator).
//!
//! Cookie-authenticated writes are safe from cross-site forgery because the cookie is `SameSite=Strict`,
//! and a write with the cookie that a browser says comes from elsewhere (`Sec-Fetch-Site` or `Origin`, a sibling
//! subdomain included) is refused for every route (`security::headers`).

use crate::problem::ApiError;
use algoreg_domain::workflow::Principal;
use algoreg_service::{App, ServiceError};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;

pub const SESSION_COOKIE: &str = "algoreg_session";

/// A request that must be authenticated.
pub struct Auth(pub Principal);

/// The value of cookie `name` from the Cookie headers, if any.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The token of an `Authorization: Bearer` header (the scheme in any case, RFC 9110), if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let h = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
    h.get(..7).filter(|scheme| scheme.eq_ignore_ascii_case("bearer ")).and_then(|_| h.get(7..))
}

/// The session secret from the Cookie header, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE)
}

impl FromRequestParts<App> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        if let Some(token) = bearer(&parts.headers) {
            return Ok(Auth(app.principal_for_bearer(token.trim()).await?));
        }
        if let Some(secret) = session_cookie(&parts.headers) {
            return Ok(Auth(app.auth().session_principal(&secret).await?));
        }
        Err(ApiError(ServiceError::Unauthenticated))
    }
}

/// The client's address as the rate limits and the login throttle count it: the peer, or what a
/// trusted reverse proxy says in `X-Forwarded-For` ([`App::client_ip`]), IPv6 per /64.
pub struct ClientKey(pub String);

impl FromRequestParts<App> for ClientKey {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        let xff = forwarded_for(&parts.headers);
        Ok(ClientKey(algoreg_service::limits::client_key(app.client_ip(peer, xff.as_deref()))))
    }
}

/// Every `X-Forwarded-For` line, joined in order: a proxy may add a line of its own rather than extend
/// the one the client wrote, and the address it adds is the one that counts. Bytes that are not text
/// are read as replacement characters (no address), not as a missing header.
pub(crate) fn forwarded_for(headers: &axum::http::HeaderMap) -> Option<String> {
    let lines: Vec<std::borrow::Cow<'_, str>> =
        headers.get_all("x-forwarded-for").iter().map(|v| String::from_utf8_lossy(v.as_bytes())).collect();
    (!lines.is_empty()).then(|| lines.join(", "))
}

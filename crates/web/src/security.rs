//! What every answer carries, whoever wrote the handler: security headers, `Secure` cookies over https,
//! `Cache-Control: no-store` on anything a logged-in caller sees; and the limits of the server itself
//! (header-read and request timeouts, connections and requests in flight), see [`crate::serve`].

use algoreg_service::App;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;
use std::time::Duration;

/// The Content-Security-Policy of HTML pages: only this site's own scripts, styles and forms.
pub const CSP_HTML: &str =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
/// The policy of everything else (JSON, feeds, downloads): nothing may run.
pub const CSP_OTHER: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

/// The body limit of small forms and requests (login, passwords, searches): 16 KiB.
pub const SMALL_BODY: usize = 16 * 1024;
/// The body limit of a signal or an incident report from the public: 64 KiB.
pub const PUBLIC_BODY: usize = 64 * 1024;
/// The body limit of the workspace's forms (a whole registration): 2 MiB.
pub const FORM_BODY: usize = 2 * 1024 * 1024;
/// The body limit of JSON writes and imports: 4 MiB.
pub const API_BODY: usize = 4 * 1024 * 1024;

/// Limits of the server (see `algoreg serve --help`).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// A client must send its request headers within this time.
    pub header_read_timeout: Duration,
    /// A whole request (body read, handler, answer started) must be done within this time.
    pub request_timeout: Duration,
    /// Open connections at most; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// Open connections of one client address at most (not counted for trusted proxies); more are closed.
    pub max_connections_per_client: usize,
    /// Requests being handled at once; more wait for a turn (bounded by the connections).
    pub max_in_flight: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            max_connections: 1024,
            max_connections_per_client: 64,
            max_in_flight: 256,
        }
    }
}

/// Whether this request reached the site over https: the public address says so, or a trusted reverse
/// proxy says so in `X-Forwarded-Proto`.
fn is_https(app: &App, req: &Request) -> bool {
    if app.feedback.config.public_url.starts_with("https://") {
        return true;
    }
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let trusted = peer.is_some_and(|ip| app.trusted_proxies.iter().any(|c| c.contains(ip)));
    trusted && req.headers().get("x-forwarded-proto").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

/// A change asked with the session cookie (no bearer token) by a page of another site, or of a sibling
/// subdomain (the same "site", which `SameSite=Strict` lets through): browsers say where a request comes
/// from in `Sec-Fetch-Site`. Forms carry a CSRF token too; this also covers the JSON APIs, whose session
/// callers have no form token.
fn cookie_write_from_elsewhere(req: &Request, app_url: &str) -> bool {
    let safe = matches!(*req.method(), axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS);
    // A bearer token is what the request is then authenticated by (the same rule as `auth::Auth`).
    let bearer = crate::auth::bearer(req.headers()).is_some();
    !safe && !bearer && crate::auth::session_cookie(req.headers()).is_some() && from_elsewhere(req.headers(), app_url)
}

/// Whether a (percent-encoded) path holds a control character once decoded: `%00` to `%1F`, `%7F`.
fn control_in_path(path: &str) -> bool {
    let b = path.as_bytes();
    b.iter().any(|c| c.is_ascii_control())
        || b.windows(3).any(|w| {
            w[0] == b'%' && (matches!(w[1], b'0' | b'1') && w[2].is_ascii_hexdigit() || w[1] == b'7' && matches!(w[2], b'f' | b'F'))
        })
}

/// Whether the browser says the request comes from a page of another site or of a sibling subdomain.
/// A browser that does not send `Sec-Fetch-Site` (an older one) still names the page's origin: a host
/// other than the one asked and the site's public address is elsewhere (`null` says nothing).
pub(crate) fn from_elsewhere(headers: &axum::http::HeaderMap, public_url: &str) -> bool {
    // The host (and port) of an origin or an address: after the scheme, up to a path.
    fn host(url: &[u8]) -> &[u8] {
        let rest = url.windows(3).position(|w| w == b"://").and_then(|i| url.get(i + 3..)).unwrap_or(url);
        rest.split(|b| *b == b'/').next().unwrap_or(rest)
    }
    match headers.get("sec-fetch-site").map(|v| v.as_bytes()) {
        Some(from) => from != b"same-origin" && from != b"none",
        None => match headers.get(header::ORIGIN).map(|o| o.as_bytes()).filter(|o| *o != b"null") {
            Some(origin) => {
                let from = host(origin);
                let asked = headers.get(header::HOST).map(|h| h.as_bytes()).unwrap_or(b"");
                // The public address may spell out a default port, which an origin leaves out.
                let public = host(public_url.as_bytes());
                let public = if public_url.starts_with("https://") { public.strip_suffix(b":443") } else { public.strip_suffix(b":80") }
                    .unwrap_or(public);
                !from.eq_ignore_ascii_case(asked) && !from.eq_ignore_ascii_case(public)
            }
            None => false,
        },
    }
}

/// Adds the headers every answer needs.
pub async fn headers(State(app): State<App>, req: Request, next: Next) -> Response {
    let https = is_https(&app, &req);
    let authenticated = !req.uri().path().starts_with("/static/")
        && (req.headers().contains_key(header::AUTHORIZATION) || crate::auth::session_cookie(req.headers()).is_some_and(|s| !s.is_empty()));
    let started = std::time::Instant::now();
    let mut resp = if control_in_path(req.uri().path()) {
        // No page or record has a control character in its address (PostgreSQL would refuse the NUL
        // byte as a server error); nothing is looked up.
        axum::response::IntoResponse::into_response(crate::problem::ApiError(algoreg_service::ServiceError::NotFound("page")))
    } else if cookie_write_from_elsewhere(&req, &app.feedback.config.public_url) {
        let refused = algoreg_service::ServiceError::Forbidden {
            message_nl: "Een wijziging met uw sessie kan alleen vanaf deze site zelf.".into(),
            message_en: "A change with your session can only come from this site itself.".into(),
        };
        axum::response::IntoResponse::into_response(crate::problem::ApiError(refused))
    } else {
        next.run(req).await
    };
    algoreg_service::metrics::METRICS.request(resp.status().as_u16(), started.elapsed().as_secs_f64());
    let h = resp.headers_mut();
    if https {
        let cookies: Vec<HeaderValue> = h.get_all(header::SET_COOKIE).iter().cloned().collect();
        if !cookies.is_empty() {
            h.remove(header::SET_COOKIE);
            for c in cookies {
                let secured = match c.to_str() {
                    Ok(s) if !s.to_ascii_lowercase().contains("; secure") => HeaderValue::from_str(&format!("{s}; Secure")).unwrap_or(c),
                    _ => c,
                };
                h.append(header::SET_COOKIE, secured);
            }
        }
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    let html = h.get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.entry(header::REFERRER_POLICY).or_insert(HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(if html { CSP_HTML } else { CSP_OTHER }));
    let sets_session = h.get_all(header::SET_COOKIE).iter().any(|v| v.as_bytes().starts_with(crate::auth::SESSION_COOKIE.as_bytes()));
    if authenticated || sets_session {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.remove(header::ETAG);
        h.remove(header::LAST_MODIFIED);
    }
    resp
}

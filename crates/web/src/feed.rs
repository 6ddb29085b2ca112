//! `GET /feed/v1/register.json`: this register's feed for other registers to harvest (see
//! `algoreg_service::federation::feed`). Rendered once per change of the register, served with a
//! strong ETag and Last-Modified, answered with 304 to conditional requests, gzip when accepted.

use crate::problem::ApiResult;
use algoreg_service::App;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn parse_http_date(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(s.trim().replace("GMT", "+0000").as_str()).ok().map(|t| t.with_timezone(&Utc))
}

fn accepts_gzip(h: &HeaderMap) -> bool {
    h.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|part| {
        let mut it = part.split(';');
        let coding = it.next().unwrap_or("").trim();
        let q_zero = it.any(|p| p.trim().replace(' ', "").starts_with("q=0") && !p.contains(|c: char| ('1'..='9').contains(&c)));
        (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !q_zero
    })
}

pub async fn register(State(app): State<App>, headers: HeaderMap) -> ApiResult<Response> {
    let feed = app.feed().await?;
    let last_modified = http_date(feed.last_modified);
    // The feed's Last-Modified has whole seconds; compare at that precision.
    let lm_secs = feed.last_modified.timestamp();
    let not_modified = match headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        Some(tags) => tags.split(',').any(|t| {
            let t = t.trim();
            t == "*" || t.trim_start_matches("W/") == feed.etag
        }),
        None => headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_http_date)
            .is_some_and(|since| lm_secs <= since.timestamp()),
    };
    let mut h = HeaderMap::new();
    h.insert(header::ETAG, HeaderValue::from_str(&feed.etag).unwrap_or(HeaderValue::from_static("\"\"")));
    if let Ok(v) = HeaderValue::from_str(&last_modified) {
        h.insert(header::LAST_MODIFIED, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    // Where the same register is harvested incrementally (a harvester that knows takes it from there).
    if let Ok(v) =
        HeaderValue::from_str(&format!("<../../oai>; rel=\"{}\"; type=\"text/xml\"", algoreg_service::federation::oai_client::LINK_REL))
    {
        h.insert(header::LINK, v);
    }
    if not_modified {
        return Ok((StatusCode::NOT_MODIFIED, h).into_response());
    }
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let body = if accepts_gzip(&headers) {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        feed.gzip.clone()
    } else {
        feed.json.clone()
    };
    Ok((StatusCode::OK, h, Body::from(body)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_negotiation() {
        let mut h = HeaderMap::new();
        assert!(!accepts_gzip(&h));
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip, deflate, br"));
        assert!(accepts_gzip(&h));
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip;q=0"));
        assert!(!accepts_gzip(&h));
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip;q=0.5"));
        assert!(accepts_gzip(&h));
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("identity"));
        assert!(!accepts_gzip(&h));
    }

    #[test]
    fn http_dates_round_trip() {
        let t = DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(http_date(t), "Mon, 23 Nov 2026 10:00:00 GMT");
        assert_eq!(parse_http_date(&http_date(t)), Some(t));
    }
}

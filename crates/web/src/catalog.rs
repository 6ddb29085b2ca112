//! `/catalog`: the public register as a DCAT-AP catalogue (`algoreg_service::catalog`), in Turtle or
//! JSON-LD by the `Accept` header, or by its extension (`/catalog.ttl`, `/catalog.jsonld`).

use algoreg_service::App;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

async fn answer(app: &App, turtle: bool) -> Response {
    match app.catalog(turtle).await {
        Ok(bytes) => {
            let mut r = (StatusCode::OK, axum::body::Body::from(crate::site::Shared(bytes))).into_response();
            let mime = if turtle { "text/turtle; charset=utf-8" } else { "application/ld+json" };
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
            r.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept"));
            r
        }
        Err(e) => crate::problem::ApiError::from(e).into_response(),
    }
}

/// `GET /catalog`: Turtle when the client asks for it, JSON-LD otherwise.
pub async fn negotiated(State(app): State<App>, headers: HeaderMap) -> Response {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let turtle = accept.contains("text/turtle") || accept.contains("application/x-turtle");
    answer(&app, turtle).await
}

pub async fn turtle(State(app): State<App>) -> Response {
    answer(&app, true).await
}

pub async fn json_ld(State(app): State<App>) -> Response {
    answer(&app, false).await
}

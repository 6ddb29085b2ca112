//! Extractors whose rejections are problem+json naming the field.

use crate::problem::{ApiError, ApiResult};
use algoreg_service::App;
use algoreg_standard::AlgorithmId;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// Like `axum::Json`, but a bad body answers problem+json with the JSON path that failed.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<App> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &App) -> Result<Self, Self::Rejection> {
        let ct = req.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !ct.starts_with("application/json") {
            return Err(ApiError::bad(
                "Content-Type",
                "Stuur JSON met Content-Type: application/json.",
                "Send JSON with Content-Type: application/json.",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                return ApiError(algoreg_service::ServiceError::TooLarge);
            }
            ApiError::bad("body", "De inhoud is onleesbaar.", "The body is unreadable.")
        })?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(de).map(JsonBody).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." { "body".to_string() } else { path };
            let inner = e.into_inner();
            ApiError::bad(&field, &format!("Ongeldige JSON: {inner}"), &format!("Invalid JSON: {inner}"))
        })
    }
}

/// The registration ID of a route whose one path parameter is `{id}`, parsed: a malformed one answers
/// problem+json naming `id`.
pub struct IdPath(pub AlgorithmId);

impl FromRequestParts<App> for IdPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &App) -> Result<Self, Self::Rejection> {
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::bad("id", "Het pad heeft geen algoritme-ID.", "The path has no algorithm ID."))?;
        Ok(IdPath(algoreg_service::register::parse_id("id", &id)?))
    }
}

/// Parses a positive integer query parameter with bounds, naming it on failure.
pub fn int_param(params: &std::collections::HashMap<String, String>, name: &str, default: u64, min: u64, max: u64) -> ApiResult<u64> {
    match params.get(name) {
        None => Ok(default),
        Some(s) => match s.trim().parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::bad(
                name,
                &format!("Geef een geheel getal van {min} tot en met {max}."),
                &format!("Give a whole number from {min} to {max}."),
            )),
        },
    }
}

//! Extractors whose rejections are problem+json naming the field.

use crate::problem::ApiError;
use algoreg_service::App;
use axum::extract::{FromRequest, Request};
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

/// Parses a positive integer query parameter with bounds, naming it on failure.
pub fn int_param(
    params: &std::collections::HashMap<String, String>,
    name: &str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, ApiError> {
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

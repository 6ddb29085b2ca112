//! Who is calling: `Authorization: Bearer <token>` resolves to a principal.

use crate::problem::ApiError;
use algoreg_domain::workflow::Principal;
use algoreg_service::{App, ServiceError};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// A request that must be authenticated.
pub struct Auth(pub Principal);

impl FromRequestParts<App> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let Some(token) = header.and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer "))) else {
            return Err(ApiError(ServiceError::Unauthenticated));
        };
        Ok(Auth(app.auth().principal_for_token(token.trim()).await?))
    }
}

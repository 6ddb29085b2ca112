use crate::auth::Auth;
use crate::problem::{ApiError, ApiResult, Problem};
use algoreg_service::{App, ServiceError};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::Json;
use std::collections::HashMap;

/// Imports one file in any format `algoreg import` reads (recognised by its content). Central operator
/// only: an import can create organisations. Answers the report: counts, and every rejected record with
/// its reasons (nothing of a rejected record is written).
#[utoipa::path(post, path = "/api/v1/import", tag = "workspace", security(("bearer" = [])),
    params(("org" = Option<String>, Query, description = "Organisation code for records that name none"), ("publish" = Option<bool>, Query, description = "Take standard-1.0 records in as published")),
    request_body(content = String, description = "The file: JSON, CSV, xlsx or SQL", content_type = "application/octet-stream"),
    responses((status = 200, body = Object, description = "The import report"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn import(
    State(app): State<App>,
    Auth(p): Auth,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> ApiResult<Json<serde_json::Value>> {
    let publish = match q.get("publish").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::bad("publish", "Geef true of false.", "Give true or false.")),
    };
    let report = app.import_file(&p, body.to_vec(), q.get("org").cloned(), publish).await?;
    Ok(Json(serde_json::to_value(report).map_err(|e| ApiError(ServiceError::Internal(e.to_string())))?))
}

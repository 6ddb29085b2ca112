//! `/log/...`: the verifiable publication log (`algoreg_service::log`): the signed checkpoint, the
//! public key, the entries, and inclusion and consistency proofs. See docs/OPEN-DATA.md.

use crate::problem::{ApiError, ApiResult};
use algoreg_service::App;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::collections::HashMap;

fn text(body: String) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    r
}

/// A whole-number query parameter, named when it is missing or wrong.
fn number(q: &HashMap<String, String>, name: &str) -> ApiResult<u64> {
    q.get(name)
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| ApiError::from(algoreg_service::ServiceError::bad(name, "Geef een geheel getal.", "Give a whole number.")))
}

pub async fn checkpoint(State(app): State<App>) -> ApiResult<Response> {
    Ok(text(app.log().checkpoint().await?))
}

pub async fn key(State(app): State<App>) -> ApiResult<Response> {
    Ok(text(format!("{}\n", app.log().verifier_key().await?)))
}

pub async fn entries(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> ApiResult<Json<serde_json::Value>> {
    let (start, end) = (number(&q, "start")?, number(&q, "end")?);
    let list = app.log().entries(start, end).await?;
    let items: Vec<serde_json::Value> = list
        .iter()
        .map(|e| serde_json::json!({"index": e.index, "leaf": String::from_utf8_lossy(&algoreg_service::log::leaf_bytes(e))}))
        .collect();
    Ok(Json(serde_json::json!({ "start": start, "entries": items })))
}

/// `GET /log/tile/{path}`: the log as C2SP `tlog-tiles` (hash tiles and entry bundles). A tile
/// never changes once it exists (a partial one is another address), so it is cached for good.
pub async fn tile(State(app): State<App>, axum::extract::Path(path): axum::extract::Path<String>) -> ApiResult<Response> {
    let bytes = app.log().tile(&path).await?.ok_or(ApiError::not_found("tile"))?;
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    Ok(r)
}

/// `GET /log/proof/record/{id}`: the proof for a registration's public version.
pub async fn record(State(app): State<App>, axum::extract::Path(id): axum::extract::Path<String>) -> ApiResult<Json<serde_json::Value>> {
    let id = algoreg_service::register::parse_id("id", &id)?;
    let p = app.log().record_proof(id).await?.ok_or(ApiError::not_found("log entry"))?;
    Ok(Json(serde_json::to_value(crate::api::dto::LogProofDto::from(&p)).unwrap_or_default()))
}

pub async fn inclusion(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> ApiResult<Json<serde_json::Value>> {
    let (index, size) = (number(&q, "index")?, number(&q, "size")?);
    let proof = app.log().inclusion(index, size).await?;
    Ok(Json(serde_json::json!({"index": index, "size": size, "proof": algoreg_service::log::encode_hashes(&proof)})))
}

pub async fn consistency(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> ApiResult<Json<serde_json::Value>> {
    let (first, second) = (number(&q, "first")?, number(&q, "second")?);
    let proof = app.log().consistency(first, second).await?;
    Ok(Json(serde_json::json!({"first": first, "second": second, "proof": algoreg_service::log::encode_hashes(&proof)})))
}

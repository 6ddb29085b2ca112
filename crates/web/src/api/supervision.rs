//! The supervision view over the API (`/api/v1/supervision`): the same tables as `/nl/toezicht`, for
//! supervisors and coordinators (and the central operator), read-only.

use crate::auth::Auth;
use crate::problem::{ApiResult, Problem};
use algoreg_service::supervision::Filter;
use algoreg_service::App;
use axum::extract::{Query, State};
use axum::Json;
use std::collections::HashMap;

#[utoipa::path(get, path = "/api/v1/supervision", tag = "supervision", security(("bearer" = [])),
    params(("org_type" = Option<String>, Query, description = "Only organisations of this type (gemeente, provincie, …)"),
           ("org" = Option<String>, Query, description = "Only the organisation with this code")),
    responses((status = 200, body = Object, description = "{generated_at, signals, incidents, evaluations, high_risk, not_publishing, stale}"),
        (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn get(State(app): State<App>, Auth(p): Auth, Query(q): Query<HashMap<String, String>>) -> ApiResult<Json<serde_json::Value>> {
    let f = Filter::parse(q.get("org_type").map(String::as_str), q.get("org").map(String::as_str))?;
    let s = app.supervision(&p, &f, chrono::Utc::now()).await?;
    Ok(Json(serde_json::to_value(&s).map_err(|e| algoreg_service::ServiceError::Internal(e.to_string()))?))
}

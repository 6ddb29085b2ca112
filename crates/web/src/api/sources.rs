//! Harvested sources (federation): the central operator manages them; an organisation's members
//! see the health of their own. Thin handlers over `algoreg_service::federation`.

use super::body::JsonBody;
use crate::auth::Auth;
use crate::problem::{ApiError, ApiResult, Problem};
use algoreg_service::{App, ServiceError};
use algoreg_store::Source;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct SourceDto {
    pub id: i64,
    /// The organisation this feed publishes for (its code); records of other organisations are refused.
    pub organisation: String,
    pub url: String,
    pub created_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    /// `changed`, `not_modified` or `failed`.
    pub last_outcome: Option<String>,
    /// The last failure in plain words (Dutch / English).
    pub last_error: Option<String>,
    /// Failed attempts in a row.
    pub failures: u32,
    pub next_due_at: Option<DateTime<Utc>>,
    /// Records in the feed at the last successful harvest.
    pub records: u64,
    /// Records refused at the last successful harvest, with the reasons per field.
    pub rejected: Vec<RejectedDto>,
    /// The OAI-PMH address the feed named (its `Link` header): harvested there, incrementally, from
    /// then on.
    pub oai_url: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RejectedDto {
    pub id: Option<String>,
    pub name: Option<String>,
    pub reasons: Vec<String>,
}

impl From<Source> for SourceDto {
    fn from(s: Source) -> Self {
        SourceDto {
            id: s.id,
            organisation: s.org_code,
            url: s.url,
            created_at: s.created_at,
            last_attempt_at: s.last_attempt_at,
            last_success_at: s.last_success_at,
            last_outcome: s.last_outcome.map(|o| o.code().into()),
            last_error: s.last_error,
            failures: s.failures,
            next_due_at: s.next_due_at,
            records: s.records,
            rejected: s.rejected.into_iter().map(|r| RejectedDto { id: r.id, name: r.name, reasons: r.reasons }).collect(),
            oai_url: s.oai_url,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSource {
    /// Code of the organisation the feed publishes for.
    pub organisation: String,
    /// The feed's address, for example `https://register.example.nl/feed/v1/register.json`.
    pub url: String,
}

#[utoipa::path(get, path = "/api/v1/sources", tag = "federation", security(("bearer" = [])),
    responses((status = 200, body = Vec<SourceDto>), (status = 401, body = Problem)))]
pub async fn list(State(app): State<App>, Auth(p): Auth) -> ApiResult<Json<Vec<SourceDto>>> {
    Ok(Json(app.sources().list(&p).await?.into_iter().map(SourceDto::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/sources/{id}", tag = "federation", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = SourceDto), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get_one(State(app): State<App>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<SourceDto>> {
    Ok(Json(app.sources().get(&p, source_id(&id)?).await?.into()))
}

#[utoipa::path(post, path = "/api/v1/sources", tag = "federation", request_body = CreateSource, security(("bearer" = [])),
    responses((status = 201, body = SourceDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(app): State<App>,
    Auth(p): Auth,
    JsonBody(body): JsonBody<CreateSource>,
) -> ApiResult<(StatusCode, Json<SourceDto>)> {
    let s = app.sources().add(&p, &body.organisation, &body.url).await?;
    Ok((StatusCode::CREATED, Json(s.into())))
}

#[utoipa::path(delete, path = "/api/v1/sources/{id}", tag = "federation", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete(State(app): State<App>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<StatusCode> {
    app.sources().remove(&p, source_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The outcome of one harvest: `changed` with counts, `not_modified`, or `failed` with the error.
#[derive(Debug, Serialize, ToSchema)]
pub struct HarvestOutcomeDto {
    pub outcome: String,
    #[schema(value_type = Object)]
    #[serde(flatten)]
    pub details: serde_json::Value,
}

#[utoipa::path(post, path = "/api/v1/sources/{id}/harvest", tag = "federation", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = HarvestOutcomeDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn harvest(State(app): State<App>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<serde_json::Value>> {
    let Some(h) = app.harvester.clone() else {
        return Err(ApiError(ServiceError::Internal("no harvester configured".into())));
    };
    let outcome = app.sources().harvest_now(&p, &h, source_id(&id)?).await?;
    Ok(Json(serde_json::to_value(outcome).unwrap_or_default()))
}

fn source_id(s: &str) -> ApiResult<i64> {
    s.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError(ServiceError::bad("id", "Het bron-ID is een positief geheel getal.", "The source ID is a positive whole number."))
    })
}

//! The audit log over the API: an organisation's (its admin, or an org_admin token) and all of it (the
//! central operator), newest first, a page at a time.

use super::body::int_param;
use crate::auth::Auth;
use crate::problem::{ApiResult, Problem};
use algoreg_service::audit::{Entry, PAGE};
use algoreg_service::App;
use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventDto {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// login, login_failed, session_ended, password_changed, password_reset, temporary_password,
    /// role_granted, role_revoked, invitation_sent, invitation_accepted, invitation_declined,
    /// invitation_withdrawn, token_created, token_revoked, second_factor_enabled,
    /// second_factor_disabled, recovery_code_used, second_factor_required, passkey_added, passkey_removed,
    /// sso_required, sso_unpinned.
    pub event: String,
    /// The organisation it belongs to; absent for a person's logins.
    pub organisation_id: Option<i64>,
    /// The e-mail address of the person it is about.
    pub person: Option<String>,
    pub person_name: Option<String>,
    /// Who did it: `user:ID`, `token:ID`, `system` or `anonymous`.
    pub actor: String,
    pub actor_name: String,
    pub detail: String,
    /// The client's address, for logins and password changes.
    pub address: Option<String>,
}

impl From<Entry> for AuditEventDto {
    fn from(e: Entry) -> Self {
        AuditEventDto {
            id: e.event.id,
            at: e.event.at,
            event: e.event.kind.code().into(),
            organisation_id: e.event.org_id.map(i64::from),
            person: e.subject_email,
            person_name: e.subject_name,
            actor: e.event.actor,
            actor_name: e.event.actor_name,
            detail: e.event.detail,
            address: e.event.source,
        }
    }
}

fn paging(q: &HashMap<String, String>) -> ApiResult<(Option<i64>, i64)> {
    let limit = int_param(q, "limit", PAGE as u64, 1, 1000)? as i64;
    let before = match q.get("before") {
        None => None,
        Some(_) => Some(int_param(q, "before", 0, 1, i64::MAX as u64)? as i64),
    };
    Ok((before, limit))
}

#[utoipa::path(get, path = "/api/v1/organisations/{code}/audit", tag = "organisations", security(("bearer" = [])),
    params(("code" = String, Path), ("before" = Option<i64>, Query, description = "Only events older than this ID (the next page)"),
        ("limit" = Option<u32>, Query, description = "1 to 1000, default 200")),
    responses((status = 200, body = Vec<AuditEventDto>, description = "The organisation's events and its members' logins, newest first"),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn of_organisation(
    State(app): State<App>,
    Auth(p): Auth,
    Path(code): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<AuditEventDto>>> {
    let (before, limit) = paging(&q)?;
    let org = app.orgs().by_code(&code).await?;
    let list = app.audit().events(&p, Some(org.id), before, limit).await?;
    Ok(Json(list.into_iter().map(AuditEventDto::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "organisations", security(("bearer" = [])),
    params(("before" = Option<i64>, Query, description = "Only events older than this ID (the next page)"),
        ("limit" = Option<u32>, Query, description = "1 to 1000, default 200")),
    responses((status = 200, body = Vec<AuditEventDto>, description = "Every event, newest first (the central operator)"),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn all(State(app): State<App>, Auth(p): Auth, Query(q): Query<HashMap<String, String>>) -> ApiResult<Json<Vec<AuditEventDto>>> {
    let (before, limit) = paging(&q)?;
    let list = app.audit().events(&p, None, before, limit).await?;
    Ok(Json(list.into_iter().map(AuditEventDto::from).collect()))
}

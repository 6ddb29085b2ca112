//! The feedback loop over the API: citizens' signals (public, rate-limited), the organisation's
//! inbox, incidents between deployer and provider, evaluations. Thin handlers over
//! `algoreg_service::feedback`.

use super::body::{IdPath, JsonBody};
use crate::auth::{Auth, ClientKey};
use crate::problem::{ApiError, ApiResult, Problem};
use algoreg_service::feedback::{IncidentInput, SignalInput};
use algoreg_service::App;
use algoreg_store::Signal;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSignalBody {
    /// `error` (in the registration), `question`, `concern` (about the effects) or `objection`.
    pub kind: String,
    /// 10 to 5,000 characters of plain text.
    pub text: String,
    /// Optional: where the answer goes. Erased after the retention period once the signal is closed.
    pub email: Option<String>,
    /// Leave empty (a trap for robots).
    pub website: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmittedDto {
    /// Keep this code: with it the sender reads the status and the answer.
    pub tracking_code: String,
    pub status_url: String,
    pub answer_due: DateTime<Utc>,
    /// Whether a confirmation goes to the e-mail address given: not without one, nor when that address
    /// had the day's maximum of confirmations already (`--signal-mail-limit`).
    pub confirmation_mail: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignalStatusDto {
    pub algorithm: String,
    pub kind: String,
    /// new, assigned, answered or closed.
    pub status: String,
    pub received_at: DateTime<Utc>,
    pub answer_due: DateTime<Utc>,
    pub answer: Option<String>,
    pub answer_public: bool,
    pub answered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicSignalDto {
    pub kind: String,
    pub text: Option<String>,
    pub answer: Option<String>,
    pub received_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InboxSignalDto {
    pub id: i64,
    pub algorithm: String,
    pub kind: String,
    pub status: String,
    pub text: Option<String>,
    /// Whether the sender gave an e-mail address (the address itself is not shown).
    pub reply_by_email: bool,
    pub received_at: DateTime<Utc>,
    pub answer_due: DateTime<Utc>,
    pub overdue: bool,
    pub assigned_to: Option<i64>,
    pub answer: Option<String>,
    pub answer_public: bool,
    pub answered_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

fn inbox_dto(s: Signal) -> InboxSignalDto {
    InboxSignalDto {
        id: s.id,
        algorithm: s.record.to_string(),
        overdue: s.is_overdue(Utc::now()),
        kind: s.kind.code().into(),
        status: s.status.code().into(),
        text: s.text,
        reply_by_email: s.email.is_some(),
        received_at: s.created_at,
        answer_due: s.due_at,
        assigned_to: s.assigned_to.map(i64::from),
        answer: s.answer,
        answer_public: s.answer_public,
        answered_at: s.answered_at,
        closed_at: s.closed_at,
    }
}

#[utoipa::path(post, path = "/api/v1/algorithms/{id}/signals", tag = "feedback", request_body = NewSignalBody, params(("id" = String, Path)),
    responses((status = 201, body = SubmittedDto), (status = 404, body = Problem), (status = 422, body = Problem),
        (status = 429, body = Problem, description = "Too many signals from this address; see Retry-After")))]
pub async fn submit(
    State(app): State<App>,
    ClientKey(client): ClientKey,
    IdPath(id): IdPath,
    JsonBody(b): JsonBody<NewSignalBody>,
) -> ApiResult<(StatusCode, Json<SubmittedDto>)> {
    let input = SignalInput { kind: b.kind, text: b.text, email: b.email, website: b.website };
    let s = app.feedback().submit(id, input, &client, Utc::now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(SubmittedDto {
            tracking_code: s.tracking_code,
            status_url: s.status_url,
            answer_due: s.answer_due,
            confirmation_mail: s.confirmation_mail,
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/algorithms/{id}/signals", tag = "feedback", params(("id" = String, Path)),
    responses((status = 200, body = Vec<PublicSignalDto>, description = "Signals answered in public")))]
pub async fn public_list(State(app): State<App>, IdPath(id): IdPath) -> ApiResult<Json<Vec<PublicSignalDto>>> {
    let list = app.feedback().public_signals(id).await?;
    Ok(Json(
        list.into_iter()
            .map(|s| PublicSignalDto {
                kind: s.kind.code().into(),
                text: s.text,
                answer: s.answer,
                received_at: s.created_at,
                answered_at: s.answered_at,
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/signals/status/{code}", tag = "feedback", params(("code" = String, Path, description = "The tracking code")),
    responses((status = 200, body = SignalStatusDto), (status = 404, body = Problem)))]
pub async fn status(State(app): State<App>, Path(code): Path<String>) -> ApiResult<Json<SignalStatusDto>> {
    let s = app.feedback().status(&code).await?;
    Ok(Json(SignalStatusDto {
        algorithm: s.record.to_string(),
        kind: s.kind.code().into(),
        status: s.status.code().into(),
        received_at: s.created_at,
        answer_due: s.due_at,
        answer: s.answer,
        answer_public: s.answer_public,
        answered_at: s.answered_at,
    }))
}

#[utoipa::path(get, path = "/api/v1/organisations/{code}/signals", tag = "feedback", params(("code" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<InboxSignalDto>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn inbox(State(app): State<App>, Auth(p): Auth, Path(code): Path<String>) -> ApiResult<Json<Vec<InboxSignalDto>>> {
    let org = app.orgs().by_code(&code).await?;
    Ok(Json(app.feedback().inbox(&p, org.id).await?.into_iter().map(inbox_dto).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    pub text: String,
    /// true: shown on the record page; false: only to the sender.
    pub public: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// A member's user ID, or null to unassign.
    pub user_id: Option<i64>,
}

fn signal_id(s: &str) -> ApiResult<i64> {
    s.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| ApiError::bad("id", "Een positief geheel getal.", "A positive whole number."))
}

#[utoipa::path(post, path = "/api/v1/signals/{id}/answer", tag = "feedback", request_body = AnswerBody, params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = InboxSignalDto), (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn answer(
    State(app): State<App>,
    Auth(p): Auth,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<AnswerBody>,
) -> ApiResult<Json<InboxSignalDto>> {
    Ok(Json(inbox_dto(app.feedback().answer(&p, signal_id(&id)?, &b.text, b.public, Utc::now()).await?)))
}

#[utoipa::path(post, path = "/api/v1/signals/{id}/assign", tag = "feedback", request_body = AssignBody, params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = InboxSignalDto), (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn assign(
    State(app): State<App>,
    Auth(p): Auth,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<AssignBody>,
) -> ApiResult<Json<InboxSignalDto>> {
    Ok(Json(inbox_dto(app.feedback().assign(&p, signal_id(&id)?, b.user_id.map(algoreg_store::UserId)).await?)))
}

#[utoipa::path(post, path = "/api/v1/signals/{id}/close", tag = "feedback", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = InboxSignalDto), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn close(State(app): State<App>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<InboxSignalDto>> {
    Ok(Json(inbox_dto(app.feedback().close(&p, signal_id(&id)?, Utc::now()).await?)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FiguresDto {
    pub received: u64,
    pub answered: u64,
    /// Share (0–1) answered within the deadline, of the signals answered or past their deadline.
    pub answered_in_time: Option<f64>,
    pub median_answer_days: Option<f64>,
}

#[utoipa::path(get, path = "/api/v1/organisations/{code}/response-figures", tag = "feedback", params(("code" = String, Path)),
    responses((status = 200, body = FiguresDto), (status = 404, body = Problem)))]
pub async fn figures(State(app): State<App>, Path(code): Path<String>) -> ApiResult<Json<FiguresDto>> {
    let org = app.orgs().by_code(&code).await?;
    let f = app.feedback().figures(org.id, Utc::now()).await?;
    Ok(Json(FiguresDto::from(&f)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentBody {
    /// death (report within 10 days), widespread (2 days), serious (15 days), risk or malfunction (no legal term).
    pub class: String,
    pub title: String,
    pub what_happened: String,
    /// When the incident was noticed (RFC 3339); the reporting term counts from here.
    pub noticed_at: DateTime<Utc>,
    pub people_affected: Option<i64>,
    /// Whether the public summary is shown on the record page; nothing else ever is.
    #[serde(default)]
    pub public: bool,
    pub public_summary: Option<String>,
    /// The provider's address for the notice and the acknowledgement link.
    pub provider_email: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/algorithms/{id}/incidents", tag = "feedback", request_body = IncidentBody, params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 201, body = Object), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn report_incident(
    State(app): State<App>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    JsonBody(b): JsonBody<IncidentBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let input = IncidentInput {
        class: b.class,
        title: b.title,
        what_happened: b.what_happened,
        noticed_at: b.noticed_at,
        people_affected: b.people_affected,
        public: b.public,
        public_summary: b.public_summary,
        provider_email: b.provider_email,
    };
    let (iid, _) = app.feedback().report_incident(&p, id, input, Utc::now()).await?;
    let (i, events, party) = app.feedback().incident(&p, iid).await?;
    Ok((StatusCode::CREATED, Json(json!({"incident": i, "timeline": events, "you_are": party}))))
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "feedback", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn incident(State(app): State<App>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let (i, events, party) = app.feedback().incident(&p, signal_id(&id)?).await?;
    Ok(Json(json!({"incident": i, "timeline": events, "you_are": party})))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentEventBody {
    /// Provider: acknowledged, update, reported_to_authority. Deployer: update, closed.
    pub kind: String,
    pub text: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/events", tag = "feedback", request_body = IncidentEventBody, params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn incident_event(
    State(app): State<App>,
    Auth(p): Auth,
    Path(id): Path<String>,
    JsonBody(b): JsonBody<IncidentEventBody>,
) -> ApiResult<Json<Value>> {
    let id = signal_id(&id)?;
    app.feedback().incident_event(&p, id, b.kind.trim(), b.text.as_deref(), Utc::now()).await?;
    let (i, events, party) = app.feedback().incident(&p, id).await?;
    Ok(Json(json!({"incident": i, "timeline": events, "you_are": party})))
}

/// What the public sees of an incident: nothing but these fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicIncidentDto {
    /// death, widespread, serious, risk or malfunction.
    pub class: String,
    pub title: String,
    pub summary: String,
    pub noticed_at: DateTime<Utc>,
    pub status: String,
}

#[utoipa::path(get, path = "/api/v1/algorithms/{id}/incidents", tag = "feedback", params(("id" = String, Path)),
    responses((status = 200, body = Vec<PublicIncidentDto>, description = "Incidents marked public, with their public summary only")))]
pub async fn public_incidents(State(app): State<App>, IdPath(id): IdPath) -> ApiResult<Json<Vec<PublicIncidentDto>>> {
    let list = app.feedback().public_incidents(id).await?;
    Ok(Json(
        list.into_iter()
            .map(|i| PublicIncidentDto {
                class: i.class.code().into(),
                title: i.title,
                summary: i.summary,
                noticed_at: i.noticed_at,
                status: i.status.code().into(),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    pub interval_months: u32,
    pub next_due: NaiveDate,
}

#[utoipa::path(put, path = "/api/v1/algorithms/{id}/evaluation-plan", tag = "feedback", request_body = PlanBody, params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_plan(
    State(app): State<App>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    JsonBody(b): JsonBody<PlanBody>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(app.feedback().set_plan(&p, id, b.interval_months, b.next_due, Utc::now()).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationBody {
    pub date: NaiveDate,
    pub by_whom: String,
    pub findings: String,
    pub report_url: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/algorithms/{id}/evaluations", tag = "feedback", request_body = EvaluationBody, params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 201, body = Object), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_evaluation(
    State(app): State<App>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    JsonBody(b): JsonBody<EvaluationBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let e = app.feedback().record_evaluation(&p, id, b.date, &b.by_whom, &b.findings, b.report_url.as_deref(), Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(json!(e))))
}

#[utoipa::path(get, path = "/api/v1/algorithms/{id}/evaluations", tag = "feedback", params(("id" = String, Path)),
    responses((status = 200, body = Object, description = "The plan (interval, next due date, days overdue) and the evaluations"), (status = 404, body = Problem)))]
pub async fn evaluations(State(app): State<App>, IdPath(id): IdPath) -> ApiResult<Json<Value>> {
    Ok(Json(json!(app.feedback().public_evaluations(id, Utc::now().date_naive()).await?)))
}

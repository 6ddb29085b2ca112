use super::body::{int_param, IdPath, JsonBody};
use super::dto::*;
use crate::auth::Auth;
use crate::problem::{ApiError, ApiResult, Problem};
use algoreg_domain::aiact::ComplianceStatus;
use algoreg_domain::workflow::Action;
use algoreg_service::register::parse_id;
use algoreg_service::App;
use algoreg_standard::Content;
use algoreg_store::ListQuery;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use std::collections::HashMap;

#[utoipa::path(get, path = "/api/v1/algorithms", tag = "algorithms",
    params(("page" = Option<u64>, Query, description = "From 1"), ("per_page" = Option<u64>, Query, description = "1 to 100, default 20"), ("organisation" = Option<String>, Query, description = "Organisation code")),
    responses((status = 200, body = AlgorithmPage), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(State(app): State<App>, Query(params): Query<HashMap<String, String>>) -> ApiResult<Json<AlgorithmPage>> {
    let page = int_param(&params, "page", 1, 1, 1_000_000)?;
    let per_page = int_param(&params, "per_page", 20, 1, 100)?;
    let org_code = params.get("organisation").filter(|s| !s.is_empty()).cloned();
    let result = app.register().list_published(&ListQuery { offset: (page - 1) * per_page, limit: per_page, org_code }).await?;
    Ok(Json(AlgorithmPage { total: result.total, page, per_page, items: result.items.iter().map(AlgorithmDto::from).collect() }))
}

#[utoipa::path(get, path = "/api/v1/algorithms/{id}", tag = "algorithms", params(("id" = String, Path, description = "8-digit algorithm ID")),
    responses((status = 200, body = AlgorithmDto), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn get_current(State(app): State<App>, IdPath(id): IdPath) -> ApiResult<Json<AlgorithmDto>> {
    let v = app.register().published(id).await?;
    Ok(Json(AlgorithmDto::from(&v).with_proof(&app.log().version_proofs(id, Some(v.number)).await?)))
}

#[utoipa::path(get, path = "/api/v1/algorithms/{id}/versions", tag = "algorithms", params(("id" = String, Path)),
    responses((status = 200, body = Vec<AlgorithmDto>, description = "Every published version, oldest first"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn history(State(app): State<App>, IdPath(id): IdPath) -> ApiResult<Json<Vec<AlgorithmDto>>> {
    let history = app.register().published_history(id).await?;
    let proofs = app.log().version_proofs(id, None).await?;
    Ok(Json(history.iter().map(|v| AlgorithmDto::from(v).with_proof(&proofs)).collect()))
}

#[utoipa::path(get, path = "/api/v1/algorithms/{id}/versions/{number}", tag = "algorithms", params(("id" = String, Path), ("number" = u32, Path)),
    responses((status = 200, body = AlgorithmDto), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn version(State(app): State<App>, Path((id, number)): Path<(String, String)>) -> ApiResult<Json<AlgorithmDto>> {
    let id = parse_id("id", &id)?;
    let number: u32 = number
        .parse()
        .map_err(|_| ApiError::bad("number", "Geef een versienummer (geheel getal).", "Give a version number (whole number)."))?;
    let h = app.register().published_history(id).await?;
    let v = h.iter().find(|v| v.number == number).ok_or(ApiError::not_found("version"))?;
    Ok(Json(AlgorithmDto::from(v).with_proof(&app.log().version_proofs(id, Some(number)).await?)))
}

/// The current published version in another standard, with the fields it cannot fill listed.
#[utoipa::path(get, path = "/api/v1/algorithms/{id}/mappings/{name}", tag = "algorithms",
    params(("id" = String, Path), ("name" = String, Path, description = "uk-atrs, consortium-0.3.1 or eu-database")),
    responses((status = 200, body = Object, description = "{mapping, title, record, fields, unfilled}"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn mapping(State(app): State<App>, Path((id, name)): Path<(String, String)>) -> ApiResult<Json<serde_json::Value>> {
    let id = parse_id("id", &id)?;
    let m = algoreg_standard::mappings::by_name(&name).ok_or(ApiError::not_found("mapping"))?;
    let v = app.register().published(id).await?;
    let org = app.orgs().find_by_code(&v.org_code).await?;
    Ok(Json(algoreg_service::export::mapped(m, &v, org.as_ref())))
}

#[utoipa::path(post, path = "/api/v1/organisations/{code}/algorithms", tag = "workspace", params(("code" = String, Path)), request_body = CreateAlgorithm, security(("bearer" = [])),
    responses((status = 201, body = VersionDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(app): State<App>,
    Auth(p): Auth,
    Path(code): Path<String>,
    JsonBody(body): JsonBody<CreateAlgorithm>,
) -> ApiResult<(StatusCode, Json<VersionDto>)> {
    let id = body.id.as_deref().map(|s| parse_id("id", s)).transpose()?;
    let v = app.register().create(&p, &code, Content(body.content), id).await?;
    Ok((StatusCode::CREATED, Json(VersionDto::from(&v))))
}

#[utoipa::path(put, path = "/api/v1/algorithms/{id}/draft", tag = "workspace", params(("id" = String, Path)), request_body = SaveDraft, security(("bearer" = [])),
    responses((status = 200, body = VersionDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn save(
    State(app): State<App>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    JsonBody(body): JsonBody<SaveDraft>,
) -> ApiResult<Json<VersionDto>> {
    let v = app.register().save(&p, id, Content(body.content), body.expected_version).await?;
    Ok(Json(VersionDto::from(&v)))
}

#[utoipa::path(post, path = "/api/v1/algorithms/{id}/shared-update", tag = "workspace", params(("id" = String, Path)), security(("bearer" = [])),
    description = "For a registration that adopts a shared registration: takes the shared registration's newest version into a new draft (the organisation's own fields stay).",
    responses((status = 200, body = VersionDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn take_shared_update(State(app): State<App>, Auth(p): Auth, IdPath(id): IdPath) -> ApiResult<Json<VersionDto>> {
    let v = app.register().take_shared_update(&p, id).await?;
    Ok(Json(VersionDto::from(&v)))
}

#[utoipa::path(post, path = "/api/v1/algorithms/{id}/actions/{action}", tag = "workspace",
    params(("id" = String, Path), ("action" = String, Path, description = "release, publish, reject, retract, archive or unarchive")),
    request_body(content = Option<ActionBody>), security(("bearer" = [])),
    responses((status = 200, body = RecordStateDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn act(
    State(app): State<App>,
    Auth(p): Auth,
    Path((id, action)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> ApiResult<Json<RecordStateDto>> {
    let id = parse_id("id", &id)?;
    let action = Action::parse(&action).filter(|a| Action::WORKFLOW.contains(a) && *a != Action::Save).ok_or_else(|| {
        ApiError::bad(
            "action",
            "Kies release, publish, reject, retract, archive of unarchive.",
            "Choose release, publish, reject, retract, archive or unarchive.",
        )
    })?;
    let body: ActionBody = if body.iter().all(u8::is_ascii_whitespace) {
        ActionBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad("reason", &format!("Ongeldige JSON: {e}"), &format!("Invalid JSON: {e}")))?
    };
    let reason = body.reason;
    let meta = app.register().act(&p, id, action, reason).await?;
    Ok(Json(RecordStateDto::from(&meta)))
}

#[utoipa::path(get, path = "/api/v1/algorithms/{id}/workspace", tag = "workspace", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = WorkspaceDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn workspace(State(app): State<App>, Auth(p): Auth, IdPath(id): IdPath) -> ApiResult<Json<WorkspaceDto>> {
    let algoreg_service::workspace::EditorView { meta, versions, history, links, .. } = app.workspace().editor_view(&p, id).await?;
    Ok(Json(WorkspaceDto {
        record: RecordStateDto::from(&meta),
        versions: versions.iter().map(VersionDto::from).collect(),
        history: history.iter().map(HistoryDto::from).collect(),
        quality: versions
            .last()
            .map(|v| algoreg_domain::quality::check(v.standard_version, &v.content))
            .unwrap_or_default()
            .into_iter()
            .map(|f| QualityDto { field: f.field, rule: f.rule.to_string(), message_nl: f.message_nl, message_en: f.message_en })
            .collect(),
        links: links
            .into_iter()
            .map(|s| LinkDto {
                field: s.field,
                url: s.url,
                outcome: s.check.as_ref().map(|c| c.outcome.code().to_string()),
                http_status: s.check.as_ref().and_then(|c| c.http_status),
                detail: s.check.as_ref().map(|c| c.detail.clone()).filter(|d| !d.is_empty()),
                checked_at: s.check.as_ref().map(|c| c.checked_at),
                accepted_reason: s.accepted.as_ref().map(|a| a.reason.clone()),
                accepted_at: s.accepted.as_ref().map(|a| a.at),
            })
            .collect(),
    }))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct AiActAnswers {
    /// Answer indexes, one per question, in order.
    pub answers: Vec<usize>,
}

async fn classification_json(app: &App, c: &algoreg_store::Classification, public: bool) -> ApiResult<serde_json::Value> {
    let (_, dates) = app.aiact_requirements(c);
    let overview = app.compliance_overview(c, public).await?;
    let count = |s: ComplianceStatus| overview.iter().filter(|(_, e)| e.status == s).count();
    Ok(serde_json::json!({
        "tree": c.tree, "tree_version": c.tree_version, "version": c.version,
        "answers": c.answers.iter().map(|(q, a)| serde_json::json!({"question": q, "answer": a})).collect::<Vec<_>>(),
        "labels": c.labels, "conclusion_id": c.conclusion_id, "conclusion": c.conclusion, "obligation": c.obligation,
        "applies_from": dates.iter().map(|(l, d)| serde_json::json!({"label": l, "date": d})).collect::<Vec<_>>(),
        "requirements": overview.iter().map(|(r, e)| serde_json::json!({
            "urn": r.urn, "name": r.name, "url": r.url, "status": e.status, "reason": e.reason, "evidence": e.evidence,
        })).collect::<Vec<_>>(),
        "compliance": {"total": overview.len(), "done": count(ComplianceStatus::Done), "in_progress": count(ComplianceStatus::InProgress),
            "not_started": count(ComplianceStatus::NotStarted), "not_applicable": count(ComplianceStatus::NotApplicable)},
        "instruments": app.aiact.catalogue.instruments.iter().map(|i| serde_json::json!({"urn": i.urn, "name": i.name, "url": i.url})).collect::<Vec<_>>(),
        "classified_at": c.created_at.to_rfc3339(),
    }))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ComplianceUpdate {
    /// not_started, in_progress, done or not_applicable
    pub status: String,
    /// Required for not_applicable.
    pub reason: Option<String>,
    /// Links to evidence (https).
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// Records where the algorithm stands with one requirement of its classification.
#[utoipa::path(put, path = "/api/v1/algorithms/{id}/ai-act/requirements/{urn}", tag = "workspace", params(("id" = String, Path), ("urn" = String, Path)),
    request_body = ComplianceUpdate, security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn aiact_requirement(
    State(app): State<App>,
    Auth(p): Auth,
    Path((id, urn)): Path<(String, String)>,
    JsonBody(body): JsonBody<ComplianceUpdate>,
) -> ApiResult<Json<algoreg_store::ComplianceEntry>> {
    let id = parse_id("id", &id)?;
    Ok(Json(app.set_compliance(&p, id, &urn, &body.status, body.reason, body.evidence).await?))
}

/// The AI Act classification of a published record, with its obligations and applicable requirements.
#[utoipa::path(get, path = "/api/v1/algorithms/{id}/ai-act", tag = "algorithms", params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn aiact_get(State(app): State<App>, IdPath(id): IdPath) -> ApiResult<Json<serde_json::Value>> {
    app.register().published(id).await?;
    let c = app.public_classification(id).await?.ok_or(ApiError::not_found("classification"))?;
    Ok(Json(classification_json(&app, &c, true).await?))
}

/// Answers the AI Act questionnaire for a record. Unfinished: the next question (nothing stored).
/// Finished: the classification, stored with the record's latest version (201).
#[utoipa::path(post, path = "/api/v1/algorithms/{id}/ai-act", tag = "workspace", params(("id" = String, Path)), request_body = AiActAnswers, security(("bearer" = [])),
    responses((status = 200, body = Object, description = "The next question"), (status = 201, body = Object, description = "The stored classification"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn aiact_answer(
    State(app): State<App>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    JsonBody(body): JsonBody<AiActAnswers>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    if body.answers.len() > 100 {
        return Err(ApiError::bad("answers", "Hoogstens 100 antwoorden.", "At most 100 answers."));
    }
    let (state, stored) = app.classify(&p, id, &body.answers).await?;
    match stored {
        Some(c) => Ok((
            StatusCode::CREATED,
            Json(serde_json::json!({"finished": true, "classification": classification_json(&app, &c, false).await?})),
        )),
        None => {
            let algoreg_aiact::Next::Question(qid) = &state.at else {
                return Err(ApiError(algoreg_service::ServiceError::Internal("no question".into())));
            };
            let q = app.aiact.tree.question(qid).ok_or(ApiError(algoreg_service::ServiceError::Internal("question vanished".into())))?;
            Ok((
                StatusCode::OK,
                Json(serde_json::json!({
                    "finished": false, "labels": state.labels,
                    "question": {"id": q.question_id, "question": q.question, "explanation": q.explanation,
                        "answers": q.answers.iter().map(|a| a.answer.clone()).collect::<Vec<_>>()},
                })),
            ))
        }
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ConfirmationDto {
    pub confirmed_at: chrono::DateTime<chrono::Utc>,
}

#[utoipa::path(post, path = "/api/v1/algorithms/{id}/confirmations", tag = "workspace", params(("id" = String, Path)), security(("bearer" = [])),
    description = "Confirms that the published registration is still current (the yearly check).",
    responses((status = 200, body = ConfirmationDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn confirm(State(app): State<App>, Auth(p): Auth, IdPath(id): IdPath) -> ApiResult<Json<ConfirmationDto>> {
    let confirmed_at = app.register().confirm_current(&p, id, chrono::Utc::now()).await?;
    Ok(Json(ConfirmationDto { confirmed_at }))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptLink {
    /// The link, exactly as it stands in the registration's latest version.
    pub url: String,
    /// Why it may stay although it does not work (kept, shown to the organisation).
    pub reason: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct LinkAcceptanceDto {
    pub url: String,
    pub reason: String,
    pub accepted_at: chrono::DateTime<chrono::Utc>,
}

#[utoipa::path(post, path = "/api/v1/algorithms/{id}/link-acceptances", tag = "workspace", params(("id" = String, Path)), request_body = AcceptLink,
    security(("bearer" = [])),
    description = "The central operator accepts a link of the registration that the link checker finds gone or private, with a reason: it no longer holds publication back.",
    responses((status = 200, body = LinkAcceptanceDto), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn accept_link(
    State(app): State<App>,
    Auth(p): Auth,
    IdPath(id): IdPath,
    JsonBody(body): JsonBody<AcceptLink>,
) -> ApiResult<Json<LinkAcceptanceDto>> {
    let a = app.accept_link(&p, id, &body.url, &body.reason, chrono::Utc::now()).await?;
    Ok(Json(LinkAcceptanceDto { url: a.url, reason: a.reason, accepted_at: a.at }))
}

//! The standard versions as machine-readable schemas (`/api/v1/standards`): what each version holds,
//! when it was published, what changed from the one before, and its JSON Schema.

use crate::problem::ApiResult;
use algoreg_service::App;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;

#[utoipa::path(get, path = "/api/v1/standards", tag = "standards",
    description = "Every version of the publication standard algoreg knows, oldest first: its publication month (when known), the number of fields, the fields required for publication, the address of its JSON Schema and what changed from the version before (fields added, removed and changed). Every registration, download and API record says its version (`standard_version`).",
    responses((status = 200, description = "The versions", body = Vec<StandardDto>)))]
pub async fn list(State(app): State<App>) -> Json<Vec<StandardDto>> {
    Json(algoreg_service::standards::list(&app.feedback.config.public_url).into_iter().map(StandardDto::from).collect())
}

/// One version of the standard.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct StandardDto {
    pub version: String,
    /// When it was published (`yyyy-mm`), when known.
    pub published: Option<String>,
    pub current: bool,
    pub fields: usize,
    pub required_for_publication: Vec<String>,
    /// The address of its JSON Schema.
    pub schema: String,
    /// What changed from the version before; none for the first.
    pub changes: Option<ChangesDto>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ChangesDto {
    pub from: String,
    pub to: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<FieldChangeDto>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct FieldChangeDto {
    pub field: String,
    /// What changed, in words.
    pub what: Vec<String>,
}

impl From<algoreg_service::standards::StandardInfo> for StandardDto {
    fn from(s: algoreg_service::standards::StandardInfo) -> Self {
        let strings = |v: Vec<&'static str>| v.into_iter().map(String::from).collect();
        StandardDto {
            version: s.version.into(),
            published: s.published.map(String::from),
            current: s.current,
            fields: s.fields,
            required_for_publication: strings(s.required_for_publication),
            schema: s.schema,
            changes: s.changes.map(|c| ChangesDto {
                from: c.from.into(),
                to: c.to.into(),
                added: strings(c.added),
                removed: strings(c.removed),
                changed: c.changed.into_iter().map(|f| FieldChangeDto { field: f.field.into(), what: f.what }).collect(),
            }),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/standards/{version}/schema.json", tag = "standards", params(("version" = String, Path, description = "1.0, 0.4, 0.3.1, 0.2.3 or 0.1")),
    description = "The JSON Schema (draft 2020-12) of a registration in this version, made from the definitions algoreg validates with. Fields required for publication are listed in `x-requiredForPublication`.",
    responses((status = 200, description = "The schema", body = Object, content_type = "application/schema+json"), (status = 404, body = crate::problem::Problem, content_type = "application/problem+json")))]
pub async fn schema(State(app): State<App>, Path(version): Path<String>) -> ApiResult<Response> {
    let s = algoreg_service::standards::json_schema(&version, &app.feedback.config.public_url)?;
    Ok(([(header::CONTENT_TYPE, "application/schema+json")], Json(s)).into_response())
}

//! RFC 9457 problem details. Every error the API gives has this shape; internal errors are logged
//! and answered with a generic message, never with their details.

use algoreg_service::ServiceError;
use algoreg_standard::Lang;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field, with a path into lists: `lawful_basis_grouping[1].link`.
    pub field: String,
    /// The rule that failed: required, max_length, not_in_list, url, contact_point, year_month, type, unknown_field, ...
    pub rule: String,
    pub message_nl: String,
    pub message_en: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The same detail in Dutch.
    pub detail_nl: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// What a JSON API handler answers: the value, or a problem+json error.
pub type ApiResult<T> = Result<T, ApiError>;

#[derive(Debug)]
pub struct ApiError(pub ServiceError);

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        ApiError(e)
    }
}

impl ApiError {
    pub fn not_found(what: &'static str) -> ApiError {
        ApiError(ServiceError::NotFound(what))
    }
    pub fn bad(field: &str, nl: &str, en: &str) -> ApiError {
        ApiError(ServiceError::bad(field, nl, en))
    }
}

fn what_nl(what: &str) -> &'static str {
    match what {
        "algorithm" => "Algoritme niet gevonden.",
        "organisation" => "Organisatie niet gevonden.",
        "version" => "Versie niet gevonden.",
        "page" => "Pagina niet gevonden.",
        "alert" => "Deze e-mailmelding bestaat niet (meer), of de link is niet juist.",
        _ => "Niet gevonden.",
    }
}

pub fn problem_of(e: &ServiceError) -> (StatusCode, Problem) {
    let p = |status: StatusCode, kind: &str, title: &str, detail: String, detail_nl: String, errors: Vec<FieldProblem>| {
        (status, Problem { kind: format!("/problems/{kind}"), title: title.into(), status: status.as_u16(), detail, detail_nl, errors })
    };
    match e {
        ServiceError::Validation(errs) => p(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "Validation failed",
            format!("{} field(s) do not meet the standard.", errs.len()),
            format!("{} veld(en) voldoen niet aan de standaard.", errs.len()),
            errs.iter()
                .map(|e| FieldProblem {
                    field: e.field.clone(),
                    rule: e.rule.code().into(),
                    message_nl: e.message(Lang::Nl),
                    message_en: e.message(Lang::En),
                })
                .collect(),
        ),
        ServiceError::BadInput { field, message_nl, message_en } => p(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-input",
            "Invalid input",
            format!("{field}: {message_en}"),
            format!("{field}: {message_nl}"),
            vec![FieldProblem {
                field: field.clone(),
                rule: "invalid".into(),
                message_nl: message_nl.clone(),
                message_en: message_en.clone(),
            }],
        ),
        ServiceError::Unauthenticated => p(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Authentication required",
            "Log in or send a valid API token.".into(),
            "Log in of stuur een geldige API-token mee.".into(),
            vec![],
        ),
        ServiceError::Forbidden { message_nl, message_en } => {
            p(StatusCode::FORBIDDEN, "forbidden", "Forbidden", message_en.clone(), message_nl.clone(), vec![])
        }
        ServiceError::NotFound(what) => {
            p(StatusCode::NOT_FOUND, "not-found", "Not found", format!("{} not found.", capital(what)), what_nl(what).into(), vec![])
        }
        ServiceError::Conflict { field } => p(
            StatusCode::CONFLICT,
            "conflict",
            "Conflict",
            format!("{field} is already taken."),
            format!("{field} is al in gebruik."),
            vec![FieldProblem {
                field: field.to_string(),
                rule: "unique".into(),
                message_nl: "Deze waarde is al in gebruik.".into(),
                message_en: "This value is already taken.".into(),
            }],
        ),
        ServiceError::Workflow(w) => p(StatusCode::CONFLICT, "workflow", "Action not possible now", w.to_string(), w.message_nl(), vec![]),
        ServiceError::Stale => p(
            StatusCode::CONFLICT,
            "stale",
            "Changed meanwhile",
            "The record was changed by someone else; reload and try again.".into(),
            "Iemand anders heeft de registratie intussen gewijzigd; laad opnieuw en probeer het nog eens.".into(),
            vec![],
        ),
        ServiceError::TooManyRequests { retry_after } => p(
            StatusCode::TOO_MANY_REQUESTS,
            "too-many-requests",
            "Too many requests",
            format!("Too many attempts from this address or for this account or registration; try again in {retry_after} seconds."),
            format!(
                "Te veel pogingen van dit adres of voor dit account of deze registratie; probeer het over {retry_after} seconden opnieuw."
            ),
            vec![],
        ),
        ServiceError::TooLarge => p(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "Body too large",
            "The body is larger than this address takes.".into(),
            "De inhoud is groter dan dit adres aanneemt.".into(),
            vec![],
        ),
        ServiceError::Internal(msg) => {
            tracing::error!(error = %msg, "internal error");
            p(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
                "Something went wrong on our side.".into(),
                "Er ging bij ons iets mis.".into(),
                vec![],
            )
        }
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = problem_of(&self.0);
        let mut resp = (status, axum::Json(body)).into_response();
        resp.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/problem+json"));
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        if let ServiceError::TooManyRequests { retry_after } = &self.0 {
            if let Ok(v) = header::HeaderValue::from_str(&retry_after.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}

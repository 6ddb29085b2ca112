//! Drop-in compatibility with the live Dutch register: its public API under `/api` and its
//! organisation API under `/aanleverapi/v1_0`. Same paths, keys, types and status codes, and errors in
//! its shape (`{"detail": ...}`, FastAPI style), so existing clients only change the host name.

pub mod aanlever;
pub mod public;

use algoreg_service::{App, ServiceError};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use std::net::SocketAddr;

/// What a handler of the live register's API answers, or its error in that API's shape.
pub type Answer<T = Json<Value>> = Result<T, Detail>;

/// An error in the live register's shape.
pub struct Detail(pub StatusCode, pub Value);

impl Detail {
    pub fn text(status: StatusCode, detail: &str) -> Detail {
        Detail(status, json!({ "detail": detail }))
    }
    /// 422 with FastAPI's list of validation errors.
    pub fn invalid(errors: Vec<Value>) -> Detail {
        Detail(StatusCode::UNPROCESSABLE_ENTITY, json!({ "detail": errors }))
    }
}

/// One FastAPI-style validation error.
pub fn verr(kind: &str, loc: &[&str], msg: &str, input: &Value) -> Value {
    json!({"type": kind, "loc": loc, "msg": msg, "input": input})
}

/// A JSON object body, or FastAPI's 422 for a missing, malformed or non-object body.
pub fn object_body(bytes: &[u8]) -> Result<serde_json::Map<String, Value>, Detail> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Detail::invalid(vec![verr("missing", &["body"], "Field required", &Value::Null)]));
    }
    let body: Value = serde_json::from_slice(bytes).map_err(|e| {
        Detail::invalid(vec![json!({"type": "json_invalid", "loc": ["body", e.column()], "msg": "JSON decode error", "input": {}, "ctx": {"error": e.to_string()}})])
    })?;
    match body {
        Value::Object(o) => Ok(o),
        other => Err(Detail::invalid(vec![verr(
            "model_attributes_type",
            &["body"],
            "Input should be a valid dictionary or object to extract fields from",
            &other,
        )])),
    }
}

impl IntoResponse for Detail {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

impl From<ServiceError> for Detail {
    fn from(e: ServiceError) -> Detail {
        use algoreg_domain::workflow::WorkflowError;
        match e {
            ServiceError::NotFound(_) => Detail::text(StatusCode::NOT_FOUND, "Not Found"),
            ServiceError::Forbidden { .. } | ServiceError::Workflow(WorkflowError::Forbidden(_)) | ServiceError::Workflow(WorkflowError::FourEyes) => {
                Detail::text(StatusCode::FORBIDDEN, "Forbidden")
            }
            ServiceError::Unauthenticated => Detail::text(StatusCode::UNAUTHORIZED, "TOKEN_NOT_FOUND"),
            ServiceError::Validation(errors) => Detail::invalid(
                errors
                    .iter()
                    .map(|e| {
                        json!({"type": e.rule.code(), "loc": ["body", e.field], "msg": format!("Value error, {}", e.message(algoreg_standard::Lang::En)), "input": null})
                    })
                    .collect(),
            ),
            ServiceError::BadInput { field, message_en, .. } => {
                Detail::invalid(vec![json!({"type": "value_error", "loc": ["body", field], "msg": message_en, "input": null})])
            }
            ServiceError::Workflow(WorkflowError::InvalidTransition { from, .. }) => Detail::text(
                StatusCode::BAD_REQUEST,
                &format!("INVALID ORIGIN_STATE, CURRENT STATE: {}", from.map(aanlever::state_code).unwrap_or("NONE")),
            ),
            ServiceError::Workflow(WorkflowError::ReasonRequired) => Detail::text(StatusCode::BAD_REQUEST, "REASON_REQUIRED"),
            ServiceError::Conflict { field } => Detail::text(StatusCode::CONFLICT, &format!("{field} already exists")),
            ServiceError::Stale => Detail::text(StatusCode::CONFLICT, "STALE_VERSION"),
            ServiceError::TooManyRequests { .. } => Detail::text(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests"),
            ServiceError::TooLarge => Detail::text(StatusCode::PAYLOAD_TOO_LARGE, "Payload Too Large"),
            ServiceError::Internal(e) => {
                tracing::error!(error = %e, "compat request failed");
                Detail::text(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
            }
        }
    }
}

/// Rate limit per client address (configurable; off by default): 429 with `Retry-After`.
pub async fn rate_limit(State(app): State<App>, req: Request, next: Next) -> Response {
    let key = match req.extensions().get::<ConnectInfo<SocketAddr>>() {
        Some(c) => algoreg_service::limits::client_key(app.client_ip(c.0.ip(), crate::auth::forwarded_for(req.headers()).as_deref())),
        None => String::new(),
    };
    match app.check_api_limit(&key).await {
        Ok(()) => next.run(req).await,
        Err(wait) => {
            let mut r = Detail::text(StatusCode::TOO_MANY_REQUESTS, &format!("Rate limit exceeded: {} per 1 minute", app.api_limit.limit))
                .into_response();
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(wait));
            r
        }
    }
}

/// Everything the live register answers that a browser on another site may read (CORS open, no credentials).
pub async fn cors(req: Request, next: Next) -> Response {
    let preflight = req.method() == axum::http::Method::OPTIONS;
    let mut r = if preflight { StatusCode::OK.into_response() } else { next.run(req).await };
    let h = r.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    if preflight {
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS"));
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization, content-type"));
    }
    r
}

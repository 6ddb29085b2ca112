use super::body::JsonBody;
use crate::auth::{session_cookie, Auth, ClientKey, SESSION_COOKIE};
use crate::problem::{ApiError, Problem};
use algoreg_service::auth::SESSION_HOURS;
use algoreg_service::App;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    pub email: String,
    pub password: String,
    /// The code from the authenticator app, or a recovery code, for accounts with a second factor.
    #[serde(default)]
    pub totp: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    /// `user:ID` or `token:ID`
    pub key: String,
    pub name: String,
    pub central_operator: bool,
    pub roles: Vec<Membership>,
    /// Logged in with a temporary password: no role counts until it is changed (`POST /api/v1/session/password`).
    pub must_change_password: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// A role in one organisation.
#[derive(Serialize, ToSchema)]
pub struct Membership {
    pub organisation_id: i64,
    /// editor, approver or org_admin
    pub role: String,
}

/// Logs in; sets the session cookie (HttpOnly, SameSite=Strict).
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = Login,
    responses((status = 200, body = Me), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn login(State(app): State<App>, ClientKey(client): ClientKey, JsonBody(body): JsonBody<Login>) -> Result<Response, ApiError> {
    let user = app.auth().login(body.email.trim(), &body.password, &client, "password", body.totp.as_deref()).await?;
    let secret = app.auth().start_session(&user).await?;
    let p = app.auth().principal_for_user(&user).await?;
    let cookie = format!("{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}", SESSION_HOURS * 3600);
    Ok(([(header::SET_COOKIE, cookie)], Json(me(&p))).into_response())
}

/// Changes the caller's own password (people only). Every session of the account ends; the answer sets
/// the cookie of a new one.
#[utoipa::path(post, path = "/api/v1/session/password", tag = "session", request_body = PasswordChange,
    responses((status = 200, body = Me), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"), (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn change_password(
    State(app): State<App>,
    Auth(p): Auth,
    ClientKey(client): ClientKey,
    JsonBody(body): JsonBody<PasswordChange>,
) -> Result<Response, ApiError> {
    let secret = app.auth().change_password(&p, &body.current_password, &body.new_password, &client).await?;
    let p = app.auth().session_principal(&secret).await?;
    let cookie = format!("{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}", SESSION_HOURS * 3600);
    Ok(([(header::SET_COOKIE, cookie)], Json(me(&p))).into_response())
}

#[utoipa::path(get, path = "/api/v1/session", tag = "session", responses((status = 200, body = Me), (status = 401, body = Problem)))]
pub async fn whoami(Auth(p): Auth) -> Json<Me> {
    Json(me(&p))
}

#[utoipa::path(delete, path = "/api/v1/session", tag = "session", responses((status = 204)))]
pub async fn logout(State(app): State<App>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(secret) = session_cookie(&headers) {
        app.auth().end_session(&secret).await?;
    }
    let cookie = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

fn me(p: &algoreg_domain::Principal) -> Me {
    Me {
        key: p.key.clone(),
        name: p.display.clone(),
        central_operator: p.central_operator,
        roles: p.roles.iter().map(|(o, r)| Membership { organisation_id: o.0, role: r.code().to_string() }).collect(),
        must_change_password: p.must_change_password,
    }
}

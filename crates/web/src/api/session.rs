use super::body::JsonBody;
use crate::auth::{session_cookie, Auth, ClientKey, SESSION_COOKIE};
use crate::problem::{ApiResult, Problem};
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
    /// Reads the supervision view across every organisation (`/api/v1/supervision`).
    pub supervisor: bool,
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
pub async fn login(State(app): State<App>, ClientKey(client): ClientKey, JsonBody(body): JsonBody<Login>) -> ApiResult<Response> {
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
) -> ApiResult<Response> {
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
pub async fn logout(State(app): State<App>, headers: HeaderMap) -> ApiResult<Response> {
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
        supervisor: p.supervisor,
        roles: p.roles.iter().map(|(o, r)| Membership { organisation_id: o.0, role: r.code().to_string() }).collect(),
        must_change_password: p.must_change_password,
    }
}

/// A passkey ceremony started: send `ceremony` back with the answer; `public_key` holds the options for
/// `navigator.credentials.create()` or `.get()`, with binary values as base64url.
#[derive(Serialize, ToSchema)]
pub struct PasskeyOptions {
    pub ceremony: String,
    #[schema(value_type = Object)]
    pub public_key: serde_json::Value,
}

/// The browser's `PublicKeyCredential`, binary values as base64url.
#[derive(Deserialize, ToSchema)]
pub struct PasskeyCredential {
    #[serde(rename = "rawId")]
    pub raw_id: String,
    pub response: PasskeyResponse,
}

#[derive(Deserialize, ToSchema)]
pub struct PasskeyResponse {
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    #[serde(rename = "attestationObject", default)]
    pub attestation_object: Option<String>,
    #[serde(rename = "authenticatorData", default)]
    pub authenticator_data: Option<String>,
    #[serde(default)]
    pub signature: Option<String>,
    #[serde(rename = "userHandle", default)]
    pub user_handle: Option<String>,
}

impl PasskeyCredential {
    fn answer(&self) -> algoreg_service::passkeys::Answer<'_> {
        let r = &self.response;
        algoreg_service::passkeys::Answer {
            raw_id: &self.raw_id,
            client_data_json: &r.client_data_json,
            attestation_object: r.attestation_object.as_deref(),
            authenticator_data: r.authenticator_data.as_deref(),
            signature: r.signature.as_deref(),
            user_handle: r.user_handle.as_deref(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPasskey {
    pub ceremony: String,
    /// What the person calls it ("Laptop", "Telefoon"); default "Passkey".
    #[serde(default)]
    pub name: Option<String>,
    pub credential: PasskeyCredential,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeyLogin {
    pub ceremony: String,
    pub credential: PasskeyCredential,
}

/// One of the caller's passkeys.
#[derive(Serialize, ToSchema)]
pub struct PasskeyInfo {
    pub id: i64,
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<&algoreg_store::Passkey> for PasskeyInfo {
    fn from(k: &algoreg_store::Passkey) -> Self {
        PasskeyInfo { id: k.id, name: k.name.clone(), created_at: k.created_at, last_used_at: k.last_used_at }
    }
}

/// A passkey is added only in a browser session, never with a bearer token (a leaked token must not
/// turn into a lasting way in).
fn session_only(headers: &HeaderMap) -> ApiResult<()> {
    if headers.contains_key(header::AUTHORIZATION) {
        return Err(algoreg_service::ServiceError::forbidden(
            "Een passkey voegt u toe in de browser, ingelogd, niet met een token.",
            "A passkey is added in the browser, logged in, not with a token.",
        )
        .into());
    }
    Ok(())
}

fn options(s: algoreg_service::passkeys::Started) -> Json<PasskeyOptions> {
    Json(PasskeyOptions { ceremony: s.ceremony, public_key: s.options })
}

/// The current password, before a passkey is added.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasskeyStart {
    #[serde(default)]
    pub password: String,
}

/// Starts adding a passkey to the caller's own account (people only), after the current password.
#[utoipa::path(post, path = "/api/v1/session/passkeys/options", tag = "session", request_body = PasskeyStart,
    responses((status = 200, body = PasskeyOptions), (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn passkey_registration_options(
    State(app): State<App>,
    headers: HeaderMap,
    Auth(p): Auth,
    ClientKey(client): ClientKey,
    JsonBody(body): JsonBody<PasskeyStart>,
) -> ApiResult<Json<PasskeyOptions>> {
    session_only(&headers)?;
    Ok(options(app.passkeys().begin_registration(&p, &body.password, &client).await?))
}

/// Adds the passkey the browser made for the ceremony.
#[utoipa::path(post, path = "/api/v1/session/passkeys", tag = "session", request_body = NewPasskey,
    responses((status = 201, body = PasskeyInfo), (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn passkey_add(
    State(app): State<App>,
    headers: HeaderMap,
    Auth(p): Auth,
    JsonBody(body): JsonBody<NewPasskey>,
) -> ApiResult<Response> {
    session_only(&headers)?;
    let key = app.passkeys().finish_registration(&p, &body.ceremony, body.name.as_deref().unwrap_or(""), &body.credential.answer()).await?;
    Ok((StatusCode::CREATED, Json(PasskeyInfo::from(&key))).into_response())
}

/// The caller's own passkeys.
#[utoipa::path(get, path = "/api/v1/session/passkeys", tag = "session",
    responses((status = 200, body = [PasskeyInfo]), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn passkey_list(State(app): State<App>, Auth(p): Auth) -> ApiResult<Json<Vec<PasskeyInfo>>> {
    Ok(Json(app.passkeys().list(&p).await?.iter().map(PasskeyInfo::from).collect()))
}

/// Removes one of the caller's own passkeys.
#[utoipa::path(delete, path = "/api/v1/session/passkeys/{id}", tag = "session", params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn passkey_remove(
    State(app): State<App>,
    Auth(p): Auth,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> ApiResult<StatusCode> {
    let id: i64 = id.parse().map_err(|_| algoreg_service::ServiceError::NotFound("passkey"))?;
    app.passkeys().remove(&p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Starts a login with a passkey.
#[utoipa::path(post, path = "/api/v1/session/passkey/options", tag = "session",
    responses((status = 200, body = PasskeyOptions), (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn passkey_login_options(State(app): State<App>, ClientKey(client): ClientKey) -> ApiResult<Json<PasskeyOptions>> {
    Ok(options(app.passkeys().begin_login(&client).await?))
}

/// Logs in with a passkey; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session/passkey", tag = "session", request_body = PasskeyLogin,
    responses((status = 200, body = Me), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn passkey_login(
    State(app): State<App>,
    ClientKey(client): ClientKey,
    JsonBody(body): JsonBody<PasskeyLogin>,
) -> ApiResult<Response> {
    let (user, method) = app.passkeys().finish_login(&body.ceremony, &body.credential.answer(), &client).await?;
    let secret = app.auth().start_session_by(&user, &method).await?;
    let p = app.auth().session_principal(&secret).await?;
    let cookie = format!("{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}", SESSION_HOURS * 3600);
    Ok(([(header::SET_COOKIE, cookie)], Json(me(&p))).into_response())
}

//! The organisation API's login at the paths of the live register's login server (Keycloak, realm
//! `algreg`), so that a tool finds it by changing only the host name: discovery, the token endpoint and
//! the keys. The rules are in `algoreg_service::oauth`.

use crate::auth::ClientKey;
use algoreg_service::oauth::{OAuthError, TokenRequest, REALM};
use algoreg_service::App;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;

pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new()
        .add("GET", "/.well-known/openid-configuration", get(discovery))
        .add("GET", "/realms/{realm}/.well-known/openid-configuration", get(realm_discovery))
        .add(
            "POST",
            "/realms/{realm}/protocol/openid-connect/token",
            post(token).layer(axum::extract::DefaultBodyLimit::max(crate::security::SMALL_BODY)),
        )
        .add("GET", "/realms/{realm}/protocol/openid-connect/certs", get(certs))
}

fn oauth_error(e: OAuthError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut r = (status, Json(e.body())).into_response();
    if let Some(s) = e.retry_after {
        r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    r
}

fn no_realm() -> Response {
    (StatusCode::NOT_FOUND, Json(serde_json::json!({"error": "Realm does not exist"}))).into_response()
}

async fn discovery(State(app): State<App>) -> Response {
    Json(app.discovery()).into_response()
}

async fn realm_discovery(State(app): State<App>, Path(realm): Path<String>) -> Response {
    if realm != REALM {
        return no_realm();
    }
    Json(app.discovery()).into_response()
}

async fn certs(State(app): State<App>, Path(realm): Path<String>) -> Response {
    if realm != REALM {
        return no_realm();
    }
    match app.jwks().await {
        Ok(k) => Json(k).into_response(),
        Err(_) => oauth_error(OAuthError {
            status: 500,
            error: "server_error",
            description: "The server could not answer.".into(),
            retry_after: None,
        }),
    }
}

/// `application/x-www-form-urlencoded` as OAuth asks; client credentials in the form or as HTTP Basic.
async fn token(
    State(app): State<App>,
    Path(realm): Path<String>,
    ClientKey(client): ClientKey,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if realm != REALM {
        return no_realm();
    }
    let form =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let invalid = |d: &str| oauth_error(OAuthError { status: 400, error: "invalid_request", description: d.into(), retry_after: None });
    if !form {
        return invalid("Content-Type must be application/x-www-form-urlencoded.");
    }
    let Ok(mut req) = serde_urlencoded::from_bytes::<TokenRequest>(&body) else {
        return invalid("The form could not be read.");
    };
    if let Some((id, secret)) =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(algoreg_service::oauth::basic_credentials)
    {
        req.client_id.get_or_insert(id);
        req.client_secret.get_or_insert(secret);
    }
    match app.token_endpoint(req, &client).await {
        Ok(v) => {
            let mut r = Json(v).into_response();
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(e) => oauth_error(e),
    }
}

//! The live register's organisation API (`/aanleverapi/v1_0`), with algoreg's organisation-scoped
//! bearer tokens. `organisation_id` is the organisation's code. States map as: draft = STATE_1,
//! released = STATE_2, published = PUBLISHED, superseded = EXPIRED, archived = ARCHIVED.
//! `algorithm_version_id` in archive/unarchive is the version number within the record.

use super::{verr, Answer, Detail};
use algoreg_domain::workflow::{Action, Principal, VersionState};
use algoreg_service::workspace::Listed;
use algoreg_service::{App, ServiceError};
use algoreg_standard::{AlgorithmId, Content, StandardVersion};
use algoreg_store::{Organisation, RecordMeta, Version};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get, put};
use axum::Json;
use serde_json::{json, Map, Value};

pub fn routes() -> crate::routes::Routes {
    let base = "/aanleverapi/v1_0/organizations/{org}";
    crate::routes::Routes::new()
        .add("GET POST", &format!("{base}/algorithms"), get(list).post(create))
        .add("GET PUT", &format!("{base}/algorithms/{{lars}}"), get(latest).put(update))
        .add("PUT", &format!("{base}/algorithms/{{lars}}/archive_version"), put(archive))
        .add("PUT", &format!("{base}/algorithms/{{lars}}/unarchive_version"), put(unarchive))
        .add("PUT", &format!("{base}/algorithms/{{lars}}/release"), put(release))
        .add("PUT", &format!("{base}/algorithms/{{lars}}/publish"), put(publish))
        .add("GET", &format!("{base}/algorithms/{{lars}}/preview"), get(preview))
        .add("GET", &format!("{base}/published-algorithms/{{lars}}"), get(published))
        .add("DELETE", &format!("{base}/published-algorithms/{{lars}}/retract"), delete(retract))
        .add("GET", "/aanleverapi/user/me", get(user_me))
        .add("GET", "/aanleverapi/organisation", get(organisations))
}

/// `GET /aanleverapi/user/me`: who the token stands for, with its roles and organisations.
async fn user_me(State(app): State<App>, headers: HeaderMap) -> Answer {
    let p = principal(&app, &headers).await?;
    Ok(Json(algoreg_service::compat::user_me(&app, &p).await?))
}

/// `GET /aanleverapi/organisation?limit=&skip=&q=`: the organisations, paged and filtered by name.
async fn organisations(
    State(app): State<App>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Answer {
    principal(&app, &headers).await?;
    let number = |k: &str, default: usize, max: usize| -> Result<usize, Detail> {
        match q.get(k) {
            None => Ok(default),
            Some(v) => v.parse::<usize>().ok().filter(|n| *n <= max).ok_or_else(|| {
                Detail::invalid(vec![json!({"type": "int_parsing", "loc": ["query", k], "msg": format!("Input should be a whole number from 0 to {max}"), "input": v})])
            }),
        }
    };
    let (limit, skip) = (number("limit", 10_000, 10_000)?, number("skip", 0, 1_000_000)?);
    Ok(Json(algoreg_service::compat::organisation_page(&app, q.get("q").map(String::as_str), limit, skip).await?))
}

pub fn state_code(s: VersionState) -> &'static str {
    match s {
        VersionState::Draft => "STATE_1",
        VersionState::Released => "STATE_2",
        VersionState::Published => "PUBLISHED",
        VersionState::Superseded => "EXPIRED",
        VersionState::Archived => "ARCHIVED",
    }
}

/// The caller: a bearer token (an access token of the login, or an API token) or a session.
async fn principal(app: &App, headers: &HeaderMap) -> Result<Principal, Detail> {
    Ok(match crate::auth::bearer(headers) {
        Some(token) => app
            .principal_for_bearer(token.trim())
            .await
            .map_err(|_| Detail::text(StatusCode::UNAUTHORIZED, "Inloggegevens konden niet succesvol worden gevalideerd."))?,
        None => match crate::auth::session_cookie(headers) {
            Some(secret) => {
                app.auth().session_principal(&secret).await.map_err(|_| Detail::text(StatusCode::UNAUTHORIZED, "TOKEN_NOT_FOUND"))?
            }
            None => return Err(Detail::text(StatusCode::UNAUTHORIZED, "TOKEN_NOT_FOUND")),
        },
    })
}

/// The caller and the organisation in the path, which the caller must belong to.
async fn caller(app: &App, headers: &HeaderMap, org: &str) -> Result<(Principal, Organisation), Detail> {
    let p = principal(app, headers).await?;
    let forbidden = || Detail::text(StatusCode::FORBIDDEN, &format!("REQUIRED_ORGANISATION_{}_MISSING", org.to_uppercase()));
    match app.workspace().organisation(&p, org).await {
        Ok(o) => Ok((p, o)),
        Err(ServiceError::NotFound(_)) if p.central_operator => Err(Detail::text(StatusCode::NOT_FOUND, "ORG_NOT_FOUND")),
        Err(ServiceError::NotFound(_) | ServiceError::Forbidden { .. }) => Err(forbidden()),
        Err(e) => Err(e.into()),
    }
}

/// The record in the path, which must belong to the organisation in the path.
async fn record(app: &App, p: &Principal, org: &Organisation, lars: &str) -> Result<RecordMeta, Detail> {
    let id: AlgorithmId = lars.parse().map_err(|_| Detail::text(StatusCode::NOT_FOUND, "Not Found"))?;
    Ok(app.workspace().record_in(p, org, id).await?)
}

fn algorithm(v: &Version, publication_dt: Option<String>) -> Value {
    let mut out: Map<String, Value> = Map::new();
    for f in v.standard_version.fields() {
        // The live schema types the required keys as strings: an empty one is "" there, not null.
        let empty = if REQUIRED.contains(&f.key) { json!("") } else { Value::Null };
        out.insert(f.key.to_string(), v.content.get(f.key).cloned().unwrap_or(empty));
    }
    out.insert("lars".into(), json!(v.record.to_string()));
    out.insert("publication_dt".into(), json!(publication_dt));
    out.insert("create_dt".into(), json!(v.created_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, false)));
    out.insert("language".into(), json!("NLD"));
    out.insert("state".into(), json!(state_code(v.state)));
    Value::Object(out)
}

/// Body keys the live API requires (its `AlgorithmIn`).
const REQUIRED: &[&str] = &["name", "description_short", "organization", "status", "contact_email", "publication_category", "lang"];

/// Reads an `AlgorithmIn` body: required keys present, `standard_version` 1.0 or null. Keys outside the
/// standard are ignored, as the live API does (`lars`, `publication_dt`, and what a read of the record
/// adds: `create_dt`, `language`, `state`), so that a record read can be written back as it is;
/// algoreg's own keys (withholdings, translations) are kept. The standard's own rules run in the service.
fn algorithm_in(bytes: &[u8]) -> Result<Content, Detail> {
    let mut body = super::object_body(bytes)?;
    let mut errors = vec![];
    // FastAPI repeats the body as the input of each missing field; a large one is not repeated.
    let input = if REQUIRED.iter().any(|k| body.get(*k).is_none_or(Value::is_null)) && bytes.len() <= 64 * 1024 {
        Value::Object(body.clone())
    } else {
        Value::Object(Default::default())
    };
    for k in REQUIRED {
        if body.get(*k).is_none_or(Value::is_null) {
            errors.push(verr("missing", &["body", k], "Field required", &input));
        }
    }
    match body.get("standard_version") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s == "1.0" => {}
        Some(other) => errors.push(verr("enum", &["body", "standard_version"], "Input should be '1.0'", other)),
    }
    if !errors.is_empty() {
        return Err(Detail::invalid(errors));
    }
    body.retain(|k, _| StandardVersion::V1_0.field(k).is_some() || algoreg_standard::extensions::is_reserved(k));
    body.insert("standard_version".into(), json!("1.0"));
    Ok(Content(body.into_iter().filter(|(_, v)| !v.is_null()).collect()))
}

async fn list(State(app): State<App>, headers: HeaderMap, Path(org): Path<String>) -> Answer {
    let (p, org) = caller(&app, &headers, &org).await?;
    let mut out = vec![];
    for Listed { item: it, last_editor, source_id } in app.workspace().listing(&p, &org).await? {
        out.push(json!({
            "name": it.name,
            "schema_version": it.standard_version.as_str(),
            "last_update_dt": it.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, false),
            "lars": it.id.to_string(),
            "source_id": source_id,
            "published": it.published_version.is_some(),
            "current_version_released": it.state == VersionState::Released,
            "current_version_published": it.state == VersionState::Published,
            "last_update_by": last_editor.unwrap_or_else(|| "Onbekend".into()),
        }));
    }
    Ok(Json(Value::Array(out)))
}

async fn create(State(app): State<App>, headers: HeaderMap, Path(org): Path<String>, body: Bytes) -> Answer {
    let (p, org) = caller(&app, &headers, &org).await?;
    let content = algorithm_in(&body)?;
    let v = app.register().create(&p, &org.code, content, None).await?;
    Ok(Json(json!({ "lars_code": v.record.to_string() })))
}

async fn latest(State(app): State<App>, headers: HeaderMap, Path((org, lars)): Path<(String, String)>) -> Answer {
    let (p, org) = caller(&app, &headers, &org).await?;
    let meta = record(&app, &p, &org, &lars).await?;
    let v = app.workspace().version(&p, meta.id, meta.latest_version).await?;
    let v = v.ok_or_else(|| Detail::text(StatusCode::NOT_FOUND, &format!("Er is geen algoritme met LARS-code: {lars}.")))?;
    Ok(Json(algorithm(&v, None)))
}

async fn update(State(app): State<App>, headers: HeaderMap, Path((org, lars)): Path<(String, String)>, body: Bytes) -> Answer {
    let (p, org) = caller(&app, &headers, &org).await?;
    let meta = record(&app, &p, &org, &lars).await?;
    let content = algorithm_in(&body)?;
    match app.register().save_live(&p, meta.id, content).await? {
        None => Ok(Json(json!({ "message": "NO_CHANGES" }))),
        Some(_) => Ok(Json(Value::Null)),
    }
}

async fn act(app: &App, headers: &HeaderMap, org: &str, lars: &str, action: Action) -> Answer {
    let (p, org) = caller(app, headers, org).await?;
    let meta = record(app, &p, &org, lars).await?;
    // The live API takes no reason; algoreg's history asks one for a retraction.
    let reason =
        (action == Action::Retract).then(|| "Teruggetrokken via de aanlever-API / retracted through the organisation API".to_string());
    app.register().act(&p, meta.id, action, reason).await?;
    Ok(Json(Value::Null))
}

async fn release(State(app): State<App>, headers: HeaderMap, Path((org, lars)): Path<(String, String)>) -> Answer {
    act(&app, &headers, &org, &lars, Action::Release).await
}

async fn publish(State(app): State<App>, headers: HeaderMap, Path((org, lars)): Path<(String, String)>) -> Answer {
    act(&app, &headers, &org, &lars, Action::Publish).await
}

async fn retract(State(app): State<App>, headers: HeaderMap, Path((org, lars)): Path<(String, String)>) -> Answer {
    act(&app, &headers, &org, &lars, Action::Retract).await
}

/// Reads `{"algorithm_version_id": int}` and checks that the version exists in this record.
fn version_arg(meta: &RecordMeta, body: &[u8]) -> Result<u32, Detail> {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let Some(n) = v.get("algorithm_version_id").and_then(|n| n.as_u64().or_else(|| n.as_str().and_then(|s| s.trim().parse().ok()))) else {
        return Err(Detail::invalid(vec![verr("missing", &["body", "algorithm_version_id"], "Field required", &v)]));
    };
    let found = u32::try_from(n).ok().filter(|n| *n >= 1 && *n <= meta.latest_version);
    found.ok_or_else(|| Detail::text(StatusCode::NOT_FOUND, &format!("Er is geen algoritmeversie gevonden met ID: ({n})")))
}

async fn archive(State(app): State<App>, headers: HeaderMap, Path((org, lars)): Path<(String, String)>, body: Bytes) -> Answer {
    archive_action(&app, &headers, &org, &lars, &body, Action::Archive).await
}

async fn unarchive(State(app): State<App>, headers: HeaderMap, Path((org, lars)): Path<(String, String)>, body: Bytes) -> Answer {
    archive_action(&app, &headers, &org, &lars, &body, Action::Unarchive).await
}

async fn archive_action(app: &App, headers: &HeaderMap, org: &str, lars: &str, body: &[u8], action: Action) -> Answer {
    let (p, o) = caller(app, headers, org).await?;
    let meta = record(app, &p, &o, lars).await?;
    let n = version_arg(&meta, body)?;
    // Archiving applies to the whole registration: only its current version names it, so that a client
    // tidying up an old version does not take the registration offline.
    if action == Action::Archive && n != meta.latest_version && Some(n) != meta.published_version {
        return Err(Detail::text(
            StatusCode::BAD_REQUEST,
            &format!("Archiveren geldt voor de hele registratie: geef de laatste ({}) of de gepubliceerde versie.", meta.latest_version),
        ));
    }
    app.register().act(&p, meta.id, action, None).await?;
    Ok(Json(Value::Null))
}

async fn published(State(app): State<App>, headers: HeaderMap, Path((org, lars)): Path<(String, String)>) -> Answer {
    let (p, o) = caller(&app, &headers, &org).await?;
    let meta = record(&app, &p, &o, &lars).await?;
    let missing = || Detail::text(StatusCode::NOT_FOUND, &format!("Er is geen gepubliceerd algoritme met LARS-code: {lars}."));
    let n = meta.published_version.ok_or_else(missing)?;
    let v = app.workspace().version(&p, meta.id, n).await?.ok_or_else(missing)?;
    let at = v.published_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, false));
    Ok(Json(algorithm(&v, at)))
}

async fn preview(State(app): State<App>, headers: HeaderMap, Path((org, lars)): Path<(String, String)>) -> Answer {
    let (p, o) = caller(&app, &headers, &org).await?;
    let meta = record(&app, &p, &o, &lars).await?;
    // A link for anyone who has it, for a while, as the live register's (at the configured public
    // address, never the request's Host header, which the client chooses).
    let shared = app.previews().share(&p, meta.id).await?;
    Ok(Json(json!({ "url": shared.url })))
}

//! Row decoding. A value the schema does not allow is a backend error, never a panic.

use algoreg_domain::federation::HarvestOutcome;
use algoreg_domain::feedback::{IncidentClass, IncidentEventKind, IncidentStatus, SignalKind, SignalStatus};
use algoreg_domain::org::{OrgType, PublicationFlow, Role};
use algoreg_domain::workflow::{Action, VersionState};
use algoreg_standard::{AlgorithmId, StandardVersion};
use algoreg_store::*;
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

fn bad(what: &str, v: &str) -> StoreError {
    StoreError::Backend(format!("unexpected {what} in database: {v:?}"))
}

pub fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

pub fn time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).map_err(|_| bad("time", s))
}

pub fn opt_time(s: Option<String>) -> Result<Option<DateTime<Utc>>> {
    s.as_deref().map(time).transpose()
}

pub fn parse_role(s: &str) -> Result<Role> {
    Role::parse(s).ok_or_else(|| bad("role", s))
}

fn id(s: &str) -> Result<AlgorithmId> {
    AlgorithmId::parse(s).map_err(|_| bad("algorithm id", s))
}

/// A code column decoded into its domain enum.
pub fn code<T>(what: &str, s: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    parse(s).ok_or_else(|| bad(what, s))
}

fn state(s: &str) -> Result<VersionState> {
    VersionState::parse(s).ok_or_else(|| bad("state", s))
}

fn standard(s: &str) -> Result<StandardVersion> {
    StandardVersion::parse(s).ok_or_else(|| bad("standard version", s))
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Backend(format!("bad JSON in database: {e}")))
}

pub fn org_row(r: &SqliteRow) -> Result<Organisation> {
    let t: String = r.get("org_type");
    let f: String = r.get("flow");
    Ok(Organisation {
        id: r.get("id"),
        code: r.get("code"),
        name: r.get("name"),
        org_type: OrgType::parse(&t).ok_or_else(|| bad("organisation type", &t))?,
        tooi: r.get("tooi"),
        flow: PublicationFlow::parse(&f).ok_or_else(|| bad("flow", &f))?,
        about: r.get("about"),
        contact: r.get("contact"),
        created_at: time(r.get("created_at"))?,
        require_second_factor: r.get("require_second_factor"),
        require_sso: r.get("require_sso"),
    })
}

pub fn user_row(r: &SqliteRow) -> Result<User> {
    Ok(User {
        id: r.get("id"),
        email: r.get("email"),
        name: r.get("name"),
        password_hash: r.get("password_hash"),
        central_operator: r.get("central_operator"),
        created_at: time(r.get("created_at"))?,
        password_temporary_until: r.get::<Option<String>, _>("password_temporary_until").as_deref().map(time).transpose()?,
        totp_secret: r.get("totp_secret"),
        last_login: match (r.get::<Option<String>, _>("last_login_at"), r.get::<Option<String>, _>("last_login_method")) {
            (Some(at), Some(method)) => Some((time(&at)?, method)),
            _ => None,
        },
    })
}

pub fn invitation_row(r: &SqliteRow) -> Result<Invitation> {
    Ok(Invitation {
        id: r.get("id"),
        org_id: r.get("org_id"),
        org_code: r.get("org_code"),
        org_name: r.get("org_name"),
        user_id: r.get("user_id"),
        user_email: r.get("user_email"),
        role: parse_role(r.get("role"))?,
        invited_by: r.get("invited_by"),
        created_at: time(r.get("created_at"))?,
        expires_at: time(r.get("expires_at"))?,
    })
}

pub fn token_row(r: &SqliteRow) -> Result<TokenInfo> {
    Ok(TokenInfo {
        id: r.get("id"),
        org_id: r.get("org_id"),
        role: parse_role(r.get("role"))?,
        name: r.get("name"),
        created_at: time(r.get("created_at"))?,
        revoked: r.get::<Option<String>, _>("revoked_at").is_some(),
    })
}

pub fn record_row(r: &SqliteRow) -> Result<RecordMeta> {
    Ok(RecordMeta {
        id: id(r.get("id"))?,
        org_id: r.get("org_id"),
        created_at: time(r.get("created_at"))?,
        latest_version: r.get::<i64, _>("latest_version") as u32,
        latest_state: state(r.get("latest_state"))?,
        published_version: r.get::<Option<i64>, _>("published_version").map(|n| n as u32),
        released_by: r.get("released_by"),
    })
}

pub fn version_row(r: &SqliteRow) -> Result<Version> {
    Ok(Version {
        record: id(r.get("record_id"))?,
        number: r.get::<i64, _>("number") as u32,
        state: state(r.get("state"))?,
        standard_version: standard(r.get("standard_version"))?,
        content: from_json(r.get("content"))?,
        missing: from_json(r.get("missing"))?,
        provenance: r.get::<Option<String>, _>("provenance").as_deref().map(from_json).transpose()?,
        created_at: time(r.get("created_at"))?,
        created_by: r.get("created_by"),
        published_at: opt_time(r.get("published_at"))?,
    })
}

pub fn published_row(r: &SqliteRow) -> Result<PublishedVersion> {
    let published_at = time(r.get(7))?;
    Ok(PublishedVersion {
        record: id(r.get(0))?,
        org_code: r.get(1),
        number: r.get::<i64, _>(2) as u32,
        standard_version: standard(r.get(3))?,
        content: from_json(r.get(4))?,
        missing: from_json(r.get(5))?,
        provenance: r.get::<Option<String>, _>(6).as_deref().map(from_json).transpose()?,
        published_at,
        first_published_at: opt_time(r.get(8))?.unwrap_or(published_at),
        current: r.get(9),
    })
}

pub fn history_row(r: &SqliteRow) -> Result<HistoryEntry> {
    let a: String = r.get("action");
    Ok(HistoryEntry {
        action: Action::parse(&a).ok_or_else(|| bad("action", &a))?,
        version: r.get::<i64, _>("version") as u32,
        actor: r.get("actor"),
        reason: r.get("reason"),
        at: time(r.get("at"))?,
    })
}

pub fn workspace_row(r: &SqliteRow) -> Result<WorkspaceItem> {
    let content: algoreg_standard::Content = from_json(r.get(1))?;
    Ok(WorkspaceItem {
        id: id(r.get(0))?,
        name: content.name().to_string(),
        number: r.get::<i64, _>(2) as u32,
        state: state(r.get(3))?,
        standard_version: standard(r.get(4))?,
        missing: from_json(r.get(5))?,
        published_version: r.get::<Option<i64>, _>(6).map(|n| n as u32),
        updated_at: time(r.get(7))?,
    })
}

pub fn source_row(r: &SqliteRow) -> Result<Source> {
    let rejected: String = r.get("rejected");
    Ok(Source {
        id: r.get("id"),
        org_id: r.get("org_id"),
        org_code: r.get("org_code"),
        url: r.get("url"),
        created_at: time(r.get("created_at"))?,
        etag: r.get("etag"),
        last_modified: r.get("last_modified"),
        last_attempt_at: opt_time(r.get("last_attempt_at"))?,
        last_success_at: opt_time(r.get("last_success_at"))?,
        last_outcome: r.get::<Option<String>, _>("last_outcome").map(|s| code("outcome", &s, HarvestOutcome::parse)).transpose()?,
        last_error: r.get("last_error"),
        failures: r.get::<i64, _>("failures") as u32,
        next_due_at: opt_time(r.get("next_due_at"))?,
        records: r.get::<i64, _>("records") as u64,
        rejected: from_json(&rejected)?,
    })
}

pub fn source_record_row(r: &SqliteRow) -> Result<SourceRecord> {
    Ok(SourceRecord { record: id(r.get("record_id"))?, hash: r.get("content_hash"), missing: r.get::<i64, _>("missing") as u32 })
}

fn date(s: &str) -> Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad("date", s))
}

pub fn signal_row(r: &SqliteRow) -> Result<Signal> {
    Ok(Signal {
        id: r.get("id"),
        record: id(r.get("record_id"))?,
        org_id: r.get("org_id"),
        kind: code("signal kind", r.get("kind"), SignalKind::parse)?,
        text: r.get("text"),
        email: r.get("email"),
        status: code("signal status", r.get("status"), SignalStatus::parse)?,
        created_at: time(r.get("created_at"))?,
        due_at: time(r.get("due_at"))?,
        assigned_to: r.get("assigned_to"),
        answer: r.get("answer"),
        answer_public: r.get("answer_public"),
        answered_at: opt_time(r.get("answered_at"))?,
        answered_by: r.get("answered_by"),
        closed_at: opt_time(r.get("closed_at"))?,
        reminded_at: opt_time(r.get("reminded_at"))?,
        erased_at: opt_time(r.get("erased_at"))?,
    })
}

pub fn incident_row(r: &SqliteRow) -> Result<Incident> {
    Ok(Incident {
        id: r.get("id"),
        record: id(r.get("record_id"))?,
        deployer_org_id: r.get("deployer_org_id"),
        provider_name: r.get("provider_name"),
        provider_org_id: r.get("provider_org_id"),
        provider_email: r.get("provider_email"),
        class: code("incident class", r.get("class"), IncidentClass::parse)?,
        title: r.get("title"),
        what_happened: r.get("what_happened"),
        noticed_at: time(r.get("noticed_at"))?,
        people_affected: r.get("people_affected"),
        public: r.get("public"),
        public_summary: r.get("public_summary"),
        deadline_at: opt_time(r.get("deadline_at"))?,
        status: code("incident status", r.get("status"), IncidentStatus::parse)?,
        created_at: time(r.get("created_at"))?,
        created_by: r.get("created_by"),
    })
}

pub fn incident_event_row(r: &SqliteRow) -> Result<IncidentEvent> {
    Ok(IncidentEvent {
        at: time(r.get("at"))?,
        actor: r.get("actor"),
        kind: code("incident step", r.get("kind"), IncidentEventKind::parse)?,
        text: r.get("text"),
    })
}

pub fn evaluation_plan_row(r: &SqliteRow) -> Result<EvaluationPlan> {
    let reminded: Option<String> = r.get("reminded_for");
    Ok(EvaluationPlan {
        record: id(r.get("record_id"))?,
        interval_months: r.get::<i64, _>("interval_months") as u32,
        next_due: date(r.get("next_due"))?,
        reminded_for: reminded.as_deref().map(date).transpose()?,
        updated_at: time(r.get("updated_at"))?,
        updated_by: r.get("updated_by"),
    })
}

pub fn evaluation_row(r: &SqliteRow) -> Result<Evaluation> {
    Ok(Evaluation {
        id: r.get("id"),
        record: id(r.get("record_id"))?,
        date: date(r.get("date"))?,
        by_whom: r.get("by_whom"),
        findings: r.get("findings"),
        report_url: r.get("report_url"),
        created_at: time(r.get("created_at"))?,
        created_by: r.get("created_by"),
    })
}

pub fn mail_row(r: &SqliteRow) -> Result<Mail> {
    Ok(Mail {
        id: r.get("id"),
        to: r.get("to_addr"),
        subject: r.get("subject"),
        body: r.get("body"),
        attempts: r.get::<i64, _>("attempts") as u32,
    })
}

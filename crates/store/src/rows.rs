//! Row decoding shared by every SQL backend: each backend reads its columns through [`Columns`] (how
//! it keeps text, integers, flags, times and dates), and these functions build the models. A value the
//! schema does not allow is a backend error, never a panic.

use crate::*;
use algoreg_domain::audit::AuditKind;
use algoreg_domain::federation::HarvestOutcome;
use algoreg_domain::feedback::{IncidentClass, IncidentEventKind, SignalKind};
use algoreg_domain::org::{OrgType, PublicationFlow};
use algoreg_domain::workflow::{Action, VersionState};
use algoreg_standard::StandardVersion;
use chrono::{DateTime, NaiveDate, Utc};

/// A column by name, or by position in the select list.
#[derive(Clone, Copy, Debug)]
pub enum Col<'a> {
    Name(&'a str),
    At(usize),
}

impl<'a> From<&'a str> for Col<'a> {
    fn from(s: &'a str) -> Self {
        Col::Name(s)
    }
}

impl From<usize> for Col<'static> {
    fn from(i: usize) -> Self {
        Col::At(i)
    }
}

/// How a backend reads the columns of a row (errors are [`StoreError::Backend`] naming the column).
pub trait Columns {
    fn text(&self, c: Col) -> Result<String>;
    fn opt_text(&self, c: Col) -> Result<Option<String>>;
    fn int(&self, c: Col) -> Result<i64>;
    fn opt_int(&self, c: Col) -> Result<Option<i64>>;
    fn flag(&self, c: Col) -> Result<bool>;
    fn time(&self, c: Col) -> Result<DateTime<Utc>>;
    fn opt_time(&self, c: Col) -> Result<Option<DateTime<Utc>>>;
    fn date(&self, c: Col) -> Result<NaiveDate>;
    fn opt_date(&self, c: Col) -> Result<Option<NaiveDate>>;
}

/// The error of a column that cannot be read as what the schema says.
pub fn column_error(c: Col, e: impl std::fmt::Display) -> StoreError {
    match c {
        Col::Name(n) => StoreError::Backend(format!("column {n}: {e}")),
        Col::At(i) => StoreError::Backend(format!("column {i}: {e}")),
    }
}

fn bad(what: &str, v: &str) -> StoreError {
    StoreError::Backend(format!("unexpected {what} in database: {v:?}"))
}

/// A value as JSON text (what the backends store).
pub fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// JSON text read back.
pub fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Backend(format!("bad JSON in database: {e}")))
}

/// A code column decoded into its domain enum.
pub fn code<T>(what: &str, s: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    parse(s).ok_or_else(|| bad(what, s))
}

pub fn parse_role(s: &str) -> Result<Role> {
    code("role", s, Role::parse)
}

fn id(s: &str) -> Result<AlgorithmId> {
    AlgorithmId::parse(s).map_err(|_| bad("algorithm id", s))
}

fn count<R: Columns + ?Sized>(r: &R, c: &str) -> Result<u32> {
    let n = r.int(c.into())?;
    u32::try_from(n).map_err(|_| bad(c, &n.to_string()))
}

/// The typed readers every decoder uses.
trait Read: Columns {
    fn s(&self, c: &str) -> Result<String> {
        self.text(c.into())
    }
    fn os(&self, c: &str) -> Result<Option<String>> {
        self.opt_text(c.into())
    }
    fn t(&self, c: &str) -> Result<DateTime<Utc>> {
        self.time(c.into())
    }
    fn ot(&self, c: &str) -> Result<Option<DateTime<Utc>>> {
        self.opt_time(c.into())
    }
    fn org(&self, c: &str) -> Result<OrgId> {
        Ok(OrgId(self.int(c.into())?))
    }
    fn user(&self, c: &str) -> Result<UserId> {
        Ok(UserId(self.int(c.into())?))
    }
    fn record(&self, c: &str) -> Result<AlgorithmId> {
        id(&self.s(c)?)
    }
    fn state(&self, c: &str) -> Result<VersionState> {
        code("state", &self.s(c)?, VersionState::parse)
    }
    fn standard(&self, c: &str) -> Result<StandardVersion> {
        code("standard version", &self.s(c)?, StandardVersion::parse)
    }
}

impl<R: Columns + ?Sized> Read for R {}

pub fn org_row<R: Columns + ?Sized>(r: &R) -> Result<Organisation> {
    Ok(Organisation {
        id: r.org("id")?,
        code: r.s("code")?,
        name: r.s("name")?,
        org_type: code("organisation type", &r.s("org_type")?, OrgType::parse)?,
        tooi: r.os("tooi")?,
        relations: OrgRelations { short_name: r.os("short_name")?, parent: r.os("parent_code")?, ministry: r.os("ministry_code")? },
        flow: code("flow", &r.s("flow")?, PublicationFlow::parse)?,
        about: r.os("about")?,
        contact: r.os("contact")?,
        created_at: r.t("created_at")?,
        require_second_factor: r.flag("require_second_factor".into())?,
        require_sso: r.flag("require_sso".into())?,
    })
}

pub fn user_row<R: Columns + ?Sized>(r: &R) -> Result<User> {
    Ok(User {
        id: r.user("id")?,
        email: r.s("email")?,
        name: r.s("name")?,
        password_hash: r.s("password_hash")?,
        central_operator: r.flag("central_operator".into())?,
        supervisor: r.flag("supervisor".into())?,
        created_at: r.t("created_at")?,
        password_temporary_until: r.ot("password_temporary_until")?,
        password_by_admin: r.flag("password_by_admin".into())?,
        totp_secret: r.os("totp_secret")?,
        totp_failures: u32::try_from(r.int("totp_failures".into())?).unwrap_or(u32::MAX),
        last_login: match (r.ot("last_login_at")?, r.os("last_login_method")?) {
            (Some(at), Some(method)) => Some((at, method)),
            _ => None,
        },
    })
}

pub fn invitation_row<R: Columns + ?Sized>(r: &R) -> Result<Invitation> {
    Ok(Invitation {
        id: r.int("id".into())?,
        org_id: r.org("org_id")?,
        org_code: r.s("org_code")?,
        org_name: r.s("org_name")?,
        user_id: r.user("user_id")?,
        user_email: r.s("user_email")?,
        role: parse_role(&r.s("role")?)?,
        invited_by: r.opt_int("invited_by".into())?.map(UserId),
        created_at: r.t("created_at")?,
        expires_at: r.t("expires_at")?,
    })
}

pub fn token_row<R: Columns + ?Sized>(r: &R) -> Result<TokenInfo> {
    Ok(TokenInfo {
        id: r.int("id".into())?,
        org_id: r.org("org_id")?,
        role: parse_role(&r.s("role")?)?,
        name: r.s("name")?,
        created_by: r.opt_int("created_by".into())?.map(UserId),
        created_at: r.t("created_at")?,
        revoked: r.ot("revoked_at")?.is_some(),
    })
}

pub fn record_row<R: Columns + ?Sized>(r: &R) -> Result<RecordMeta> {
    Ok(RecordMeta {
        id: r.record("id")?,
        org_id: r.org("org_id")?,
        created_at: r.t("created_at")?,
        latest_version: count(r, "latest_version")?,
        latest_state: r.state("latest_state")?,
        published_version: r.opt_int("published_version".into())?.map(|n| n as u32),
        released_by: r.os("released_by")?,
    })
}

pub fn version_row<R: Columns + ?Sized>(r: &R) -> Result<Version> {
    Ok(Version {
        record: r.record("record_id")?,
        number: count(r, "number")?,
        state: r.state("state")?,
        standard_version: r.standard("standard_version")?,
        content: from_json(&r.s("content")?)?,
        missing: from_json(&r.s("missing")?)?,
        provenance: r.os("provenance")?.as_deref().map(from_json).transpose()?,
        created_at: r.t("created_at")?,
        created_by: r.s("created_by")?,
        published_at: r.ot("published_at")?,
    })
}

/// The columns [`published_row`] reads, from `records r`, `versions v` and `organisations o`.
pub const PUBLISHED_COLS: &str = "r.id AS record_id, o.code AS org_code, o.tooi AS org_tooi, v.number, v.standard_version, v.content, v.missing, v.provenance, v.published_at, r.first_published_at, (v.number = r.published_version) AS current";

pub fn published_row<R: Columns + ?Sized>(r: &R) -> Result<PublishedVersion> {
    let published_at = r.t("published_at")?;
    Ok(PublishedVersion {
        record: r.record("record_id")?,
        org_code: r.s("org_code")?,
        org_tooi: r.os("org_tooi")?,
        number: count(r, "number")?,
        standard_version: r.standard("standard_version")?,
        content: from_json(&r.s("content")?)?,
        missing: from_json(&r.s("missing")?)?,
        provenance: r.os("provenance")?.as_deref().map(from_json).transpose()?,
        published_at,
        first_published_at: r.ot("first_published_at")?.unwrap_or(published_at),
        current: r.flag("current".into())?,
    })
}

pub fn history_row<R: Columns + ?Sized>(r: &R) -> Result<HistoryEntry> {
    Ok(HistoryEntry {
        action: code("action", &r.s("action")?, Action::parse)?,
        version: count(r, "version")?,
        actor: r.s("actor")?,
        reason: r.os("reason")?,
        at: r.t("at")?,
    })
}

/// The columns [`workspace_row`] reads, from `records r` and its latest version `v`.
pub const WORKSPACE_COLS: &str =
    "r.id, v.content, v.number, v.state, v.standard_version, v.missing, r.published_version, v.created_at, r.org_id";

pub fn workspace_row<R: Columns + ?Sized>(r: &R) -> Result<WorkspaceItem> {
    let content: algoreg_standard::Content = from_json(&r.s("content")?)?;
    Ok(WorkspaceItem {
        id: r.record("id")?,
        name: content.name().to_string(),
        number: count(r, "number")?,
        state: r.state("state")?,
        standard_version: r.standard("standard_version")?,
        missing: from_json(&r.s("missing")?)?,
        published_version: r.opt_int("published_version".into())?.map(|n| n as u32),
        updated_at: r.t("created_at")?,
    })
}

pub fn source_row<R: Columns + ?Sized>(r: &R) -> Result<Source> {
    Ok(Source {
        id: r.int("id".into())?,
        org_id: r.org("org_id")?,
        org_code: r.s("org_code")?,
        url: r.s("url")?,
        created_at: r.t("created_at")?,
        etag: r.os("etag")?,
        last_modified: r.os("last_modified")?,
        last_attempt_at: r.ot("last_attempt_at")?,
        last_success_at: r.ot("last_success_at")?,
        last_outcome: r.os("last_outcome")?.map(|s| code("outcome", &s, HarvestOutcome::parse)).transpose()?,
        last_error: r.os("last_error")?,
        failures: count(r, "failures")?,
        next_due_at: r.ot("next_due_at")?,
        records: r.int("records".into())?.max(0) as u64,
        rejected: from_json(&r.s("rejected")?)?,
        oai_url: r.os("oai_url")?,
    })
}

pub fn source_record_row<R: Columns + ?Sized>(r: &R) -> Result<SourceRecord> {
    Ok(SourceRecord { record: r.record("record_id")?, hash: r.s("content_hash")?, missing: count(r, "missing")? })
}

pub fn signal_row<R: Columns + ?Sized>(r: &R) -> Result<Signal> {
    Ok(Signal {
        id: r.int("id".into())?,
        record: r.record("record_id")?,
        org_id: r.org("org_id")?,
        kind: code("signal kind", &r.s("kind")?, SignalKind::parse)?,
        text: r.os("text")?,
        email: r.os("email")?,
        status: code("signal status", &r.s("status")?, SignalStatus::parse)?,
        created_at: r.t("created_at")?,
        due_at: r.t("due_at")?,
        assigned_to: r.opt_int("assigned_to".into())?.map(UserId),
        answer: r.os("answer")?,
        answer_public: r.flag("answer_public".into())?,
        answered_at: r.ot("answered_at")?,
        answered_by: r.os("answered_by")?,
        closed_at: r.ot("closed_at")?,
        reminded_at: r.ot("reminded_at")?,
        erased_at: r.ot("erased_at")?,
    })
}

pub fn incident_row<R: Columns + ?Sized>(r: &R) -> Result<Incident> {
    Ok(Incident {
        id: r.int("id".into())?,
        record: r.record("record_id")?,
        deployer_org_id: r.org("deployer_org_id")?,
        provider_name: r.s("provider_name")?,
        provider_org_id: r.opt_int("provider_org_id".into())?.map(OrgId),
        provider_email: r.os("provider_email")?,
        class: code("incident class", &r.s("class")?, IncidentClass::parse)?,
        title: r.s("title")?,
        what_happened: r.s("what_happened")?,
        noticed_at: r.t("noticed_at")?,
        people_affected: r.opt_int("people_affected".into())?,
        public: r.flag("public".into())?,
        public_summary: r.os("public_summary")?,
        deadline_at: r.ot("deadline_at")?,
        status: code("incident status", &r.s("status")?, IncidentStatus::parse)?,
        created_at: r.t("created_at")?,
        created_by: r.s("created_by")?,
    })
}

pub fn incident_event_row<R: Columns + ?Sized>(r: &R) -> Result<IncidentEvent> {
    Ok(IncidentEvent {
        at: r.t("at")?,
        actor: r.s("actor")?,
        kind: code("incident step", &r.s("kind")?, IncidentEventKind::parse)?,
        text: r.os("text")?,
    })
}

pub fn evaluation_plan_row<R: Columns + ?Sized>(r: &R) -> Result<EvaluationPlan> {
    Ok(EvaluationPlan {
        record: r.record("record_id")?,
        interval_months: count(r, "interval_months")?,
        next_due: r.date("next_due".into())?,
        reminded_for: r.opt_date("reminded_for".into())?,
        updated_at: r.t("updated_at")?,
        updated_by: r.s("updated_by")?,
    })
}

pub fn evaluation_row<R: Columns + ?Sized>(r: &R) -> Result<Evaluation> {
    Ok(Evaluation {
        id: r.int("id".into())?,
        record: r.record("record_id")?,
        date: r.date("date".into())?,
        by_whom: r.s("by_whom")?,
        findings: r.s("findings")?,
        report_url: r.os("report_url")?,
        created_at: r.t("created_at")?,
        created_by: r.s("created_by")?,
    })
}

pub fn mail_row<R: Columns + ?Sized>(r: &R) -> Result<Mail> {
    Ok(Mail {
        id: r.int("id".into())?,
        to: r.s("to_addr")?,
        subject: r.s("subject")?,
        body: r.s("body")?,
        unsubscribe: r.opt_text("unsubscribe".into())?,
        attempts: count(r, "attempts")?,
    })
}

pub fn audit_row<R: Columns + ?Sized>(r: &R) -> Result<AuditEvent> {
    Ok(AuditEvent {
        id: r.int("id".into())?,
        at: r.t("at")?,
        kind: code("audit kind", &r.s("kind")?, AuditKind::parse)?,
        org_id: r.opt_int("org_id".into())?.map(OrgId),
        subject_user: r.opt_int("subject_user".into())?.map(UserId),
        actor: r.s("actor")?,
        actor_name: r.s("actor_name")?,
        detail: r.s("detail")?,
        source: r.os("source")?,
    })
}

pub fn signing_key_row<R: Columns + ?Sized>(r: &R) -> Result<SigningKey> {
    Ok(SigningKey { kid: r.s("kid")?, private_pkcs8: r.s("private_key")?, public_x: r.s("public_key")?, created_at: r.t("created_at")? })
}

pub fn subject_pin_row<R: Columns + ?Sized>(r: &R) -> Result<SubjectPin> {
    Ok(SubjectPin { issuer: r.s("issuer")?, subject: r.s("subject")?, user_id: r.user("user_id")?, created_at: r.t("created_at")? })
}

pub fn passkey_row<R: Columns + ?Sized>(r: &R) -> Result<Passkey> {
    Ok(Passkey {
        id: r.int("id".into())?,
        user_id: r.user("user_id")?,
        credential_id: r.s("credential_id")?,
        public_key: r.s("public_key")?,
        sign_count: count(r, "sign_count")?,
        name: r.s("name")?,
        created_at: r.t("created_at")?,
        last_used_at: r.ot("last_used_at")?,
    })
}

pub fn ceremony_row<R: Columns + ?Sized>(r: &R) -> Result<Ceremony> {
    Ok(Ceremony {
        kind: r.s("kind")?,
        user_id: r.opt_int("user_id".into())?.map(UserId),
        challenge: r.s("challenge")?,
        expires_at: r.t("expires_at")?,
    })
}

pub fn template_row<R: Columns + ?Sized>(r: &R) -> Result<Template> {
    Ok(Template { id: r.int("id".into())?, name: r.s("name")?, source: r.s("source")?, content: from_json(&r.s("content")?)? })
}

pub fn classification_row<R: Columns + ?Sized>(r: &R) -> Result<Classification> {
    Ok(Classification {
        record: r.record("record_id")?,
        version: count(r, "version")?,
        tree: r.s("tree")?,
        tree_version: r.s("tree_version")?,
        answers: from_json(&r.s("answers")?)?,
        labels: from_json(&r.s("labels")?)?,
        conclusion_id: r.s("conclusion_id")?,
        conclusion: r.s("conclusion")?,
        obligation: r.s("obligation")?,
        created_at: r.t("created_at")?,
        created_by: r.s("created_by")?,
    })
}

pub fn compliance_row<R: Columns + ?Sized>(r: &R) -> Result<ComplianceEntry> {
    Ok(ComplianceEntry {
        urn: r.s("urn")?,
        status: code("compliance status", &r.s("status")?, algoreg_domain::aiact::ComplianceStatus::parse)?,
        reason: r.os("reason")?,
        evidence: from_json(&r.s("evidence")?)?,
        updated_at: r.t("updated_at")?,
        updated_by: r.s("updated_by")?,
    })
}

/// How many hex digits of a session's hash make its ID (what a person sees of their sessions).
pub const SESSION_ID_LEN: usize = 16;

/// A session as its owner sees it, from `hash, created_at, expires_at`.
pub fn session_info_row<R: Columns + ?Sized>(r: &R) -> Result<SessionInfo> {
    Ok(SessionInfo {
        id: r.s("hash")?.chars().take(SESSION_ID_LEN).collect(),
        created_at: r.t("created_at")?,
        expires_at: r.t("expires_at")?,
    })
}

/// (received, due, answered) of a signal, from `created_at, due_at, answered_at`.
pub type SignalTimes = (DateTime<Utc>, DateTime<Utc>, Option<DateTime<Utc>>);

pub fn signal_times_row<R: Columns + ?Sized>(r: &R) -> Result<SignalTimes> {
    Ok((r.t("created_at")?, r.t("due_at")?, r.ot("answered_at")?))
}

/// A publication log entry, from `idx, record_id, version, event, content_hash, at`.
pub fn log_entry_row<R: Columns + ?Sized>(r: &R) -> Result<LogEntry> {
    Ok(LogEntry {
        index: r.int(Col::Name("idx"))? as u64,
        record: r.record("record_id")?,
        version: r.int(Col::Name("version"))? as u32,
        event: r.s("event")?,
        content_hash: r.s("content_hash")?,
        at: r.t("at")?,
    })
}

/// A record's latest public change, from `id, record_id, at` of the outbox.
pub fn public_change_row<R: Columns + ?Sized>(r: &R) -> Result<PublicChange> {
    Ok(PublicChange { position: r.int(Col::Name("id"))?, record: r.record("record_id")?, at: r.t("at")? })
}

/// The time of `at`, if there is one (an aggregate such as `MAX(at) AS at`).
pub fn last_change_row<R: Columns + ?Sized>(r: &R) -> Result<Option<DateTime<Utc>>> {
    r.ot("at")
}

/// (failures, last failure) from `failures, last_at`.
pub fn login_failure_row<R: Columns + ?Sized>(r: &R) -> Result<(u32, DateTime<Utc>)> {
    Ok((count(r, "failures")?, r.t("last_at")?))
}

/// A row of a [`crate::copy::Table`], read column by column as its kinds say.
pub fn copy_row<R: Columns + ?Sized>(r: &R, table: &crate::copy::Table) -> Result<Vec<crate::copy::Cell>> {
    use crate::copy::{Cell, Kind};
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, (_, kind))| {
            let c = Col::At(i);
            Ok(match kind {
                Kind::Int => r.opt_int(c)?.map_or(Cell::Null, Cell::Int),
                Kind::Text => r.opt_text(c)?.map_or(Cell::Null, Cell::Text),
                Kind::Time => r.opt_time(c)?.map_or(Cell::Null, Cell::Time),
                Kind::Bool => Cell::Bool(r.flag(c)?),
                Kind::Date => r.opt_date(c)?.map_or(Cell::Null, Cell::Date),
            })
        })
        .collect()
}

pub fn link_check_row<R: Columns + ?Sized>(r: &R) -> Result<LinkCheck> {
    Ok(LinkCheck {
        url: r.s("url")?,
        outcome: code("outcome", &r.s("outcome")?, algoreg_domain::quality::LinkOutcome::parse)?,
        http_status: r.opt_int("http_status".into())?.and_then(|s| u16::try_from(s).ok()),
        detail: r.s("detail")?,
        checked_at: r.t("checked_at")?,
    })
}

pub fn link_acceptance_row<R: Columns + ?Sized>(r: &R) -> Result<LinkAcceptance> {
    Ok(LinkAcceptance { url: r.s("url")?, reason: r.s("reason")?, by: r.s("accepted_by")?, at: r.t("accepted_at")? })
}

pub fn confirmation_row<R: Columns + ?Sized>(r: &R) -> Result<(AlgorithmId, DateTime<Utc>)> {
    Ok((r.record("record_id")?, r.t("confirmed_at")?))
}

pub fn alert_confirmed_row<R: Columns + ?Sized>(r: &R) -> Result<Option<DateTime<Utc>>> {
    r.opt_time("confirmed_at".into())
}

pub fn alert_row<R: Columns + ?Sized>(r: &R) -> Result<Alert> {
    Ok(Alert {
        id: r.s("id")?,
        email: r.s("email")?,
        search: r.s("search")?,
        frequency: code("alert frequency", &r.s("frequency")?, algoreg_domain::alerts::Frequency::parse)?,
        lang: r.s("lang")?,
        created_at: r.t("created_at")?,
        confirmed_at: r.opt_time("confirmed_at".into())?,
        sent_until: r.opt_time("sent_until".into())?,
    })
}

pub fn review_reminder_row<R: Columns + ?Sized>(r: &R) -> Result<(AlgorithmId, chrono::NaiveDate)> {
    Ok((r.record("record_id")?, r.date("reminded_for".into())?))
}

use algoreg_domain::aiact::ComplianceStatus;
use algoreg_domain::audit::AuditKind;
use algoreg_domain::federation::HarvestOutcome;
use algoreg_domain::feedback::{IncidentClass, IncidentEventKind, IncidentStatus, SignalKind, SignalStatus};
use algoreg_domain::ids::{OrgId, UserId};
use algoreg_domain::org::{OrgType, PublicationFlow, Role};
use algoreg_domain::workflow::{Action, VersionState};
use algoreg_standard::{AlgorithmId, Content, StandardVersion};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewOrganisation {
    pub code: String,
    pub name: String,
    pub org_type: OrgType,
    pub tooi: Option<String>,
    pub relations: OrgRelations,
    pub flow: PublicationFlow,
    pub about: Option<String>,
    pub contact: Option<String>,
}

/// What the government's organisation register says of an organisation besides its name and type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgRelations {
    /// Its abbreviation (`UWV`).
    pub short_name: Option<String>,
    /// The code of the organisation it is part of.
    pub parent: Option<String>,
    /// The code of the ministry it belongs to.
    pub ministry: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: OrgId,
    pub code: String,
    pub name: String,
    pub org_type: OrgType,
    pub tooi: Option<String>,
    #[serde(default)]
    pub relations: OrgRelations,
    pub flow: PublicationFlow,
    pub about: Option<String>,
    pub contact: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Whether its members must log in with a second factor.
    pub require_second_factor: bool,
    /// Whether its members' roles count only when they logged in through an identity provider (SSO).
    pub require_sso: bool,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub central_operator: bool,
    /// Set for a temporary password: it must be changed at first use and stops working then.
    pub password_temporary_until: Option<DateTime<Utc>>,
}

#[derive(Clone)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub central_operator: bool,
    /// Reads across every organisation (the supervision view), changes nothing.
    pub supervisor: bool,
    pub created_at: DateTime<Utc>,
    /// Set while the password is a temporary one: it must be changed, and stops working at this time.
    pub password_temporary_until: Option<DateTime<Utc>>,
    /// An admin set the password (a new account's, or a reset), and the holder has not since chosen one
    /// through a link sent to the mailbox: the admin may know it.
    pub password_by_admin: bool,
    /// When and how ([`LoginMethod`] code) the account last logged in.
    pub last_login: Option<(DateTime<Utc>, String)>,
    /// The TOTP secret (base32) when the account has a second factor.
    pub totp_secret: Option<String>,
    /// Authenticator-app codes tried since the last right one (or recovery code, or password the holder chose).
    pub totp_failures: u32,
}

/// Who sets a password, which decides what the account may do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordSet {
    /// An admin, for a temporary password that works until this time: it must be changed, and until
    /// the holder chooses one through a link sent to the mailbox the account counts as
    /// [`User::password_by_admin`].
    ByAdmin(DateTime<Utc>),
    /// The holder, logged in with the one before (what [`User::password_by_admin`] said stays).
    ByHolder,
    /// Nobody knows it: no password to use (the account logs in through its organisation's identity
    /// provider).
    Unusable,
}

/// One of a person's open sessions: its ID is the start of the hash of its secret (the secret itself is
/// never stored).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionInfo {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// An invitation to make: who joins which organisation in which role, until when.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub org_id: OrgId,
    pub user_id: UserId,
    pub role: Role,
    pub invited_by: Option<UserId>,
    pub expires_at: DateTime<Utc>,
}

/// An invitation to join an organisation, waiting for the account holder's consent.
#[derive(Debug, Clone, PartialEq)]
pub struct Invitation {
    pub id: i64,
    pub org_id: OrgId,
    pub org_code: String,
    pub org_name: String,
    pub user_id: UserId,
    pub user_email: String,
    pub role: Role,
    pub invited_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("password_hash", &"<redacted>")
            .field("totp_secret", &self.totp_secret.as_ref().map(|_| "<redacted>"))
            .field("central_operator", &self.central_operator)
            .field("supervisor", &self.supervisor)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    pub org_id: OrgId,
    pub role: Role,
    /// Whether the organisation requires a second factor.
    pub second_factor_required: bool,
    /// Whether the organisation requires login through an identity provider (SSO).
    pub sso_required: bool,
}

#[derive(Clone)]
pub struct NewToken {
    pub org_id: OrgId,
    pub role: Role,
    pub name: String,
    /// SHA-256 of the secret, hex.
    pub hash: String,
    pub created_by: Option<UserId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TokenInfo {
    pub id: i64,
    pub org_id: OrgId,
    pub role: Role,
    pub name: String,
    /// The person who made it (none: made on the command line, or that account is gone).
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub revoked: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordMeta {
    pub id: AlgorithmId,
    pub org_id: OrgId,
    pub created_at: DateTime<Utc>,
    pub latest_version: u32,
    pub latest_state: VersionState,
    pub published_version: Option<u32>,
    /// Principal key of who released the latest version.
    pub released_by: Option<String>,
}

/// Content plus where it came from, for a new version.
#[derive(Debug, Clone)]
pub struct NewVersion {
    pub standard_version: StandardVersion,
    pub content: Content,
    pub state: VersionState,
    /// Required fields that are empty (imports of records published elsewhere may lack them).
    pub missing: Vec<String>,
    /// Where it came from when not typed in here (import file, harvest source), as JSON.
    pub provenance: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

#[derive(Debug, Clone)]
pub struct NewHistory {
    pub action: Action,
    pub version: u32,
    pub actor: String,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

/// A workflow step to apply atomically.
#[derive(Debug, Clone)]
pub struct Change {
    pub record: AlgorithmId,
    pub expected_latest: u32,
    /// The state the latest version must still be in (the plan was made from it); none: not checked.
    pub expected_state: Option<VersionState>,
    pub new_version: Option<NewVersion>,
    pub state_changes: Vec<(u32, VersionState)>,
    pub publishes: Option<u32>,
    pub unpublishes: bool,
    /// A retracted version: marked withdrawn, so it leaves the public history for good (its publication
    /// stays on record, for the publication log); publishing it again takes the mark away.
    pub withdraws: Option<u32>,
    /// Set on release: who released (for four eyes).
    pub released_by: Option<String>,
    pub history: NewHistory,
}

impl Change {
    /// A workflow step as `algoreg_domain::workflow::plan` planned it: its state changes, publication,
    /// retraction; who released is set apart (on a release).
    pub fn planned(
        record: AlgorithmId,
        expected_latest: u32,
        plan: algoreg_domain::workflow::Plan,
        new_version: Option<NewVersion>,
        history: NewHistory,
    ) -> Change {
        Change {
            record,
            expected_latest,
            expected_state: None,
            new_version,
            state_changes: plan.changes,
            publishes: plan.publishes,
            unpublishes: plan.unpublishes,
            withdraws: plan.withdraws,
            released_by: None,
            history,
        }
    }

    /// The same change, made only while the latest version is still in `state` (else `Stale`).
    pub fn expecting(self, state: VersionState) -> Change {
        Change { expected_state: Some(state), ..self }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Version {
    pub record: AlgorithmId,
    pub number: u32,
    pub state: VersionState,
    pub standard_version: StandardVersion,
    pub content: Content,
    pub missing: Vec<String>,
    pub provenance: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub published_at: Option<DateTime<Utc>>,
}

/// A version as the public sees it, with its organisation's code.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedVersion {
    pub record: AlgorithmId,
    pub org_code: String,
    /// The organisation's identifier in the government's list of organisations (TOOI), if known.
    pub org_tooi: Option<String>,
    pub number: u32,
    pub standard_version: StandardVersion,
    pub content: Content,
    pub missing: Vec<String>,
    pub provenance: Option<serde_json::Value>,
    pub published_at: DateTime<Utc>,
    /// When the record first became public.
    pub first_published_at: DateTime<Utc>,
    pub current: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub action: Action,
    pub version: u32,
    pub actor: String,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub offset: u64,
    pub limit: u64,
    pub org_code: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub total: u64,
    pub items: Vec<T>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WorkspaceItem {
    pub id: AlgorithmId,
    pub name: String,
    pub number: u32,
    pub state: VersionState,
    pub standard_version: StandardVersion,
    pub missing: Vec<String>,
    pub published_version: Option<u32>,
    pub updated_at: DateTime<Utc>,
}

/// A record published elsewhere, taken in with all its published versions (oldest first).
#[derive(Debug, Clone)]
pub struct ImportRecord {
    pub id: AlgorithmId,
    pub org_id: OrgId,
    pub versions: Vec<NewVersion>,
    /// Published (the last version public) or a draft (one version, not public).
    pub published: bool,
}

/// A new record in an import stream ([`crate::Store::import_stream`]): like [`ImportRecord`], with its
/// organisation named by code, so that it may be one the same stream creates.
#[derive(Debug, Clone)]
pub struct StreamRecord {
    pub id: AlgorithmId,
    pub org: String,
    /// Oldest first; the last one is published when `published`, else a draft.
    pub versions: Vec<StreamVersion>,
    pub published: bool,
}

/// A version in an import stream: its content already checked and written as JSON text (by the
/// threads that check, so the store only stores it).
#[derive(Debug, Clone)]
pub struct StreamVersion {
    pub standard_version: StandardVersion,
    /// The content as JSON text (a JSON object).
    pub content: String,
    pub missing: Vec<String>,
    pub provenance: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// What goes through an import stream: batches of records, then `End`. A stream that stops without
/// `End` (the sender failed) is rolled back.
#[derive(Debug)]
pub enum ImportMsg {
    Batch {
        /// Organisations to create before this batch's records (codes the store does not hold yet).
        organisations: Vec<NewOrganisation>,
        records: Vec<StreamRecord>,
    },
    End,
}

/// The result of an import stream.
#[derive(Debug, Default)]
pub struct StreamOutcome {
    /// New records written.
    pub inserted: usize,
    /// Records whose ID the store held already: not written, handed back with what the store has.
    pub existing: Vec<(RecordMeta, StreamRecord)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Template {
    pub id: i64,
    pub name: String,
    pub source: String,
    pub content: Content,
}

/// The outcome of the AI Act decision tree for a record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Classification {
    pub record: AlgorithmId,
    /// The record's version this classification was made for.
    pub version: u32,
    pub tree: String,
    pub tree_version: String,
    /// The answers given, as (question ID, answer index).
    pub answers: Vec<(String, usize)>,
    pub labels: Vec<String>,
    pub conclusion_id: String,
    pub conclusion: String,
    pub obligation: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// Where a record stands with one requirement.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ComplianceEntry {
    pub urn: String,
    pub status: ComplianceStatus,
    /// Why a requirement does not apply (required for not_applicable).
    pub reason: Option<String>,
    /// Links to evidence (reports, assessments).
    pub evidence: Vec<String>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// A feed of another register that this register harvests, bound to one organisation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Source {
    pub id: i64,
    pub org_id: OrgId,
    pub org_code: String,
    pub url: String,
    pub created_at: DateTime<Utc>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_outcome: Option<HarvestOutcome>,
    /// The last failure in plain words (Dutch / English); cleared by a success.
    pub last_error: Option<String>,
    /// Failed attempts in a row.
    pub failures: u32,
    pub next_due_at: Option<DateTime<Utc>>,
    /// Records the feed held at the last successful harvest.
    pub records: u64,
    /// Records refused at the last successful harvest, with the reasons per field.
    pub rejected: Vec<SourceRejection>,
    /// The OAI-PMH address the feed was found to offer (its `Link` header), harvested from then on.
    pub oai_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SourceRejection {
    pub id: Option<String>,
    pub name: Option<String>,
    pub reasons: Vec<String>,
}

/// What a source delivered of one record: its content hash and how many successful harvests in a
/// row it has been missing.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRecord {
    pub record: AlgorithmId,
    pub hash: String,
    pub missing: u32,
}

/// An attempt that changes no record: a failure or an unchanged feed (304).
#[derive(Debug, Clone)]
pub struct SourceAttempt {
    pub source_id: i64,
    pub at: DateTime<Utc>,
    /// None for an unchanged feed (a success).
    pub error: Option<String>,
    pub next_due_at: DateTime<Utc>,
}

/// A successful harvest of one source, written in one transaction: new records, new versions,
/// retractions, what the source delivered and its health.
#[derive(Debug, Clone, Default)]
pub struct HarvestCommit {
    pub source_id: i64,
    /// `Changed`, or `NotModified` when only missing counts moved (the feed answered 304).
    pub outcome: HarvestOutcome,
    pub at: DateTime<Utc>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The OAI-PMH address to harvest next time, or none for the source's own address.
    pub oai_url: Option<String>,
    pub next_due_at: DateTime<Utc>,
    pub records: u64,
    pub rejected: Vec<SourceRejection>,
    pub fresh: Vec<ImportRecord>,
    pub changes: Vec<Change>,
    /// The complete new list of what this source delivered (replaces the old one).
    pub tracked: Vec<SourceRecord>,
    /// Keys of origins first seen in this harvest, as (name, key): kept with it, in its transaction.
    /// When another key was kept for one of them meanwhile, the commit is `Stale` and writes nothing.
    pub origin_keys: Vec<(String, String)>,
}

/// A citizen's signal on a published registration.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Signal {
    pub id: i64,
    pub record: AlgorithmId,
    pub org_id: OrgId,
    pub kind: SignalKind,
    /// Erased after the retention period unless it was answered in public.
    pub text: Option<String>,
    /// Erased after the retention period.
    pub email: Option<String>,
    pub status: SignalStatus,
    pub created_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub assigned_to: Option<UserId>,
    pub answer: Option<String>,
    pub answer_public: bool,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_by: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub reminded_at: Option<DateTime<Utc>>,
    pub erased_at: Option<DateTime<Utc>>,
}

impl Signal {
    /// Waiting for an answer: neither answered nor closed.
    pub fn is_open(&self) -> bool {
        self.answered_at.is_none() && self.closed_at.is_none()
    }
    /// Open past its answer term.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        algoreg_domain::feedback::signal_overdue(self.due_at, self.answered_at.is_some(), self.closed_at.is_some(), now)
    }
}

#[derive(Debug, Clone)]
pub struct NewSignal {
    pub code_hash: String,
    pub record: AlgorithmId,
    pub org_id: OrgId,
    pub kind: SignalKind,
    pub text: String,
    pub email: Option<String>,
    pub created_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
}

/// An e-mail to send (written with what caused it, sent by a background task).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewMail {
    pub to: String,
    pub subject: String,
    pub body: String,
    /// Where the recipient ends what this mail is part of, with one click (RFC 8058): sent as the
    /// `List-Unsubscribe` header with `List-Unsubscribe-Post`.
    pub unsubscribe: Option<String>,
}

impl NewMail {
    /// A mail that is part of nothing to end (no `List-Unsubscribe`).
    pub fn new(to: impl Into<String>, subject: impl Into<String>, body: impl Into<String>) -> NewMail {
        NewMail { to: to.into(), subject: subject.into(), body: body.into(), unsubscribe: None }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mail {
    pub id: i64,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub unsubscribe: Option<String>,
    pub attempts: u32,
}

/// A subscription to e-mail alerts by someone without an account: a search (words and filters) whose
/// new and changed registrations are mailed as a digest. It counts only once confirmed from the mailbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// Random, chosen when subscribing (32 hexadecimal characters); not a secret: the links carry a
    /// token derived from it with the instance's alert key.
    pub id: String,
    /// Lowercase.
    pub email: String,
    /// The search as a query string (`q`, `org`, `theme`, ...), in a fixed order.
    pub search: String,
    pub frequency: algoreg_domain::alerts::Frequency,
    /// The language of the mails (`nl` or `en`).
    pub lang: String,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    /// Changes published up to this time have been reported (set on confirmation, then by each digest).
    pub sent_until: Option<DateTime<Utc>>,
}

/// What adding a subscription did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertAdded {
    /// Stored, with its confirmation mail queued.
    Added,
    /// The address has this same subscription already: nothing changed.
    Exists { id: String, confirmed: bool },
    /// The address has the most subscriptions allowed: nothing changed.
    Full,
}

/// An incident or serious risk recorded by a deployer and routed to the provider.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Incident {
    pub id: i64,
    pub record: AlgorithmId,
    pub deployer_org_id: OrgId,
    pub provider_name: String,
    pub provider_org_id: Option<OrgId>,
    pub provider_email: Option<String>,
    pub class: IncidentClass,
    pub title: String,
    pub what_happened: String,
    pub noticed_at: DateTime<Utc>,
    pub people_affected: Option<i64>,
    /// Whether the public summary is shown on the record page (the rest never is).
    pub public: bool,
    pub public_summary: Option<String>,
    pub deadline_at: Option<DateTime<Utc>>,
    pub status: IncidentStatus,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

#[derive(Debug, Clone)]
pub struct NewIncident {
    pub record: AlgorithmId,
    pub deployer_org_id: OrgId,
    pub provider_name: String,
    pub provider_org_id: Option<OrgId>,
    pub provider_email: Option<String>,
    /// Hash of the secret acknowledgement link sent to the provider's address.
    pub ack_hash: Option<String>,
    pub class: IncidentClass,
    pub title: String,
    pub what_happened: String,
    pub noticed_at: DateTime<Utc>,
    pub people_affected: Option<i64>,
    pub public: bool,
    pub public_summary: Option<String>,
    pub deadline_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// One step in an incident's timeline: reported, acknowledged, update, reported_to_authority, closed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IncidentEvent {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub kind: IncidentEventKind,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EvaluationPlan {
    pub record: AlgorithmId,
    pub interval_months: u32,
    pub next_due: chrono::NaiveDate,
    /// The due date a reminder was sent for (one reminder per due date).
    pub reminded_for: Option<chrono::NaiveDate>,
    pub updated_at: DateTime<Utc>,
    /// Who set it (an account's or a token's name): the organisation's to know, not published.
    #[serde(skip_serializing)]
    pub updated_by: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Evaluation {
    pub id: i64,
    pub record: AlgorithmId,
    pub date: chrono::NaiveDate,
    pub by_whom: String,
    pub findings: String,
    pub report_url: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Who recorded it (an account's or a token's name): the organisation's to know, not published.
    #[serde(skip_serializing)]
    pub created_by: String,
}

/// A key that signs access tokens (Ed25519): the private key as PKCS#8 DER in base64, the public key
/// as the raw 32 bytes in base64url (the JWKS `x`).
#[derive(Clone, PartialEq)]
pub struct SigningKey {
    pub kid: String,
    pub private_pkcs8: String,
    pub public_x: String,
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("private_pkcs8", &"<redacted>")
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub kind: AuditKind,
    /// The organisation it belongs to; None for a person's logins.
    pub org_id: Option<OrgId>,
    /// The person it is about (whose login, whose role).
    pub subject_user: Option<UserId>,
    /// Who did it: a principal key (`user:ID`, `token:ID`), `system`, or `anonymous`.
    pub actor: String,
    pub actor_name: String,
    /// What more there is to say, in a few words (a role, a token's name, a login method).
    pub detail: String,
    /// The client's address, where the event came from a request.
    pub source: Option<String>,
}

/// Which audit events to read: one organisation's (its own and its members' logins) or all, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub org_id: Option<OrgId>,
    /// Only events with a smaller ID (the next page).
    pub before: Option<i64>,
    pub limit: i64,
}

/// An account pinned to the person an identity provider names by `subject`: at the first login through the
/// provider, so that a later login is by that person, whatever e-mail address the provider then names.
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectPin {
    pub issuer: String,
    pub subject: String,
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
}

/// A person's passkey: the credential's ID and public key (COSE) as base64url, and its signature counter.
#[derive(Debug, Clone, PartialEq)]
pub struct Passkey {
    pub id: i64,
    pub user_id: UserId,
    pub credential_id: String,
    pub public_key: String,
    pub sign_count: u32,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct NewPasskey {
    pub user_id: UserId,
    pub credential_id: String,
    pub public_key: String,
    pub sign_count: u32,
    pub name: String,
}

/// A WebAuthn ceremony under way: `register` (for `user_id`) or `login` (anyone), and its challenge
/// (base64url).
#[derive(Debug, Clone, PartialEq)]
pub struct Ceremony {
    pub kind: String,
    pub user_id: Option<UserId>,
    pub challenge: String,
    pub expires_at: DateTime<Utc>,
}

/// A link the central operator accepted although it does not work: it no longer holds publication back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkAcceptance {
    pub url: String,
    pub reason: String,
    /// Who accepted it (`user:{id}`).
    pub by: String,
    pub at: DateTime<Utc>,
}

/// What checking one link found.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkCheck {
    pub url: String,
    pub outcome: algoreg_domain::quality::LinkOutcome,
    /// The HTTP status after redirects, when an answer came.
    pub http_status: Option<u16>,
    /// Why, in a few words (Dutch / English), when it did not work.
    pub detail: String,
    pub checked_at: DateTime<Utc>,
}

/// What [`crate::RegisterStore::public_changes`] looks for.
#[derive(Debug, Clone, Default)]
pub struct ChangeQuery {
    pub after: i64,
    /// How many outbox positions one query looks at (bounds its cost).
    pub window: i64,
    pub limit: i64,
    pub org: Option<OrgId>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// A record's latest public change: its outbox position and time.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicChange {
    pub position: i64,
    pub record: AlgorithmId,
    pub at: DateTime<Utc>,
}

/// One entry of the publication log: a registration's version became public, or stopped being so.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub index: u64,
    pub record: AlgorithmId,
    pub version: u32,
    /// `publish`, `retract` or `archive`.
    pub event: String,
    /// The version's content hash (`sha256:...`, as the register feed gives it).
    pub content_hash: String,
    pub at: DateTime<Utc>,
}

/// The last checkpoint of a source's publication log that a harvest accepted, with the log's key.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceLog {
    pub key: String,
    pub size: u64,
    /// The root hash, base64.
    pub root: String,
}

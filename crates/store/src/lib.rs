//! The storage trait, its models and its error type.
//!
//! Callers hold an `Arc<dyn Store>`; `algoreg-store-sqlite` is the embedded default and a PostgreSQL
//! implementation can follow without changing callers. Every write that changes a record commits with
//! its history entry in one transaction ([`Store::apply`], [`Store::import_records`]).

pub mod copy;
mod models;
pub mod rows;

pub use models::*;

use algoreg_domain::feedback::{IncidentStatus, SignalStatus};
pub use algoreg_domain::ids::{OrgId, UserId};
use algoreg_domain::org::Role;
use algoreg_standard::AlgorithmId;
use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique value is taken already; names the field.
    #[error("already exists: {0}")]
    Conflict(&'static str),
    /// The record changed since it was read (optimistic concurrency).
    #[error("the record was changed by someone else")]
    Stale,
    /// A value the database cannot keep (PostgreSQL keeps no NUL character in text): the caller's input.
    #[error("a value holds a character the database cannot keep")]
    Unstorable,
    #[error("storage failure: {0}")]
    Backend(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Organisations and the templates new registrations start from.
#[async_trait]
pub trait OrganisationStore: Send + Sync {
    async fn create_organisation(&self, org: &NewOrganisation) -> Result<Organisation>;
    /// Changes an organisation; its public records get an outbox entry in the same transaction (what the
    /// public sees of them includes the organisation's details).
    async fn update_organisation(&self, org: &Organisation) -> Result<()>;
    async fn organisation(&self, id: OrgId) -> Result<Option<Organisation>>;
    async fn organisation_by_code(&self, code: &str) -> Result<Option<Organisation>>;
    async fn organisations(&self) -> Result<Vec<Organisation>>;
    async fn create_template(&self, name: &str, source: &str, content: &algoreg_standard::Content) -> Result<i64>;
    async fn templates(&self) -> Result<Vec<Template>>;
}

/// Accounts, memberships and invitations: an existing account joins an organisation only with its holder's consent.
#[async_trait]
pub trait PeopleStore: Send + Sync {
    async fn create_user(&self, user: &NewUser) -> Result<User>;
    async fn user(&self, id: UserId) -> Result<Option<User>>;
    async fn user_by_email(&self, email: &str) -> Result<Option<User>>;
    async fn set_membership(&self, user_id: UserId, org_id: OrgId, role: Role) -> Result<()>;
    async fn remove_membership(&self, user_id: UserId, org_id: OrgId, role: Option<Role>) -> Result<()>;
    async fn memberships(&self, user_id: UserId) -> Result<Vec<Membership>>;
    async fn members(&self, org_id: OrgId) -> Result<Vec<(User, Role)>>;
    /// Makes the person a supervisor (reads across every organisation) or no longer one.
    async fn set_supervisor(&self, user_id: UserId, on: bool) -> Result<()>;
    /// Sets a password and ends every session of the user; `how` says who set it (see [`PasswordSet`]).
    /// An unusable one, on an account whose password an admin set, also ends its passkeys and second
    /// factor (as [`AccessStore::use_password_reset`] does): the admin may have added them.
    async fn set_password(&self, user_id: UserId, password_hash: &str, how: PasswordSet) -> Result<()>;
    /// Invites a user; an invitation for the same organisation, user and role is renewed.
    async fn create_invitation(&self, invitation: &NewInvitation) -> Result<i64>;
    /// Open invitations (not expired at `now`) of a user, or of an organisation.
    async fn invitations_for_user(&self, user_id: UserId, now: chrono::DateTime<chrono::Utc>) -> Result<Vec<Invitation>>;
    async fn invitations_of_org(&self, org_id: OrgId, now: chrono::DateTime<chrono::Utc>) -> Result<Vec<Invitation>>;
    /// Accepts an open invitation of `user_id`: the membership and the removal of the invitation in one
    /// transaction. `NotFound` when there is no such open invitation for this user.
    async fn accept_invitation(&self, id: i64, user_id: UserId, now: chrono::DateTime<chrono::Utc>) -> Result<Invitation>;
    /// Removes an invitation; `NotFound` when it does not exist.
    async fn delete_invitation(&self, id: i64) -> Result<Invitation>;
}

/// API tokens and self-service password resets (only hashes of secrets are stored).
#[async_trait]
pub trait AccessStore: Send + Sync {
    /// Keeps a preview link (the hash of its secret) to a registration, made by `created_by`, and forgets
    /// expired ones; false, and nothing kept, when the registration has [`PREVIEW_LINKS_PER_RECORD`] live
    /// links already (a link sent to someone is never ended by making another).
    async fn create_preview_link(
        &self,
        hash: &str,
        record: AlgorithmId,
        created_by: &str,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool>;
    /// The registration of a live preview link, and until when the link works.
    async fn preview_link_record(
        &self,
        hash: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<(AlgorithmId, chrono::DateTime<chrono::Utc>)>>;
    /// Stores a reset link and queues its mail in one transaction.
    async fn create_password_reset(
        &self,
        hash: &str,
        user_id: UserId,
        expires_at: chrono::DateTime<chrono::Utc>,
        mails: &[NewMail],
    ) -> Result<()>;
    /// The user of a live reset link.
    async fn password_reset_user(&self, hash: &str, now: chrono::DateTime<chrono::Utc>) -> Result<Option<User>>;
    /// Uses a live reset link once: sets the password, removes every reset link and session of the user,
    /// in one transaction. `NotFound` when the link is unknown, used or expired. On an account whose
    /// password an admin set, it also ends its passkeys and second factor (the admin may have added
    /// them), and clears that mark.
    async fn use_password_reset(&self, hash: &str, password_hash: &str, now: chrono::DateTime<chrono::Utc>) -> Result<User>;
    async fn create_token(&self, token: &NewToken) -> Result<TokenInfo>;
    async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenInfo>>;
    /// A token by its ID, revoked or not.
    async fn token(&self, id: i64) -> Result<Option<TokenInfo>>;
    async fn tokens(&self, org_id: OrgId) -> Result<Vec<TokenInfo>>;
    async fn revoke_token(&self, org_id: OrgId, token_id: i64) -> Result<()>;
}

/// Live preview links of one registration kept at most ([`AccessStore::create_preview_link`]).
pub const PREVIEW_LINKS_PER_RECORD: i64 = 20;

/// Ceremonies of one person kept at most ([`PasskeyStore::put_ceremony`]): the oldest make way.
pub const CEREMONIES_PER_PERSON: i64 = 3;

/// People's sessions and when they last logged in (only hashes of session secrets are stored).
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Starts a session and records the login (`method`: how the person logged in) in one transaction.
    async fn create_session(&self, hash: &str, user_id: UserId, expires_at: chrono::DateTime<chrono::Utc>, method: &str) -> Result<()>;
    /// The user of a live session, with how the session was opened (`method` of [`Self::create_session`]).
    async fn session_user(&self, hash: &str, now: chrono::DateTime<chrono::Utc>) -> Result<Option<(User, String)>>;
    async fn delete_session(&self, hash: &str) -> Result<()>;
    /// A user's live sessions, newest first.
    async fn sessions_of_user(&self, user_id: UserId, now: chrono::DateTime<chrono::Utc>) -> Result<Vec<SessionInfo>>;
    /// Ends one of the user's own sessions by its ID; `NotFound` when the user has no such session.
    async fn end_session_of_user(&self, user_id: UserId, id: &str) -> Result<()>;
    /// Records a login that opens no session (a token of the organisation API's login).
    async fn record_login(&self, user_id: UserId, method: &str, at: chrono::DateTime<chrono::Utc>) -> Result<()>;
}

/// Records, their versions and history: every change commits with its history entry in one transaction.
#[async_trait]
pub trait RecordStore: Send + Sync {
    async fn record(&self, id: AlgorithmId) -> Result<Option<RecordMeta>>;
    /// The records among `ids` that exist (for bulk imports).
    async fn records(&self, ids: &[AlgorithmId]) -> Result<Vec<RecordMeta>>;
    /// Creates a record with its first version and history entry.
    async fn create_record(&self, id: AlgorithmId, org_id: OrgId, version: &NewVersion, history: &NewHistory) -> Result<()>;
    /// Applies a workflow step: optional new version, state changes, history entry, atomically.
    /// Fails with [`StoreError::Stale`] when the latest version is no longer `change.expected_latest`.
    async fn apply(&self, change: &Change) -> Result<()>;
    async fn versions(&self, id: AlgorithmId) -> Result<Vec<Version>>;
    async fn version(&self, id: AlgorithmId, number: u32) -> Result<Option<Version>>;
    async fn history(&self, id: AlgorithmId) -> Result<Vec<HistoryEntry>>;
    /// The version that is public now.
    async fn published(&self, id: AlgorithmId) -> Result<Option<PublishedVersion>>;
    /// The versions that are public now of several records, in the order of `ids` (absent ones left out).
    async fn published_many(&self, ids: &[AlgorithmId]) -> Result<Vec<PublishedVersion>>;
    /// Every version that was ever published, oldest first (empty when the record is not public now).
    async fn published_history(&self, id: AlgorithmId) -> Result<Vec<PublishedVersion>>;
    /// One page of public records, ordered by ID (stable for paging).
    async fn list_published(&self, query: &ListQuery) -> Result<Page<PublishedVersion>>;
    /// Up to `limit` public records with an ID after `after` (from the first without), ordered by ID:
    /// a walk through all of them whose every step costs the same (rebuilding the search index).
    async fn published_after(&self, after: Option<AlgorithmId>, limit: u64) -> Result<Vec<PublishedVersion>>;
    /// Records of one organisation in any state, for its editors.
    async fn list_workspace(&self, org_id: OrgId) -> Result<Vec<WorkspaceItem>>;
    /// Records whose latest version waits for publication, with their organisation ID.
    async fn list_released(&self) -> Result<Vec<(OrgId, WorkspaceItem)>>;
}

/// The register as a whole: bulk imports and exports, the outbox of public changes, the integrity check.
#[async_trait]
pub trait RegisterStore: Send + Sync {
    /// Takes in records published elsewhere, all or nothing.
    async fn import_records(&self, records: &[ImportRecord]) -> Result<()>;
    /// Takes in new records that arrive in batches while they are still being read and checked, all in
    /// one transaction together with the organisations they create. `expected` is the number of records
    /// to come (a hint). Ends at [`ImportMsg::End`]; when the sender hangs up before that, nothing is kept.
    async fn import_stream(&self, expected: usize, batches: tokio::sync::mpsc::Receiver<ImportMsg>) -> Result<StreamOutcome>;
    /// Every public record with every published version, for exports.
    async fn export_published(&self) -> Result<Vec<(RecordMeta, Vec<PublishedVersion>)>>;
    async fn count_published(&self) -> Result<u64>;
    /// Outbox entries (changes to public records) after `after`, oldest first: (position, record).
    async fn outbox_after(&self, after: i64, limit: i64) -> Result<Vec<(i64, AlgorithmId)>>;
    async fn outbox_max(&self) -> Result<i64>;
    /// The public changes of records for incremental harvesting (OAI-PMH): per record only its latest
    /// outbox entry, with positions after `after` and at most `after + window`, optionally of one
    /// organisation and with the change's time in `from ..= until`; oldest first, at most `limit`.
    async fn public_changes(&self, q: &ChangeQuery) -> Result<Vec<PublicChange>>;
    /// The most recently published versions (for feeds), newest first, optionally of one organisation.
    async fn recent_published(&self, limit: i64, org_code: Option<&str>) -> Result<Vec<PublishedVersion>>;
    /// When the public register last changed (the newest outbox entry).
    async fn last_public_change(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>>;
    /// Checks the stored data: the database's own consistency, references, and that every record has its
    /// latest and published versions and a history. Returns the problems found (none when all is well)
    /// and the number of records.
    async fn check_integrity(&self) -> Result<(Vec<String>, u64)>;
    /// Writes a consistent copy of the whole database to the new file `to` while others go on working
    /// (SQLite); a backend whose operators have their own tools for this (PostgreSQL: `pg_dump`) says so.
    async fn backup(&self, to: &std::path::Path) -> Result<()>;
}

/// AI Act classifications and compliance entries (both belong to a version of the record).
#[async_trait]
pub trait AiActStore: Send + Sync {
    /// Keeps a classification, while the record's latest version is still `at` (number and state; the
    /// caller chose the classification's version from it): `Stale` when someone acted on it meanwhile.
    async fn save_classification(&self, c: &Classification, at: (u32, algoreg_domain::workflow::VersionState)) -> Result<()>;
    /// The newest classification of a record; with `at_most`, the newest made for that version or an earlier one.
    async fn classification(&self, id: AlgorithmId, at_most: Option<u32>) -> Result<Option<Classification>>;
    /// The records that have a classification.
    async fn classified_records(&self) -> Result<Vec<AlgorithmId>>;
    /// Records where the record stands with a requirement, for one version of the record, while its latest
    /// version is still `at` (as [`AiActStore::save_classification`]).
    async fn set_compliance(
        &self,
        id: AlgorithmId,
        version: u32,
        entry: &ComplianceEntry,
        at: (u32, algoreg_domain::workflow::VersionState),
    ) -> Result<()>;
    /// A value that changes whenever a classification or a compliance entry is written (for caches).
    async fn aiact_state(&self) -> Result<String>;
    /// Per requirement, the newest entry (by time); with `at_most`, the newest of those for that version or
    /// an earlier one.
    async fn compliance(&self, id: AlgorithmId, at_most: Option<u32>) -> Result<Vec<ComplianceEntry>>;
}

/// Harvested sources and what they delivered.
#[async_trait]
pub trait FederationStore: Send + Sync {
    /// Adds a source; `Conflict("url")` when the URL is taken.
    async fn create_source(&self, org_id: OrgId, url: &str, at: chrono::DateTime<chrono::Utc>) -> Result<Source>;
    async fn sources(&self) -> Result<Vec<Source>>;
    async fn source(&self, id: i64) -> Result<Option<Source>>;
    /// Removes a source and what it delivered; the records stay.
    async fn delete_source(&self, id: i64) -> Result<()>;
    async fn source_records(&self, id: i64) -> Result<Vec<SourceRecord>>;
    /// Records an attempt that changed no record (a failure, or a feed that did not change).
    async fn source_attempt(&self, attempt: &SourceAttempt) -> Result<()>;
    /// Writes a successful harvest, all or nothing.
    async fn commit_harvest(&self, commit: &HarvestCommit) -> Result<()>;
    /// The source's publication log as last accepted (see [`SourceLog`]).
    async fn source_log(&self, id: i64) -> Result<Option<SourceLog>>;
    async fn set_source_log(&self, id: i64, log: &SourceLog) -> Result<()>;
}

/// Signals from the public and their answers. Every method that causes e-mail writes it in the same transaction.
#[async_trait]
pub trait SignalStore: Send + Sync {
    async fn create_signal(&self, s: &NewSignal, mails: &[NewMail]) -> Result<i64>;
    async fn signal(&self, id: i64) -> Result<Option<Signal>>;
    async fn signal_by_code(&self, code_hash: &str) -> Result<Option<Signal>>;
    async fn signals_of_org(&self, org_id: OrgId) -> Result<Vec<Signal>>;
    /// Signals of a record answered in public, newest answer first, at most `limit`.
    async fn public_signals_of_record(&self, id: AlgorithmId, limit: i64) -> Result<Vec<Signal>>;
    /// (received, due, answered) of an organisation's newest `limit` signals, for its response figures.
    async fn signal_times(
        &self,
        org_id: OrgId,
        limit: i64,
    ) -> Result<Vec<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>, Option<chrono::DateTime<chrono::Utc>>)>>;
    /// Signals answered in public about registrations published now, of one organisation or of all,
    /// newest answer first (for the Atom feed).
    async fn public_answers(&self, org_id: Option<OrgId>, limit: i64) -> Result<Vec<Signal>>;
    /// Writes the signal's mutable fields (status, assignment, answer, times); `Stale` when its status
    /// is no longer `expected_status` (someone else acted meanwhile).
    async fn update_signal(&self, s: &Signal, expected_status: SignalStatus, mails: &[NewMail]) -> Result<()>;
    /// Sets the reminder time of an open signal without one; false when that no longer applies.
    async fn mark_signal_reminded(&self, id: i64, at: chrono::DateTime<chrono::Utc>, mails: &[NewMail]) -> Result<bool>;
    /// Open signals whose deadline is before `before` and that had no reminder yet.
    async fn signals_to_remind(&self, before: chrono::DateTime<chrono::Utc>) -> Result<Vec<Signal>>;
    /// Erases personal data of signals closed before `closed_before`, and sent mail older than that;
    /// returns how many signals were erased.
    async fn erase_signals(&self, closed_before: chrono::DateTime<chrono::Utc>, at: chrono::DateTime<chrono::Utc>) -> Result<u64>;
}

/// Incidents between deployer and provider, with their events.
#[async_trait]
pub trait IncidentStore: Send + Sync {
    async fn create_incident(&self, i: &NewIncident, mails: &[NewMail]) -> Result<i64>;
    async fn incident(&self, id: i64) -> Result<Option<Incident>>;
    async fn incident_by_ack(&self, ack_hash: &str) -> Result<Option<Incident>>;
    /// Incidents where the organisation is the deployer or the provider.
    async fn incidents_of_org(&self, org_id: OrgId) -> Result<Vec<Incident>>;
    async fn incidents_of_record(&self, id: AlgorithmId) -> Result<Vec<Incident>>;
    async fn add_incident_event(&self, id: i64, e: &IncidentEvent, status: Option<IncidentStatus>, mails: &[NewMail]) -> Result<()>;
    async fn incident_events(&self, id: i64) -> Result<Vec<IncidentEvent>>;
}

/// What checking the registrations' links found, by URL.
#[async_trait]
pub trait LinkStore: Send + Sync {
    /// Writes the outcomes (a URL checked again replaces its earlier outcome).
    async fn save_link_checks(&self, checks: &[LinkCheck]) -> Result<()>;
    /// The outcomes known for these URLs (those never checked are left out).
    async fn link_checks(&self, urls: &[String]) -> Result<Vec<LinkCheck>>;
    /// Forgets outcomes older than `before` (links no registration holds any more).
    async fn purge_link_checks(&self, before: chrono::DateTime<chrono::Utc>) -> Result<u64>;
    /// Records that a link is accepted although it does not work (a later acceptance replaces it).
    async fn accept_link(&self, a: &LinkAcceptance) -> Result<()>;
    /// The acceptances of these URLs (those not accepted are left out).
    async fn link_acceptances(&self, urls: &[String]) -> Result<Vec<LinkAcceptance>>;
}

/// The yearly confirmation that a registration is still current.
#[async_trait]
pub trait ReviewStore: Send + Sync {
    /// Records that the registration was confirmed as still current (the last confirmation counts).
    async fn confirm_current(&self, id: AlgorithmId, at: chrono::DateTime<chrono::Utc>, by: &str) -> Result<()>;
    /// The last confirmation of each of these registrations that has one.
    async fn confirmations(&self, ids: &[AlgorithmId]) -> Result<Vec<(AlgorithmId, chrono::DateTime<chrono::Utc>)>>;
    /// The due date each of these registrations was last reminded of (those never reminded are left out).
    async fn review_reminders(&self, ids: &[AlgorithmId]) -> Result<Vec<(AlgorithmId, chrono::NaiveDate)>>;
    /// Records the reminders (registration, due date) with their mails, in one transaction.
    async fn mark_review_reminded(&self, reminded: &[(AlgorithmId, chrono::NaiveDate)], mails: &[NewMail]) -> Result<()>;
}

/// E-mail alerts of people without an account (personal data: an address, deleted when they unsubscribe).
#[async_trait]
pub trait AlertStore: Send + Sync {
    /// The instance's key for the alerts' links: the stored one, or `candidate` stored now when there is
    /// none yet (atomic across nodes: every caller gets the same key).
    async fn alert_key(&self, candidate: &str) -> Result<String>;
    /// Adds an unconfirmed subscription with its confirmation mail in one transaction, unless the address
    /// has the same subscription already or `max_per_address` of them.
    async fn add_alert(&self, a: &Alert, max_per_address: u32, mail: &NewMail) -> Result<AlertAdded>;
    async fn alert(&self, id: &str) -> Result<Option<Alert>>;
    /// Confirms a subscription (reporting starts at `at`); false when it does not exist. Confirming again
    /// changes nothing.
    async fn confirm_alert(&self, id: &str, at: chrono::DateTime<chrono::Utc>) -> Result<bool>;
    /// Deletes a subscription and its address, with its digests not sent yet; false when it did not exist.
    async fn delete_alert(&self, id: &str) -> Result<bool>;
    /// Confirmed subscriptions due a digest: daily ones reported up to `daily_before` or earlier, weekly
    /// ones up to `weekly_before` or earlier; the longest waiting first.
    async fn due_alerts(
        &self,
        daily_before: chrono::DateTime<chrono::Utc>,
        weekly_before: chrono::DateTime<chrono::Utc>,
        limit: i64,
    ) -> Result<Vec<Alert>>;
    /// Records that changes from `from` (what the subscription had been reported up to) up to `until`
    /// were reported, with the digest (if any) in one transaction. False, and no mail, when the
    /// subscription is gone or was moved on from `from` already (by another node).
    async fn alert_sent(
        &self,
        id: &str,
        from: chrono::DateTime<chrono::Utc>,
        until: chrono::DateTime<chrono::Utc>,
        mail: Option<&NewMail>,
    ) -> Result<bool>;
    /// Deletes subscriptions never confirmed that were made before `before`; returns how many.
    async fn purge_unconfirmed_alerts(&self, before: chrono::DateTime<chrono::Utc>) -> Result<u64>;
}

/// Evaluation plans and the evaluations done.
#[async_trait]
pub trait EvaluationStore: Send + Sync {
    async fn set_evaluation_plan(&self, p: &EvaluationPlan) -> Result<()>;
    async fn evaluation_plan(&self, id: AlgorithmId) -> Result<Option<EvaluationPlan>>;
    /// Plans of one organisation's records (all organisations with None).
    async fn evaluation_plans(&self, org_id: Option<OrgId>) -> Result<Vec<(OrgId, EvaluationPlan)>>;
    /// Records an evaluation and moves the plan's next due date, in one transaction.
    async fn add_evaluation(&self, e: &Evaluation, next_due: Option<chrono::NaiveDate>) -> Result<i64>;
    async fn evaluations(&self, id: AlgorithmId) -> Result<Vec<Evaluation>>;
    async fn mark_evaluation_reminded(&self, id: AlgorithmId, due: chrono::NaiveDate, mails: &[NewMail]) -> Result<()>;
}

/// The outgoing mail queue.
#[async_trait]
pub trait MailStore: Send + Sync {
    async fn queue_mail(&self, mails: &[NewMail]) -> Result<()>;
    async fn unsent_mail(&self, limit: i64, max_attempts: u32) -> Result<Vec<Mail>>;
    async fn mail_result(&self, id: i64, error: Option<&str>, at: chrono::DateTime<chrono::Utc>) -> Result<()>;
}

/// Runtime state that every node on the same database shares: leases for background work that must run
/// on one node at a time, and fixed-window counters for limits that count across nodes.
#[async_trait]
pub trait RuntimeStore: Send + Sync {
    /// Takes the lease on `job` for `holder` until `until`, when it is free, expired at `now`, or held by
    /// `holder` already (a renewal). False when another holder has it. Atomic across nodes.
    async fn take_lease(
        &self,
        job: &str,
        holder: &str,
        now: chrono::DateTime<chrono::Utc>,
        until: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool>;
    /// Gives a lease up (nothing when `holder` does not hold it).
    async fn release_lease(&self, job: &str, holder: &str) -> Result<()>;
    /// Counts one hit of `key` in the window that starts at `window_start`; returns the count so far,
    /// this hit included. Atomic across nodes.
    async fn count_hit(&self, key: &str, window_start: chrono::DateTime<chrono::Utc>) -> Result<u64>;
    /// Forgets counters of windows that started before `before`, login failures last seen before it and
    /// known logins expired by then; returns how many counters.
    async fn purge_counters(&self, before: chrono::DateTime<chrono::Utc>) -> Result<u64>;
    /// A password attempt against the login throttle, checked and counted in one step (atomic across
    /// nodes): `Some(seconds)` to wait when a key that applies is being slowed down (nothing counted), else
    /// every key's failure is counted now (forgotten first when the last was before `forget_before`) and
    /// `None`. The rule is [`algoreg_domain::throttle::login_delay_seconds`].
    async fn login_attempt(
        &self,
        keys: &[algoreg_domain::throttle::ThrottleKey],
        now: chrono::DateTime<chrono::Utc>,
        forget_before: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<u64>>;
    /// Takes failures back after a success: all of them (`all`), or one.
    async fn forgive_login_failure(&self, key: &str, all: bool) -> Result<()>;
    /// Remembers a pair of account and address that logged in, until `until`.
    async fn mark_known_login(&self, key: &str, until: chrono::DateTime<chrono::Utc>) -> Result<()>;
    /// Whether the pair is remembered at `now`.
    async fn known_login(&self, key: &str, now: chrono::DateTime<chrono::Utc>) -> Result<bool>;
    /// Open and idle connections of the backend's pool (for metrics).
    fn pool_stats(&self) -> (u32, u32);
}

/// The audit log (append only; old entries go by retention).
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an event; its `id` is ignored and the new one returned.
    async fn append_audit(&self, e: &AuditEvent) -> Result<i64>;
    /// Newest first. For one organisation: its own events, and the logins of its members, present and
    /// past (people its events name).
    async fn audit_events(&self, q: &AuditQuery) -> Result<Vec<AuditEvent>>;
    /// Forgets events from before `before`; returns how many.
    async fn purge_audit(&self, before: chrono::DateTime<chrono::Utc>) -> Result<u64>;
}

/// Second factors: TOTP secrets, the time step a code was last used in, and recovery codes.
#[async_trait]
pub trait SecondFactorStore: Send + Sync {
    /// Sets the account's TOTP secret and replaces its recovery codes (their hashes), in one transaction.
    async fn enable_totp(&self, user_id: UserId, secret: &str, recovery_hashes: &[String]) -> Result<()>;
    /// Takes the second factor away (secret and recovery codes).
    async fn disable_totp(&self, user_id: UserId) -> Result<()>;
    /// Marks a code's time step as used: true when it is later than the last one used (a code works
    /// once; atomic, so two requests with one code cannot both pass). A right code sets the account's
    /// wrong codes back to none.
    async fn use_totp_step(&self, user_id: UserId, step: i64) -> Result<bool>;
    /// Takes one of the account's `limit` tries of a code, before the code is checked (atomic, so parallel
    /// tries cannot pass the limit): how many are taken now, this one included, or none when all are. A
    /// right code ([`SecondFactorStore::use_totp_step`]), a recovery code, a password the holder chose,
    /// and turning the second factor on or off give them all back.
    async fn totp_try(&self, user_id: UserId, limit: u32) -> Result<Option<u32>>;
    /// Uses up a recovery code: true when it existed and was not used yet.
    async fn use_recovery_code(&self, user_id: UserId, hash: &str, at: chrono::DateTime<chrono::Utc>) -> Result<bool>;
    async fn recovery_codes_left(&self, user_id: UserId) -> Result<u32>;
    /// Whether the organisation's members must log in with a second factor.
    async fn set_second_factor_required(&self, org_id: OrgId, required: bool) -> Result<()>;
}

/// Passkeys (WebAuthn credentials) and the challenges of ceremonies under way.
#[async_trait]
pub trait PasskeyStore: Send + Sync {
    /// Keeps a person's new passkey; `Conflict("credential_id")` when the credential is known already.
    async fn add_passkey(&self, p: &NewPasskey, at: chrono::DateTime<chrono::Utc>) -> Result<Passkey>;
    async fn passkeys_of_user(&self, user_id: UserId) -> Result<Vec<Passkey>>;
    async fn passkey_by_credential(&self, credential_id: &str) -> Result<Option<Passkey>>;
    /// Records a login with the passkey and its new signature counter, only if the counter is 0 (the
    /// authenticator keeps none) or higher than the stored one; `Stale` otherwise (a replay raced it).
    async fn passkey_used(&self, id: i64, sign_count: u32, at: chrono::DateTime<chrono::Utc>) -> Result<()>;
    /// Removes one of the person's passkeys and ends the sessions it opened (method `passkey:{id}`, and
    /// `passkey` of logins from before), in one transaction; `NotFound` when the person has no such passkey.
    async fn delete_passkey(&self, user_id: UserId, id: i64) -> Result<()>;
    /// Keeps a ceremony's challenge under the hash of its secret, and forgets expired ones. Ceremonies
    /// without a person (logins, which anyone starts) are at most `max_live`: the oldest make way, so
    /// that starting many keeps nobody else out. A person keeps at most [`CEREMONIES_PER_PERSON`].
    async fn put_ceremony(&self, hash: &str, c: &Ceremony, max_live: u64) -> Result<()>;
    /// Takes a live ceremony: it is gone afterwards, so a challenge is answered once.
    async fn take_ceremony(&self, hash: &str, now: chrono::DateTime<chrono::Utc>) -> Result<Option<Ceremony>>;
}

/// The keys that sign the organisation API's access tokens, and which organisations require single sign-on.
#[async_trait]
pub trait IdentityStore: Send + Sync {
    /// Whether the organisation's members' roles count only after a login through an identity provider.
    async fn set_sso_required(&self, org_id: OrgId, required: bool) -> Result<()>;
    /// Adds a key; `Conflict("kid")` when its ID is taken.
    async fn add_signing_key(&self, key: &SigningKey) -> Result<()>;
    /// Keys created at or after `since`, newest first.
    async fn signing_keys(&self, since: chrono::DateTime<chrono::Utc>) -> Result<Vec<SigningKey>>;
    /// The account pinned to a person at an identity provider (its issuer, and the subject it names the
    /// person by), if any.
    async fn subject_account(&self, issuer: &str, subject: &str) -> Result<Option<UserId>>;
    /// The persons at identity providers an account is pinned to (one a provider), oldest first.
    async fn subjects_of_user(&self, user_id: UserId) -> Result<Vec<SubjectPin>>;
    /// Pins an account to a person at a provider: `Conflict("subject")` when that person is pinned to an
    /// account already, `Conflict("issuer")` when the account is pinned to another person at that provider.
    async fn pin_subject(&self, pin: &SubjectPin) -> Result<()>;
    /// Undoes all of an account's pins (the next login through a provider pins it again) and ends its
    /// sessions, in one transaction; how many pins there were.
    async fn unpin_subjects(&self, user_id: UserId) -> Result<u64>;
}

/// Moving the whole register between backends (`algoreg copy`), through the neutral rows of [`copy`].
#[async_trait]
pub trait CopyStore: Send + Sync {
    /// One page of a table's rows, in the order of its key.
    async fn read_rows(&self, table: &copy::Table, after: Option<&[copy::Cell]>, limit: u64) -> Result<Vec<Vec<copy::Cell>>>;
    /// Whether the store holds no register data (no row in any table of [`copy::TABLES`]).
    async fn is_empty(&self) -> Result<bool>;
    /// Copies every table of [`copy::TABLES`] from `source` into this store, which must be empty, in one
    /// transaction: afterwards it has all of it or nothing. Returns the rows copied per table.
    async fn copy_from(&self, source: &dyn Store) -> Result<Vec<(&'static str, u64)>>;
}

/// Everything a backend stores: the area traits together. Callers hold an `Arc<dyn Store>` and bring
/// the area traits they use into scope (`use algoreg_store::*`).
/// The verifiable publication log: append-only entries (see `algoreg_tlog`), the outbox position they
/// were appended up to, and the log's signing key.
#[async_trait]
pub trait LogStore: Send + Sync {
    /// Appends `entries` (numbered on from `size`) and moves the cursor from `cursor` to `new_cursor`,
    /// in one transaction; [`StoreError::Stale`] when the log no longer has `size` entries or that
    /// cursor (another node appended first).
    async fn log_append(&self, size: u64, cursor: i64, new_cursor: i64, entries: &[LogEntry]) -> Result<()>;
    /// The number of entries and the cursor (read without locking: cheap for readers).
    async fn log_state(&self) -> Result<(u64, i64)>;
    /// Entries `start..end`, in order.
    async fn log_entries(&self, start: u64, end: u64) -> Result<Vec<LogEntry>>;
    /// The latest entry of each of these records that has one.
    async fn log_latest(&self, records: &[AlgorithmId]) -> Result<Vec<LogEntry>>;
    /// Every entry of one record, in order.
    async fn log_of(&self, record: AlgorithmId) -> Result<Vec<LogEntry>>;
    /// The key kept for `name` (a register harvested versions came from): the stored one, or
    /// `candidate` stored now when there is none (or always, with `replace`).
    async fn origin_key(&self, name: &str, candidate: &str, replace: bool) -> Result<String>;
    /// Every kept origin key, as (name, key), by name.
    async fn origin_keys(&self) -> Result<Vec<(String, String)>>;
    /// Forgets the key kept for `name` ([`StoreError::NotFound`] when there is none).
    async fn forget_origin_key(&self, name: &str) -> Result<()>;
    /// The log's signing key: the stored one, or `candidate` stored now when there is none.
    async fn log_key(&self, candidate: &str) -> Result<String>;
}

/// `Store`, the sum of the area traits, and its implementation for every type that has them all: from
/// one list.
macro_rules! store_of {
    ($($area:ident),* $(,)?) => {
        /// Every area of the store: what a backend implements and the services hold.
        pub trait Store: $($area +)* Send + Sync + 'static {}
        impl<T> Store for T where T: $($area +)* Send + Sync + 'static {}
    };
}

store_of!(
    OrganisationStore,
    PeopleStore,
    AccessStore,
    SessionStore,
    RecordStore,
    RegisterStore,
    AiActStore,
    FederationStore,
    SignalStore,
    IncidentStore,
    EvaluationStore,
    LinkStore,
    ReviewStore,
    AlertStore,
    MailStore,
    RuntimeStore,
    IdentityStore,
    AuditStore,
    SecondFactorStore,
    PasskeyStore,
    CopyStore,
    LogStore,
);

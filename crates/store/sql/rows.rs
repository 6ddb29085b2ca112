// The row decoders both SQL backends share (included by each backend's `rows.rs`, after it defines
// `DbRow`, `RowDb`, how it stores times and dates (`StoredTime`, `StoredDate`) and how it reads them
// back (`read_time`, `read_date`)): `algoreg_store::rows`'s decoders for this backend's rows, and the
// reading of a row being copied.

/// A row of this backend, read through [`Columns`].
struct Cells<'a>(&'a DbRow);

fn get<'r, T: sqlx::Decode<'r, RowDb> + sqlx::Type<RowDb>>(r: &'r DbRow, c: Col) -> Result<T> {
    match c {
        Col::Name(n) => r.try_get(n),
        Col::At(i) => r.try_get(i),
    }
    .map_err(|e| column_error(c, e))
}

impl Columns for Cells<'_> {
    fn text(&self, c: Col) -> Result<String> {
        get(self.0, c)
    }
    fn opt_text(&self, c: Col) -> Result<Option<String>> {
        get(self.0, c)
    }
    fn int(&self, c: Col) -> Result<i64> {
        get(self.0, c)
    }
    fn opt_int(&self, c: Col) -> Result<Option<i64>> {
        get(self.0, c)
    }
    fn flag(&self, c: Col) -> Result<bool> {
        get(self.0, c)
    }
    fn time(&self, c: Col) -> Result<DateTime<Utc>> {
        read_time(get::<StoredTime>(self.0, c)?)
    }
    fn opt_time(&self, c: Col) -> Result<Option<DateTime<Utc>>> {
        get::<Option<StoredTime>>(self.0, c)?.map(read_time).transpose()
    }
    fn date(&self, c: Col) -> Result<NaiveDate> {
        read_date(get::<StoredDate>(self.0, c)?)
    }
    fn opt_date(&self, c: Col) -> Result<Option<NaiveDate>> {
        get::<Option<StoredDate>>(self.0, c)?.map(read_date).transpose()
    }
}

/// The shared decoders of `algoreg_store::rows`, for this backend's rows.
macro_rules! decoders {
    ($($name:ident -> $t:ty),* $(,)?) => {
        $(pub fn $name(r: &DbRow) -> Result<$t> {
            algoreg_store::rows::$name(&Cells(r))
        })*
    };
}

decoders!(
    org_row -> Organisation, user_row -> User, invitation_row -> Invitation, token_row -> TokenInfo,
    record_row -> RecordMeta, version_row -> Version, published_row -> PublishedVersion, history_row -> HistoryEntry,
    workspace_row -> WorkspaceItem, source_row -> Source, source_record_row -> SourceRecord, signal_row -> Signal,
    incident_row -> Incident, incident_event_row -> IncidentEvent, evaluation_plan_row -> EvaluationPlan,
    evaluation_row -> Evaluation, mail_row -> Mail, audit_row -> AuditEvent, signing_key_row -> SigningKey,
    passkey_row -> Passkey, subject_pin_row -> SubjectPin, ceremony_row -> Ceremony, template_row -> Template, classification_row -> Classification,
    compliance_row -> ComplianceEntry, session_info_row -> SessionInfo, signal_times_row -> SignalTimes,
    last_change_row -> Option<DateTime<Utc>>, login_failure_row -> (u32, DateTime<Utc>), link_check_row -> LinkCheck, confirmation_row -> (algoreg_standard::AlgorithmId, DateTime<Utc>), alert_row -> Alert, link_acceptance_row -> LinkAcceptance, alert_confirmed_row -> Option<DateTime<Utc>>, review_reminder_row -> (algoreg_standard::AlgorithmId, chrono::NaiveDate), public_change_row -> PublicChange, log_entry_row -> LogEntry,
);

/// A row of a table being copied (`algoreg copy`).
pub fn copy_row(r: &DbRow, table: &algoreg_store::copy::Table) -> Result<Vec<algoreg_store::copy::Cell>> {
    algoreg_store::rows::copy_row(&Cells(r), table)
}

//! PostgreSQL implementation of [`algoreg_store::Store`]: one database for several nodes.
//!
//! Migrations embedded in the binary (`migrations/`), times as timestamptz to the microsecond, rows
//! locked where a write reads first. Every record write runs in one transaction with its history entry
//! and its outbox row, the outbox in commit order behind a transaction lock.

mod register;
mod rows;

include!("../../store/sql/backend.rs");

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Postgres};

type Backend = PgStore;
type Db = Postgres;

/// An account by its address, the letters A to Z folded (the unique index of migration 0004).
const USER_BY_EMAIL: &str = "SELECT * FROM users WHERE translate(email, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') = translate($1, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')";

/// How a transaction locks a row it reads before it writes (the row stays locked until the transaction ends).
const LOCK_ROW: &str = " FOR UPDATE";

include!("../../store/sql/helpers.rs");

/// How an import's rows carry a time.
type RowTime = DateTime<Utc>;

fn row_time(t: &DateTime<Utc>) -> RowTime {
    *t
}

include!("../../store/sql/import.rs");

/// The key of the transaction lock that writers of the outbox take first: positions (a sequence) are
/// then committed in the order they were given, so a reader that saw position n never later finds a
/// smaller one appear.
const OUTBOX_LOCK: i64 = 0x616c_676f_7265_6701;

#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
}

/// A time as bound to a query (timestamptz keeps microseconds).
pub(crate) fn ts(t: &DateTime<Utc>) -> DateTime<Utc> {
    *t
}

/// Each unique constraint by its name in the schema, and the field a conflict on it is about. A
/// constraint missing here answers the field `value`.
const UNIQUE_CONSTRAINTS: &[(&str, &str)] = &[
    ("organisations_code_key", "code"),
    ("users_email_key", "email"),
    ("records_pkey", "id"),
    ("versions_record_id_number_key", "id"),
    ("sources_url_key", "url"),
    ("memberships_pkey", "role"),
    ("signing_keys_pkey", "kid"),
    ("passkeys_credential_id_key", "credential_id"),
    ("sso_subjects_pkey", "subject"),
    ("sso_subjects_user_id_issuer_key", "issuer"),
];

/// The field a unique violation is about, by the constraint's name.
fn unique_constraint(d: &dyn sqlx::error::DatabaseError) -> &'static str {
    let name = d.constraint().unwrap_or("");
    UNIQUE_CONSTRAINTS.iter().find(|(c, _)| *c == name).map(|(_, f)| *f).unwrap_or("value")
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host/database`) and runs the migrations.
    pub async fn connect(url: &str) -> Result<PgStore> {
        let opts = PgConnectOptions::from_str(url).map_err(|e| StoreError::Backend(format!("bad database URL: {e}")))?;
        Self::connect_with(opts, 16).await
    }

    /// Connects with options made by the caller (the tests give each case its own database).
    pub async fn connect_with(opts: PgConnectOptions, connections: u32) -> Result<PgStore> {
        // A statement over a second is worth knowing about, not a warning: a bulk load's index builds
        // take seconds by design.
        let opts = opts
            .statement_cache_capacity(256)
            .application_name("algoreg")
            .log_slow_statements(log::LevelFilter::Info, Duration::from_secs(1));
        let pool = PgPoolOptions::new()
            .max_connections(connections)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(opts)
            .await
            .map_err(backend)?;
        let store = PgStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// The connection pool (for the operations that need the database itself: health, metrics).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The rows of `select` (a query ending in a record ID column, `... WHERE r.id`) for the records
    /// among `ids`, in no particular order, each read with `row`.
    async fn by_record_ids<T: Send>(
        &self,
        select: &str,
        ids: &[AlgorithmId],
        row: fn(&sqlx::postgres::PgRow) -> Result<T>,
    ) -> Result<Vec<T>> {
        let ids: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
        self.all(&format!("{select} = ANY($1)"), ids, row).await
    }

    /// After personal data was erased: the old row versions become unreachable now, not at the next
    /// autovacuum. Their bytes stay in the table's pages until the space is reused (a `VACUUM FULL`
    /// rewrites the table), and the write-ahead log and backups keep them until they age out
    /// (docs/DEPLOY.md).
    async fn after_erasure(&self) {
        let _ = sqlx::query("VACUUM signals, mail_outbox").execute(&self.pool).await;
    }

    async fn begin(&self) -> Result<Transaction<'_, Postgres>> {
        self.pool.begin().await.map_err(backend)
    }
}

/// After a copy into this store: every generated ID column continues after the largest copied ID.
async fn after_copy(tx: &mut Transaction<'_, Postgres>) -> Result<()> {
    for table in algoreg_store::copy::TABLES.iter().filter(|t| t.identity) {
        let name = table.name;
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
        ))
        .execute(&mut **tx)
        .await
        .map_err(backend)?;
    }
    Ok(())
}

/// Takes the outbox's transaction lock (see [`OUTBOX_LOCK`]); held until the transaction ends.
async fn lock_outbox(tx: &mut Transaction<'_, Postgres>) -> Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(OUTBOX_LOCK).execute(&mut **tx).await.map_err(backend)?;
    Ok(())
}

/// The body of [`RegisterStore::import_stream`]: every batch is written as it arrives, all in one
/// transaction, which commits only at [`ImportMsg::End`].
async fn import_streamed(store: &PgStore, expected: usize, mut batches: tokio::sync::mpsc::Receiver<ImportMsg>) -> Result<StreamOutcome> {
    let mut tx = store.begin().await?;
    // One import at a time: two would each read the record tables and then both ask for them whole.
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(IMPORT_LOCK).execute(&mut *tx).await.map_err(backend)?;
    let bulk = expected >= BULK_LOAD_FROM && take_for_bulk_load(&mut tx).await?;
    let mut orgs: std::collections::HashMap<String, OrgId> = sqlx::query("SELECT code, id FROM organisations")
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<OrgId, _>(1)))
        .collect();
    let empty = bulk || register_is_empty(&mut tx).await?;
    let now = Utc::now();
    let mut outcome = StreamOutcome::default();
    let mut ended = false;
    while let Some(msg) = batches.recv().await {
        let ImportMsg::Batch { organisations, mut records } = msg else {
            ended = true;
            break;
        };
        records.sort_unstable_by_key(|r| r.id);
        let rows: Vec<VersionRow> = records.iter_mut().flat_map(stream_rows).collect();
        for o in &organisations {
            let id = insert_organisation(&mut tx, o, &Utc::now()).await?;
            orgs.insert(o.code.clone(), id);
        }
        let mut existing: std::collections::HashMap<String, RecordMeta> = std::collections::HashMap::new();
        if !empty {
            let ids: Vec<String> = records.iter().map(|r| r.id.to_string()).collect();
            for row in sqlx::query("SELECT * FROM records WHERE id = ANY($1)").bind(&ids).fetch_all(&mut *tx).await.map_err(backend)? {
                let meta = record_row(&row)?;
                existing.insert(meta.id.to_string(), meta);
            }
        }
        let (fresh, fresh_rows) = sort_out_batch(records, rows, &mut existing, &orgs, &mut outcome)?;
        insert_rows(&mut tx, &fresh, fresh_rows, &now).await?;
        outcome.inserted += fresh.len();
    }
    if !ended {
        // Dropping the transaction rolls it back.
        return Err(StoreError::Backend("the import stopped before its end; nothing was written".into()));
    }
    if bulk {
        for statement in BULK_LOAD_RESTORE {
            sqlx::query(statement).execute(&mut *tx).await.map_err(backend)?;
        }
    }
    tx.commit().await.map_err(backend)?;
    Ok(outcome)
}

/// The advisory lock that imports take (any number not used by another lock of algoreg's).
const IMPORT_LOCK: i64 = 0x616c_676f_696d_7074;

/// Takes the record tables whole for a bulk load and sets their checks aside, when the register is
/// empty and the tables can be had within two seconds (a long reader elsewhere would otherwise hold up
/// every request queued behind the wait); else leaves everything as it was: the import then writes row
/// by row.
async fn take_for_bulk_load(tx: &mut Transaction<'_, Postgres>) -> Result<bool> {
    let run = |sql: &'static str| sqlx::query(sql);
    // Lock first, before reading anything: a read would take a lock that the lock would have to upgrade.
    run("SAVEPOINT bulk_load").execute(&mut **tx).await.map_err(backend)?;
    run("SET LOCAL lock_timeout = '2s'").execute(&mut **tx).await.map_err(backend)?;
    if run("LOCK TABLE records, versions, history IN ACCESS EXCLUSIVE MODE").execute(&mut **tx).await.is_err() {
        run("ROLLBACK TO SAVEPOINT bulk_load").execute(&mut **tx).await.map_err(backend)?;
        tracing::info!("the record tables are busy: the import writes row by row");
        return Ok(false);
    }
    run("SET LOCAL lock_timeout = 0").execute(&mut **tx).await.map_err(backend)?;
    if !register_is_empty(tx).await? {
        run("ROLLBACK TO SAVEPOINT bulk_load").execute(&mut **tx).await.map_err(backend)?;
        return Ok(false);
    }
    for statement in BULK_LOAD_SET_ASIDE {
        sqlx::query(statement).execute(&mut **tx).await.map_err(backend)?;
    }
    run("RELEASE SAVEPOINT bulk_load").execute(&mut **tx).await.map_err(backend)?;
    Ok(true)
}

async fn register_is_empty(tx: &mut Transaction<'_, Postgres>) -> Result<bool> {
    Ok(sqlx::query("SELECT NOT EXISTS (SELECT 1 FROM records)").fetch_one(&mut **tx).await.map_err(backend)?.get(0))
}

/// From this many records, an import into an empty register loads in bulk, as PostgreSQL's manual
/// advises for populating a database: inside the import's transaction the references of versions and
/// history to records and the secondary indexes of the three are set aside, the rows copied, and then
/// the indexes built in one sorted pass and the references checked in one join ([`BULK_LOAD_RESTORE`]),
/// about twice as fast as checking and indexing row by row. The transaction holds the three tables for
/// itself until it commits (readers of the empty register wait; organisations stay readable, their
/// reference from records is kept); a failure anywhere rolls all of it back, the constraints included.
/// A test compares the schema after a bulk load with a freshly migrated one.
const BULK_LOAD_FROM: usize = 1000;

const BULK_LOAD_SET_ASIDE: &[&str] = &[
    "ALTER TABLE versions DROP CONSTRAINT versions_record_id_fkey",
    "ALTER TABLE history DROP CONSTRAINT history_record_id_fkey",
    "ALTER TABLE versions DROP CONSTRAINT versions_record_id_number_key",
    "DROP INDEX records_org",
    "DROP INDEX records_public",
    "DROP INDEX history_record",
];

/// What [`BULK_LOAD_SET_ASIDE`] set aside, exactly as the migrations define it.
const BULK_LOAD_RESTORE: &[&str] = &[
    "ALTER TABLE versions ADD CONSTRAINT versions_record_id_number_key UNIQUE (record_id, number)",
    "CREATE INDEX records_org ON records(org_id)",
    "CREATE INDEX records_public ON records(id) WHERE published_version IS NOT NULL",
    "CREATE INDEX history_record ON history(record_id, id)",
    "ALTER TABLE versions ADD CONSTRAINT versions_record_id_fkey FOREIGN KEY (record_id) REFERENCES records(id)",
    "ALTER TABLE history ADD CONSTRAINT history_record_id_fkey FOREIGN KEY (record_id) REFERENCES records(id)",
];

/// Inserts new records with their versions, history and outbox rows inside a transaction.
async fn insert_imports(tx: &mut Transaction<'_, Postgres>, sorted: &[&ImportRecord]) -> Result<()> {
    let now = Utc::now();
    for chunk in sorted.chunks(400) {
        let rows: Vec<VersionRow> = chunk.iter().flat_map(|r| version_rows(r)).collect();
        let records: Vec<NewRecordRow> = chunk.iter().map(|r| NewRecordRow::of(r)).collect();
        insert_rows(tx, &records, rows, &now).await?;
    }
    Ok(())
}

/// Inserts new records with their version rows, history and outbox rows, with `COPY` (PostgreSQL's bulk
/// load: one stream per table instead of a statement per batch of rows).
async fn insert_rows(
    tx: &mut Transaction<'_, Postgres>,
    records: &[NewRecordRow],
    rows: Vec<VersionRow>,
    now: &DateTime<Utc>,
) -> Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    let mut text = CopyText::default();
    for r in records {
        let state = if r.published { VersionState::Published } else { VersionState::Draft };
        let published = r.published.then_some(r.versions);
        text.row(&[
            Some(&r.id),
            Some(&r.org_id.0.to_string()),
            Some(&stamp(&r.created_at)),
            Some(&r.versions.to_string()),
            Some(state.code()),
        ])
        .more(&[published.map(|n| n.to_string()).as_deref(), r.published.then(|| stamp(&r.created_at)).as_deref()]);
    }
    text.copy(tx, "COPY records (id, org_id, created_at, latest_version, latest_state, published_version, first_published_at) FROM STDIN")
        .await?;
    for v in &rows {
        text.row(&[Some(&v.record_id), Some(&v.number.to_string()), Some("import"), Some(&v.created_by), Some(&stamp(&v.created_at))])
            .end();
    }
    text.copy(tx, "COPY history (record_id, version, action, actor, at) FROM STDIN").await?;
    insert_versions(tx, &mut text, &rows).await?;
    let public: Vec<&NewRecordRow> = records.iter().filter(|r| r.published).collect();
    if !public.is_empty() {
        lock_outbox(tx).await?;
        for r in public {
            text.row(&[Some(&r.id), Some(&stamp(now))]).end();
        }
        text.copy(tx, "COPY outbox (record_id, at) FROM STDIN").await?;
    }
    Ok(())
}

async fn insert_versions(tx: &mut Transaction<'_, Postgres>, text: &mut CopyText, rows: &[VersionRow]) -> Result<()> {
    for v in rows {
        text.row(&[
            Some(&v.record_id),
            Some(&v.number.to_string()),
            Some(v.state),
            Some(v.standard_version),
            Some(&v.content),
            Some(&v.missing),
        ])
        .more(&[
            v.provenance.as_deref(),
            Some(&stamp(&v.created_at)),
            Some(&v.created_by),
            v.published_at.map(|t| stamp(&t)).as_deref(),
        ]);
    }
    text.copy(tx, "COPY versions (record_id, number, state, standard_version, content, missing, provenance, created_at, created_by, published_at) FROM STDIN").await
}

/// A time as `COPY` text (RFC 3339, microseconds).
fn stamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Appends `v` to `buf` in `COPY`'s text escaping. The plain stretches are copied whole, found with
/// `memchr` (a JSON text has a backslash now and then and almost never a tab, newline or return).
fn escape_into(buf: &mut String, v: &str) {
    fn escaped(b: u8) -> Option<&'static str> {
        match b {
            b'\\' => Some("\\\\"),
            b'\t' => Some("\\t"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            _ => None,
        }
    }
    buf.reserve(v.len());
    let bytes = v.as_bytes();
    let mut from = 0;
    if memchr::memchr(b'\r', bytes).is_none() {
        for at in memchr::memchr3_iter(b'\\', b'\t', b'\n', bytes) {
            buf.push_str(&v[from..at]);
            buf.push_str(escaped(bytes[at]).unwrap_or_default());
            from = at + 1;
        }
    } else {
        for (at, b) in bytes.iter().enumerate() {
            if let Some(e) = escaped(*b) {
                buf.push_str(&v[from..at]);
                buf.push_str(e);
                from = at + 1;
            }
        }
    }
    buf.push_str(&v[from..]);
}

/// Rows in `COPY`'s text format: tab between columns, `\N` for NULL, backslash escapes.
#[derive(Default)]
struct CopyText {
    buf: String,
    first: bool,
}

impl CopyText {
    /// Starts a row with these columns (more may follow with [`Self::more`]; [`Self::end`] ends it).
    fn row(&mut self, cols: &[Option<&str>]) -> &mut Self {
        if !self.buf.is_empty() && !self.buf.ends_with('\n') {
            self.buf.push('\n');
        }
        self.first = true;
        self.more(cols);
        self.first = false;
        self
    }

    fn more(&mut self, cols: &[Option<&str>]) -> &mut Self {
        for c in cols {
            if !std::mem::take(&mut self.first) {
                self.buf.push('\t');
            }
            match c {
                None => self.buf.push_str("\\N"),
                Some(v) => escape_into(&mut self.buf, v),
            }
        }
        self
    }

    fn end(&mut self) {
        self.buf.push('\n');
    }

    /// Sends the rows so far with `statement` and empties the buffer.
    async fn copy(&mut self, tx: &mut Transaction<'_, Postgres>, statement: &str) -> Result<()> {
        if !self.buf.ends_with('\n') && !self.buf.is_empty() {
            self.buf.push('\n');
        }
        let mut copy = tx.copy_in_raw(statement).await.map_err(backend)?;
        copy.send(std::mem::take(&mut self.buf).into_bytes()).await.map_err(backend)?;
        copy.finish().await.map_err(backend)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn copy_text_escapes_what_copy_reads_specially() {
        for (text, want) in [
            ("plain", "plain"),
            ("", ""),
            ("a\\b\tc\nd", "a\\\\b\\tc\\nd"),
            ("{\"x\":\"\\\"\"}\r\n", "{\"x\":\"\\\\\"\"}\\r\\n"),
            ("\\\\", "\\\\\\\\"),
            ("é\tß", "é\\tß"),
        ] {
            let mut buf = String::new();
            super::escape_into(&mut buf, text);
            assert_eq!(buf, want, "{text:?}");
        }
    }
}

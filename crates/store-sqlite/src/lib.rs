//! SQLite implementation of [`algoreg_store::Store`]: the embedded default.
//!
//! WAL journal, foreign keys on, migrations embedded in the binary (`migrations/`). Every record write
//! runs in one transaction with its history entry and its outbox row.

mod rows;

use algoreg_domain::org::Role;
use algoreg_domain::workflow::VersionState;
use algoreg_standard::AlgorithmId;
use algoreg_store::*;
use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use rows::*;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Arguments, QueryBuilder, Row, Sqlite, SqlitePool, Transaction};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

const INVITATION_SELECT: &str = "SELECT i.*, o.code AS org_code, o.name AS org_name, u.email AS user_email FROM invitations i JOIN organisations o ON o.id=i.org_id JOIN users u ON u.id=i.user_id";

pub(crate) fn ts(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn backend(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() {
            let msg = d.message();
            let field = if msg.contains("organisations.code") {
                "code"
            } else if msg.contains("users.email") {
                "email"
            } else if msg.contains("records.id") || msg.contains("versions.") {
                "id"
            } else {
                "value"
            };
            return StoreError::Conflict(field);
        }
    }
    StoreError::Backend(e.to_string())
}

impl SqliteStore {
    /// Opens (creating if needed) `DIR/algoreg.db` and runs the migrations.
    pub async fn open_dir(dir: &Path) -> Result<SqliteStore> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Backend(format!("cannot create {}: {e}", dir.display())))?;
        Self::open(&dir.join("algoreg.db")).await
    }

    /// For one-shot commands that work alone (`algoreg import`): a single connection, so that a large
    /// batch can be written through a rollback journal (see `import_records`).
    pub async fn open_dir_single(dir: &Path) -> Result<SqliteStore> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Backend(format!("cannot create {}: {e}", dir.display())))?;
        Self::open_with(&dir.join("algoreg.db"), 1).await
    }

    pub async fn open(file: &Path) -> Result<SqliteStore> {
        Self::open_with(file, 8).await
    }

    async fn open_with(file: &Path, connections: u32) -> Result<SqliteStore> {
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", file.display()))
            .map_err(backend)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(15))
            // Pages of 16 KiB (for a new file; an existing one keeps its size): a row holds a whole
            // registration (kilobytes), so larger pages mean fewer splits and fewer writes. Measured in
            // docs/BENCHMARKS.md.
            .page_size(16384)
            .pragma("cache_size", "-131072")
            .pragma("temp_store", "memory")
            // Deleted content is overwritten, so erased personal data leaves no trace in the file.
            .pragma("secure_delete", "on")
            .statement_cache_capacity(256);
        let pool = SqlitePoolOptions::new().max_connections(connections).min_connections(1).connect_with(opts).await.map_err(backend)?;
        let store = SqliteStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await.map_err(|e| StoreError::Backend(e.to_string()))
    }

    /// Open invitations where `column` (a fixed column name, never input) is `id`.
    async fn open_invitations(&self, column: &'static str, id: i64, now: DateTime<Utc>) -> Result<Vec<Invitation>> {
        let rows = sqlx::query(&format!("{INVITATION_SELECT} WHERE {column}=? AND i.expires_at > ? ORDER BY i.id"))
            .bind(id)
            .bind(ts(&now))
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(rows::invitation_row).collect()
    }

    async fn begin(&self) -> Result<Transaction<'_, Sqlite>> {
        // IMMEDIATE: the write lock is taken at the start, waiting up to the busy timeout. A deferred
        // transaction that reads first and writes later fails at once with "database is locked" when
        // another connection wrote in between (its snapshot is stale; WAL cannot wait that out).
        self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(backend)
    }
}

async fn insert_version(
    tx: &mut Transaction<'_, Sqlite>,
    id: &str,
    number: u32,
    v: &NewVersion,
    published_at: Option<&DateTime<Utc>>,
) -> Result<()> {
    sqlx::query("INSERT INTO versions (record_id, number, state, standard_version, content, missing, provenance, created_at, created_by, published_at) VALUES (?,?,?,?,?,?,?,?,?,?)")
        .bind(id)
        .bind(number as i64)
        .bind(v.state.code())
        .bind(v.standard_version.as_str())
        .bind(json(&v.content))
        .bind(json(&v.missing))
        .bind(v.provenance.as_ref().map(json))
        .bind(ts(&v.created_at))
        .bind(&v.created_by)
        .bind(published_at.map(ts))
        .execute(&mut **tx)
        .await
        .map_err(backend)?;
    Ok(())
}

async fn insert_history(tx: &mut Transaction<'_, Sqlite>, id: &str, h: &NewHistory) -> Result<()> {
    sqlx::query("INSERT INTO history (record_id, version, action, actor, reason, at) VALUES (?,?,?,?,?,?)")
        .bind(id)
        .bind(h.version as i64)
        .bind(h.action.code())
        .bind(&h.actor)
        .bind(&h.reason)
        .bind(ts(&h.at))
        .execute(&mut **tx)
        .await
        .map_err(backend)?;
    Ok(())
}

async fn outbox(tx: &mut Transaction<'_, Sqlite>, id: &str, at: &DateTime<Utc>) -> Result<()> {
    sqlx::query("INSERT INTO outbox (record_id, at) VALUES (?, ?)").bind(id).bind(ts(at)).execute(&mut **tx).await.map_err(backend)?;
    Ok(())
}

/// One version row of an import, every value already rendered (done on all cores before the transaction).
struct VersionRow {
    record_id: String,
    number: i64,
    state: &'static str,
    standard_version: &'static str,
    content: String,
    missing: String,
    provenance: Option<String>,
    created_at: String,
    created_by: String,
    published_at: Option<String>,
}

fn version_rows(r: &ImportRecord) -> Vec<VersionRow> {
    let versions = r
        .versions
        .iter()
        .map(|v| StreamVersion {
            standard_version: v.standard_version,
            content: json(&v.content),
            missing: v.missing.clone(),
            provenance: v.provenance.clone(),
            created_at: v.created_at,
            created_by: v.created_by.clone(),
        })
        .collect();
    stream_rows(&mut StreamRecord { id: r.id, org: String::new(), versions, published: r.published })
}

async fn import_batch(conn: &mut sqlx::pool::PoolConnection<Sqlite>, sorted: &[&ImportRecord]) -> Result<()> {
    let mut tx = sqlx::Connection::begin_with(&mut **conn, "BEGIN IMMEDIATE").await.map_err(backend)?;
    insert_imports(&mut tx, sorted).await?;
    tx.commit().await.map_err(backend)
}

/// The version rows of a streamed record; the contents are moved into the rows.
fn stream_rows(r: &mut StreamRecord) -> Vec<VersionRow> {
    let id = r.id.to_string();
    let n = r.versions.len();
    r.versions
        .iter_mut()
        .enumerate()
        .map(|(i, v)| {
            let state = match (i + 1 == n, r.published) {
                (true, true) => VersionState::Published,
                (true, false) => VersionState::Draft,
                (false, _) => VersionState::Superseded,
            };
            let created_at = ts(&v.created_at);
            VersionRow {
                record_id: id.clone(),
                number: i as i64 + 1,
                state: state.code(),
                standard_version: v.standard_version.as_str(),
                content: std::mem::take(&mut v.content),
                missing: json(&v.missing),
                provenance: v.provenance.as_ref().map(json),
                published_at: r.published.then(|| created_at.clone()),
                created_at,
                created_by: v.created_by.clone(),
            }
        })
        .collect()
}

/// A batch of an import stream with its rows rendered.
enum Prepared {
    Batch { organisations: Vec<NewOrganisation>, records: Vec<StreamRecord>, rows: Vec<VersionRow> },
    End,
}

/// The body of [`Store::import_stream`]: one thread renders the rows (JSON text, timestamps) of each
/// batch while this task inserts the previous one, so that reading, checking, rendering and writing
/// all run at once and only a few batches are in memory.
async fn import_streamed(
    conn: &mut sqlx::pool::PoolConnection<Sqlite>,
    batches: std::sync::mpsc::Receiver<ImportMsg>,
) -> Result<StreamOutcome> {
    let (send, mut receive) = tokio::sync::mpsc::channel::<Prepared>(4);
    std::thread::spawn(move || {
        for msg in batches.iter() {
            let prepared = match msg {
                ImportMsg::End => Prepared::End,
                ImportMsg::Batch { organisations, mut records } => {
                    // Key order within a batch: fewer B-tree pages touched per insert.
                    records.sort_unstable_by_key(|r| r.id);
                    let rows = records.iter_mut().flat_map(stream_rows).collect();
                    Prepared::Batch { organisations, records, rows }
                }
            };
            let end = matches!(prepared, Prepared::End);
            // A closed channel means the writer stopped (an error): stop reading, which stops the sender.
            if send.blocking_send(prepared).is_err() || end {
                break;
            }
        }
    });
    let mut tx = sqlx::Connection::begin_with(&mut **conn, "BEGIN IMMEDIATE").await.map_err(backend)?;
    let mut orgs: std::collections::HashMap<String, i64> = sqlx::query("SELECT code, id FROM organisations")
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<i64, _>(1)))
        .collect();
    // Into an empty register nothing can exist already; otherwise each batch asks.
    let empty: bool = sqlx::query("SELECT NOT EXISTS (SELECT 1 FROM records)").fetch_one(&mut *tx).await.map_err(backend)?.get(0);
    let now = ts(&Utc::now());
    let mut outcome = StreamOutcome::default();
    let mut ended = false;
    while let Some(prepared) = receive.recv().await {
        let Prepared::Batch { organisations, records, rows } = prepared else {
            ended = true;
            break;
        };
        for o in &organisations {
            let id = insert_organisation(&mut tx, o, &Utc::now()).await?;
            orgs.insert(o.code.clone(), id);
        }
        let mut existing: std::collections::HashMap<String, RecordMeta> = std::collections::HashMap::new();
        for chunk in records.chunks(500).filter(|_| !empty) {
            let mut q = QueryBuilder::<Sqlite>::new("SELECT * FROM records WHERE id IN (");
            let mut sep = q.separated(", ");
            for r in chunk {
                sep.push_bind(r.id.to_string());
            }
            q.push(")");
            for row in q.build().fetch_all(&mut *tx).await.map_err(backend)? {
                let meta = record_row(&row)?;
                existing.insert(meta.id.to_string(), meta);
            }
        }
        let mut rows = rows.into_iter();
        let mut fresh = Vec::with_capacity(records.len());
        let mut fresh_rows = Vec::with_capacity(rows.len());
        for r in records {
            let these = rows.by_ref().take(r.versions.len());
            if let Some(meta) = existing.remove(&r.id.to_string()) {
                let mut r = r;
                for (v, row) in r.versions.iter_mut().zip(these) {
                    v.content = row.content; // back from the row it was moved into
                }
                outcome.existing.push((meta, r));
                continue;
            }
            let Some(&org_id) = orgs.get(&r.org) else {
                return Err(StoreError::Backend(format!("import: organisation {:?} is not in the store", r.org)));
            };
            fresh_rows.extend(these);
            fresh.push(NewRecordRow {
                id: r.id.to_string(),
                org_id,
                created_at: r.versions.first().map(|v| ts(&v.created_at)).unwrap_or_default(),
                versions: r.versions.len() as i64,
                published: r.published,
            });
        }
        let mut fresh_rows = fresh_rows.into_iter();
        for chunk in fresh.chunks(400) {
            let n: usize = chunk.iter().map(|r| r.versions as usize).sum();
            insert_rows(&mut tx, chunk, fresh_rows.by_ref().take(n).collect(), &now).await?;
        }
        outcome.inserted += fresh.len();
    }
    if !ended {
        // Dropping the transaction rolls it back.
        return Err(StoreError::Backend("the import stopped before its end; nothing was written".into()));
    }
    tx.commit().await.map_err(backend)?;
    Ok(outcome)
}

async fn insert_organisation(tx: &mut Transaction<'_, Sqlite>, org: &NewOrganisation, at: &DateTime<Utc>) -> Result<i64> {
    Ok(sqlx::query(
        "INSERT INTO organisations (code, name, org_type, tooi, flow, about, contact, created_at) VALUES (?,?,?,?,?,?,?,?) RETURNING id",
    )
    .bind(&org.code)
    .bind(&org.name)
    .bind(org.org_type.code())
    .bind(&org.tooi)
    .bind(org.flow.code())
    .bind(&org.about)
    .bind(&org.contact)
    .bind(ts(at))
    .fetch_one(&mut **tx)
    .await
    .map_err(backend)?
    .get::<i64, _>(0))
}

/// Inserts new records with their versions, history and outbox rows inside a transaction.
async fn insert_imports(tx: &mut Transaction<'_, Sqlite>, sorted: &[&ImportRecord]) -> Result<()> {
    const CHUNK: usize = 400;
    let now = ts(&Utc::now());
    let multi_thread =
        tokio::runtime::Handle::try_current().is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if !multi_thread || sorted.len() < 1000 {
        // Small batches (and single-threaded runtimes): render on all cores, then insert.
        let rendered: Vec<Vec<VersionRow>> = {
            use rayon::prelude::*;
            sorted.par_chunks(CHUNK).map(|chunk| chunk.iter().flat_map(|r| version_rows(r)).collect()).collect()
        };
        for (chunk, rows) in sorted.chunks(CHUNK).zip(rendered) {
            insert_chunk(tx, chunk, rows, &now).await?;
        }
        return Ok(());
    }
    // Large batches: one thread renders the rows (JSON, timestamps) of the next chunks while this one
    // inserts, so both cores work at once.
    let handle = tokio::runtime::Handle::current();
    tokio::task::block_in_place(|| {
        std::thread::scope(|scope| {
            let (send, receive) = std::sync::mpsc::sync_channel::<Vec<VersionRow>>(8);
            scope.spawn(move || {
                for chunk in sorted.chunks(CHUNK) {
                    let rows: Vec<VersionRow> = chunk.iter().flat_map(|r| version_rows(r)).collect();
                    if send.send(rows).is_err() {
                        break;
                    }
                }
            });
            for (chunk, rows) in sorted.chunks(CHUNK).zip(receive.iter()) {
                handle.block_on(insert_chunk(tx, chunk, rows, &now))?;
            }
            Ok(())
        })
    })
}

/// The row of a new record: its versions are numbered 1 to `versions`.
struct NewRecordRow {
    id: String,
    org_id: i64,
    created_at: String,
    versions: i64,
    published: bool,
}

impl NewRecordRow {
    fn of(r: &ImportRecord) -> NewRecordRow {
        NewRecordRow {
            id: r.id.to_string(),
            org_id: r.org_id,
            created_at: r.versions.first().map(|v| ts(&v.created_at)).unwrap_or_default(),
            versions: r.versions.len() as i64,
            published: r.published,
        }
    }
}

/// Inserts one chunk of new records: the record rows, their versions and history, and outbox rows.
async fn insert_chunk(tx: &mut Transaction<'_, Sqlite>, chunk: &[&ImportRecord], rows: Vec<VersionRow>, now: &str) -> Result<()> {
    let records: Vec<NewRecordRow> = chunk.iter().map(|r| NewRecordRow::of(r)).collect();
    insert_rows(tx, &records, rows, now).await
}

/// Inserts new records (at most a few hundred) with their version rows, history and outbox rows.
async fn insert_rows(tx: &mut Transaction<'_, Sqlite>, chunk: &[NewRecordRow], rows: Vec<VersionRow>, now: &str) -> Result<()> {
    let records =
        "INSERT INTO records (id, org_id, created_at, latest_version, latest_state, published_version, first_published_at) VALUES ";
    insert_many(tx, records, 7, chunk.iter().collect(), |a, r| {
        let state = if r.published { VersionState::Published } else { VersionState::Draft };
        Arguments::add(a, r.id.clone())?;
        Arguments::add(a, r.org_id)?;
        Arguments::add(a, r.created_at.clone())?;
        Arguments::add(a, r.versions)?;
        Arguments::add(a, state.code())?;
        Arguments::add(a, r.published.then_some(r.versions))?;
        Arguments::add(a, r.published.then(|| r.created_at.clone()))
    })
    .await?;
    let history = "INSERT INTO history (record_id, version, action, actor, at) VALUES ";
    insert_many(tx, history, 5, rows.iter().collect(), |a, v| {
        Arguments::add(a, v.record_id.clone())?;
        Arguments::add(a, v.number)?;
        Arguments::add(a, "import")?;
        Arguments::add(a, v.created_by.clone())?;
        Arguments::add(a, v.created_at.clone())
    })
    .await?;
    let versions = "INSERT INTO versions (record_id, number, state, standard_version, content, missing, provenance, created_at, created_by, published_at) VALUES ";
    insert_many(tx, versions, 10, rows, |a, v| {
        Arguments::add(a, v.record_id)?;
        Arguments::add(a, v.number)?;
        Arguments::add(a, v.state)?;
        Arguments::add(a, v.standard_version)?;
        Arguments::add(a, v.content)?;
        Arguments::add(a, v.missing)?;
        Arguments::add(a, v.provenance)?;
        Arguments::add(a, v.created_at)?;
        Arguments::add(a, v.created_by)?;
        Arguments::add(a, v.published_at)
    })
    .await?;
    let outbox = "INSERT INTO outbox (record_id, at) VALUES ";
    insert_many(tx, outbox, 2, chunk.iter().filter(|r| r.published).collect(), |a, r| {
        Arguments::add(a, r.id.clone())?;
        Arguments::add(a, now.to_string())
    })
    .await
}

type BindResult = std::result::Result<(), sqlx::error::BoxDynError>;

/// Inserts `items` with multi-row statements of a few fixed lengths: pieces of 256 rows, the rest in
/// powers of two. The connection's statement cache then keeps every statement prepared; a statement of
/// a new length would be parsed and planned anew each time.
async fn insert_many<'a, T>(
    tx: &mut Transaction<'_, Sqlite>,
    head: &str,
    columns: usize,
    items: Vec<T>,
    mut bind: impl FnMut(&mut sqlx::sqlite::SqliteArguments<'a>, T) -> BindResult,
) -> Result<()> {
    let mut items = items.into_iter();
    let mut left = items.len();
    while left > 0 {
        let piece = if left >= 256 { 256 } else { 1 << left.ilog2() };
        left -= piece;
        let row = format!("({})", vec!["?"; columns].join(","));
        let sql = format!("{head}{}", vec![row; piece].join(","));
        let mut args = sqlx::sqlite::SqliteArguments::default();
        args.reserve(piece * columns, 0);
        for item in items.by_ref().take(piece) {
            bind(&mut args, item).map_err(|e| StoreError::Backend(e.to_string()))?;
        }
        sqlx::query_with(&sql, args).execute(&mut **tx).await.map_err(backend)?;
    }
    Ok(())
}

/// Applies one workflow step inside a transaction.
async fn apply_in(tx: &mut Transaction<'_, Sqlite>, change: &Change) -> Result<()> {
    let sid = change.record.to_string();
    let row = sqlx::query("SELECT latest_version, published_version FROM records WHERE id=?")
        .bind(&sid)
        .fetch_optional(&mut **tx)
        .await
        .map_err(backend)?;
    let Some(row) = row else { return Err(StoreError::NotFound) };
    let latest: i64 = row.get(0);
    if latest as u32 != change.expected_latest {
        return Err(StoreError::Stale);
    }
    let now = change.history.at;
    let mut new_latest = latest as u32;
    if let Some(v) = &change.new_version {
        new_latest += 1;
        let published_at = (change.publishes == Some(new_latest)).then_some(&now);
        insert_version(tx, &sid, new_latest, v, published_at).await?;
    }
    for (number, state) in &change.state_changes {
        let set_pub = change.publishes == Some(*number);
        sqlx::query("UPDATE versions SET state=?, published_at = CASE WHEN ? THEN ? ELSE published_at END WHERE record_id=? AND number=?")
            .bind(state.code())
            .bind(set_pub)
            .bind(ts(&now))
            .bind(&sid)
            .bind(*number as i64)
            .execute(&mut **tx)
            .await
            .map_err(backend)?;
    }
    let latest_state: String = sqlx::query("SELECT state FROM versions WHERE record_id=? AND number=?")
        .bind(&sid)
        .bind(new_latest as i64)
        .fetch_one(&mut **tx)
        .await
        .map_err(backend)?
        .get(0);
    let released_by = if latest_state == VersionState::Released.code() { change.released_by.clone() } else { None };
    let mut q = QueryBuilder::<Sqlite>::new("UPDATE records SET latest_version=");
    q.push_bind(new_latest as i64).push(", latest_state=").push_bind(latest_state).push(", released_by=").push_bind(released_by);
    if let Some(p) = change.publishes {
        q.push(", published_version=")
            .push_bind(p as i64)
            .push(", first_published_at=COALESCE(first_published_at, ")
            .push_bind(ts(&now))
            .push(")");
    } else if change.unpublishes {
        q.push(", published_version=NULL");
    }
    q.push(" WHERE id=").push_bind(&sid);
    q.build().execute(&mut **tx).await.map_err(backend)?;
    insert_history(tx, &sid, &change.history).await?;
    if change.publishes.is_some() || change.unpublishes {
        outbox(tx, &sid, &now).await?;
    }
    Ok(())
}

/// Switches the journal mode; true when the database is in that mode afterwards.
async fn set_journal(conn: &mut sqlx::pool::PoolConnection<Sqlite>, mode: &str) -> bool {
    match sqlx::query(&format!("PRAGMA journal_mode={mode}")).fetch_one(&mut **conn).await {
        Ok(row) => row.try_get::<String, _>(0).is_ok_and(|m| m.eq_ignore_ascii_case(mode)),
        Err(_) => false,
    }
}

async fn insert_mails(tx: &mut Transaction<'_, Sqlite>, mails: &[NewMail]) -> Result<()> {
    let now = ts(&Utc::now());
    for m in mails {
        sqlx::query("INSERT INTO mail_outbox (to_addr, subject, body, created_at) VALUES (?,?,?,?)")
            .bind(&m.to)
            .bind(&m.subject)
            .bind(&m.body)
            .bind(&now)
            .execute(&mut **tx)
            .await
            .map_err(backend)?;
    }
    Ok(())
}

const SOURCE_SELECT: &str = "SELECT s.*, o.code AS org_code FROM sources s JOIN organisations o ON o.id=s.org_id";

const PUBLISHED_COLS: &str = "r.id, o.code, v.number, v.standard_version, v.content, v.missing, v.provenance, v.published_at, r.first_published_at, (v.number = r.published_version) AS current";

#[async_trait]
impl Store for SqliteStore {
    async fn create_organisation(&self, org: &NewOrganisation) -> Result<Organisation> {
        let now = Utc::now();
        let mut tx = self.begin().await?;
        let id = insert_organisation(&mut tx, org, &now).await?;
        tx.commit().await.map_err(backend)?;
        Ok(Organisation {
            id,
            code: org.code.clone(),
            name: org.name.clone(),
            org_type: org.org_type,
            tooi: org.tooi.clone(),
            flow: org.flow,
            about: org.about.clone(),
            contact: org.contact.clone(),
            created_at: now,
        })
    }

    async fn update_organisation(&self, org: &Organisation) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query("UPDATE organisations SET name=?, org_type=?, tooi=?, flow=?, about=?, contact=? WHERE id=?")
            .bind(&org.name)
            .bind(org.org_type.code())
            .bind(&org.tooi)
            .bind(org.flow.code())
            .bind(&org.about)
            .bind(&org.contact)
            .bind(org.id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        // The organisation's details are part of what the public sees of each of its records (pages, the
        // feed, the search index): the change goes through the outbox like a change to the records.
        sqlx::query("INSERT INTO outbox (record_id, at) SELECT id, ? FROM records WHERE org_id=? AND published_version IS NOT NULL")
            .bind(ts(&Utc::now()))
            .bind(org.id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn organisation(&self, id: i64) -> Result<Option<Organisation>> {
        let row = sqlx::query("SELECT * FROM organisations WHERE id=?").bind(id).fetch_optional(&self.pool).await.map_err(backend)?;
        row.map(|r| org_row(&r)).transpose()
    }

    async fn organisation_by_code(&self, code: &str) -> Result<Option<Organisation>> {
        let row = sqlx::query("SELECT * FROM organisations WHERE code=?").bind(code).fetch_optional(&self.pool).await.map_err(backend)?;
        row.map(|r| org_row(&r)).transpose()
    }

    async fn organisations(&self) -> Result<Vec<Organisation>> {
        let rows = sqlx::query("SELECT * FROM organisations ORDER BY name").fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(org_row).collect()
    }

    async fn create_user(&self, user: &NewUser) -> Result<User> {
        let now = Utc::now();
        let id =
            sqlx::query("INSERT INTO users (email, name, password_hash, central_operator, created_at, password_temporary_until) VALUES (?,?,?,?,?,?) RETURNING id")
                .bind(&user.email)
                .bind(&user.name)
                .bind(&user.password_hash)
                .bind(user.central_operator)
                .bind(ts(&now))
                .bind(user.password_temporary_until.as_ref().map(ts))
                .fetch_one(&self.pool)
                .await
                .map_err(backend)?
                .get::<i64, _>(0);
        Ok(User {
            id,
            email: user.email.clone(),
            name: user.name.clone(),
            password_hash: user.password_hash.clone(),
            central_operator: user.central_operator,
            created_at: now,
            password_temporary_until: user.password_temporary_until,
        })
    }

    async fn user(&self, id: i64) -> Result<Option<User>> {
        let row = sqlx::query("SELECT * FROM users WHERE id=?").bind(id).fetch_optional(&self.pool).await.map_err(backend)?;
        row.map(|r| user_row(&r)).transpose()
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        let row = sqlx::query("SELECT * FROM users WHERE email=?").bind(email).fetch_optional(&self.pool).await.map_err(backend)?;
        row.map(|r| user_row(&r)).transpose()
    }

    async fn set_membership(&self, user_id: i64, org_id: i64, role: Role) -> Result<()> {
        sqlx::query("INSERT OR IGNORE INTO memberships (user_id, org_id, role) VALUES (?,?,?)")
            .bind(user_id)
            .bind(org_id)
            .bind(role.code())
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn remove_membership(&self, user_id: i64, org_id: i64, role: Option<Role>) -> Result<()> {
        let q = match role {
            Some(r) => {
                sqlx::query("DELETE FROM memberships WHERE user_id=? AND org_id=? AND role=?").bind(user_id).bind(org_id).bind(r.code())
            }
            None => sqlx::query("DELETE FROM memberships WHERE user_id=? AND org_id=?").bind(user_id).bind(org_id),
        };
        q.execute(&self.pool).await.map_err(backend)?;
        Ok(())
    }

    async fn memberships(&self, user_id: i64) -> Result<Vec<Membership>> {
        let rows = sqlx::query("SELECT org_id, role FROM memberships WHERE user_id=? ORDER BY org_id, role")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(|r| Ok(Membership { org_id: r.get(0), role: parse_role(r.get(1))? })).collect()
    }

    async fn members(&self, org_id: i64) -> Result<Vec<(User, Role)>> {
        let rows = sqlx::query(
            "SELECT u.*, m.role AS member_role FROM memberships m JOIN users u ON u.id=m.user_id WHERE m.org_id=? ORDER BY u.email, m.role",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(|r| Ok((user_row(r)?, parse_role(r.get("member_role"))?))).collect()
    }

    async fn create_session(&self, hash: &str, user_id: i64, expires_at: DateTime<Utc>) -> Result<()> {
        sqlx::query("INSERT INTO sessions (hash, user_id, created_at, expires_at) VALUES (?,?,?,?)")
            .bind(hash)
            .bind(user_id)
            .bind(ts(&Utc::now()))
            .bind(ts(&expires_at))
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn session_user(&self, hash: &str, now: DateTime<Utc>) -> Result<Option<User>> {
        let row = sqlx::query("SELECT u.* FROM sessions s JOIN users u ON u.id=s.user_id WHERE s.hash=? AND s.expires_at > ?")
            .bind(hash)
            .bind(ts(&now))
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.map(|r| user_row(&r)).transpose()
    }

    async fn delete_session(&self, hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE hash=?").bind(hash).execute(&self.pool).await.map_err(backend)?;
        Ok(())
    }

    async fn set_password(&self, user_id: i64, password_hash: &str, temporary_until: Option<DateTime<Utc>>) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query("UPDATE users SET password_hash=?, password_temporary_until=? WHERE id=?")
            .bind(password_hash)
            .bind(temporary_until.as_ref().map(ts))
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        // A new password ends every session of that user, and every reset link.
        sqlx::query("DELETE FROM sessions WHERE user_id=?").bind(user_id).execute(&mut *tx).await.map_err(backend)?;
        sqlx::query("DELETE FROM password_resets WHERE user_id=?").bind(user_id).execute(&mut *tx).await.map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn create_invitation(
        &self,
        org_id: i64,
        user_id: i64,
        role: Role,
        invited_by: Option<i64>,
        expires_at: DateTime<Utc>,
    ) -> Result<i64> {
        let id = sqlx::query(
            "INSERT INTO invitations (org_id, user_id, role, invited_by, created_at, expires_at) VALUES (?,?,?,?,?,?)
             ON CONFLICT (org_id, user_id, role) DO UPDATE SET invited_by=excluded.invited_by, created_at=excluded.created_at, expires_at=excluded.expires_at
             RETURNING id",
        )
        .bind(org_id)
        .bind(user_id)
        .bind(role.code())
        .bind(invited_by)
        .bind(ts(&Utc::now()))
        .bind(ts(&expires_at))
        .fetch_one(&self.pool)
        .await
        .map_err(backend)?
        .get::<i64, _>(0);
        Ok(id)
    }

    async fn invitations_for_user(&self, user_id: i64, now: DateTime<Utc>) -> Result<Vec<Invitation>> {
        self.open_invitations("i.user_id", user_id, now).await
    }

    async fn invitations_of_org(&self, org_id: i64, now: DateTime<Utc>) -> Result<Vec<Invitation>> {
        self.open_invitations("i.org_id", org_id, now).await
    }

    async fn accept_invitation(&self, id: i64, user_id: i64, now: DateTime<Utc>) -> Result<Invitation> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(&format!("{INVITATION_SELECT} WHERE i.id=? AND i.user_id=? AND i.expires_at > ?"))
            .bind(id)
            .bind(user_id)
            .bind(ts(&now))
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?
            .ok_or(StoreError::NotFound)?;
        let inv = rows::invitation_row(&row)?;
        sqlx::query("INSERT OR IGNORE INTO memberships (user_id, org_id, role) VALUES (?,?,?)")
            .bind(inv.user_id)
            .bind(inv.org_id)
            .bind(inv.role.code())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query("DELETE FROM invitations WHERE id=?").bind(id).execute(&mut *tx).await.map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(inv)
    }

    async fn delete_invitation(&self, id: i64) -> Result<Invitation> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(&format!("{INVITATION_SELECT} WHERE i.id=?"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?
            .ok_or(StoreError::NotFound)?;
        let inv = rows::invitation_row(&row)?;
        sqlx::query("DELETE FROM invitations WHERE id=?").bind(id).execute(&mut *tx).await.map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(inv)
    }

    async fn create_password_reset(&self, hash: &str, user_id: i64, expires_at: DateTime<Utc>, mails: &[NewMail]) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO password_resets (hash, user_id, created_at, expires_at) VALUES (?,?,?,?)")
            .bind(hash)
            .bind(user_id)
            .bind(ts(&Utc::now()))
            .bind(ts(&expires_at))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        insert_mails(&mut tx, mails).await?;
        tx.commit().await.map_err(backend)
    }

    async fn password_reset_user(&self, hash: &str, now: DateTime<Utc>) -> Result<Option<User>> {
        let row = sqlx::query("SELECT u.* FROM password_resets r JOIN users u ON u.id=r.user_id WHERE r.hash=? AND r.expires_at > ?")
            .bind(hash)
            .bind(ts(&now))
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.map(|r| user_row(&r)).transpose()
    }

    async fn use_password_reset(&self, hash: &str, password_hash: &str, now: DateTime<Utc>) -> Result<User> {
        let mut tx = self.begin().await?;
        let row = sqlx::query("SELECT u.* FROM password_resets r JOIN users u ON u.id=r.user_id WHERE r.hash=? AND r.expires_at > ?")
            .bind(hash)
            .bind(ts(&now))
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?
            .ok_or(StoreError::NotFound)?;
        let mut user = user_row(&row)?;
        sqlx::query("UPDATE users SET password_hash=?, password_temporary_until=NULL WHERE id=?")
            .bind(password_hash)
            .bind(user.id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query("DELETE FROM sessions WHERE user_id=?").bind(user.id).execute(&mut *tx).await.map_err(backend)?;
        sqlx::query("DELETE FROM password_resets WHERE user_id=?").bind(user.id).execute(&mut *tx).await.map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        user.password_hash = password_hash.to_string();
        user.password_temporary_until = None;
        Ok(user)
    }

    async fn save_classification(&self, c: &Classification) -> Result<()> {
        sqlx::query("INSERT INTO classifications (record_id, version, tree, tree_version, answers, labels, conclusion_id, conclusion, obligation, created_at, created_by) VALUES (?,?,?,?,?,?,?,?,?,?,?)")
            .bind(c.record.to_string())
            .bind(c.version as i64)
            .bind(&c.tree)
            .bind(&c.tree_version)
            .bind(json(&c.answers))
            .bind(json(&c.labels))
            .bind(&c.conclusion_id)
            .bind(&c.conclusion)
            .bind(&c.obligation)
            .bind(ts(&c.created_at))
            .bind(&c.created_by)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn aiact_state(&self) -> Result<String> {
        let row = sqlx::query(
            "SELECT (SELECT coalesce(max(id), 0) FROM classifications), (SELECT count(*) FROM compliance), (SELECT coalesce(max(updated_at), '') FROM compliance)",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(backend)?;
        Ok(format!("{}:{}:{}", row.get::<i64, _>(0), row.get::<i64, _>(1), row.get::<String, _>(2)))
    }

    async fn classification(&self, id: AlgorithmId, at_most: Option<u32>) -> Result<Option<Classification>> {
        let row = sqlx::query("SELECT version, tree, tree_version, answers, labels, conclusion_id, conclusion, obligation, created_at, created_by FROM classifications WHERE record_id=? AND version <= ? ORDER BY id DESC LIMIT 1")
            .bind(id.to_string())
            .bind(at_most.map(i64::from).unwrap_or(i64::MAX))
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        let Some(r) = row else { return Ok(None) };
        fn parse<T: serde::de::DeserializeOwned>(k: &str, s: String) -> Result<T> {
            serde_json::from_str(&s).map_err(|_| StoreError::Backend(format!("classification {k}: not JSON")))
        }
        Ok(Some(Classification {
            record: id,
            version: r.get::<i64, _>(0) as u32,
            tree: r.get(1),
            tree_version: r.get(2),
            answers: parse("answers", r.get(3))?,
            labels: parse("labels", r.get(4))?,
            conclusion_id: r.get(5),
            conclusion: r.get(6),
            obligation: r.get(7),
            created_at: chrono::DateTime::parse_from_rfc3339(&r.get::<String, _>(8))
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| StoreError::Backend("classification time".into()))?,
            created_by: r.get(9),
        }))
    }

    async fn classified_records(&self) -> Result<Vec<AlgorithmId>> {
        let rows = sqlx::query("SELECT DISTINCT record_id FROM classifications").fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(|r| r.get::<String, _>(0).parse().map_err(|_| StoreError::Backend("classification record id".into()))).collect()
    }

    async fn set_compliance(&self, id: AlgorithmId, version: u32, e: &ComplianceEntry) -> Result<()> {
        sqlx::query("INSERT INTO compliance (record_id, urn, version, status, reason, evidence, updated_at, updated_by) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (record_id, urn, version) DO UPDATE SET status=excluded.status, reason=excluded.reason, evidence=excluded.evidence, updated_at=excluded.updated_at, updated_by=excluded.updated_by")
            .bind(id.to_string())
            .bind(&e.urn)
            .bind(i64::from(version))
            .bind(&e.status)
            .bind(&e.reason)
            .bind(json(&e.evidence))
            .bind(ts(&e.updated_at))
            .bind(&e.updated_by)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn compliance(&self, id: AlgorithmId, at_most: Option<u32>) -> Result<Vec<ComplianceEntry>> {
        let rows = sqlx::query(
            "SELECT urn, status, reason, evidence, updated_at, updated_by FROM compliance c WHERE record_id=?1 AND version = \
             (SELECT max(version) FROM compliance c2 WHERE c2.record_id=c.record_id AND c2.urn=c.urn AND c2.version <= ?2) ORDER BY urn",
        )
        .bind(id.to_string())
        .bind(at_most.map(i64::from).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(ComplianceEntry {
                    urn: r.get(0),
                    status: r.get(1),
                    reason: r.get(2),
                    evidence: serde_json::from_str(&r.get::<String, _>(3))
                        .map_err(|_| StoreError::Backend("compliance evidence".into()))?,
                    updated_at: chrono::DateTime::parse_from_rfc3339(&r.get::<String, _>(4))
                        .map(|t| t.with_timezone(&Utc))
                        .map_err(|_| StoreError::Backend("compliance time".into()))?,
                    updated_by: r.get(5),
                })
            })
            .collect()
    }

    async fn create_template(&self, name: &str, source: &str, content: &algoreg_standard::Content) -> Result<i64> {
        let id = sqlx::query("INSERT INTO templates (name, source, content, created_at) VALUES (?,?,?,?) RETURNING id")
            .bind(name)
            .bind(source)
            .bind(json(content))
            .bind(ts(&Utc::now()))
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?
            .get::<i64, _>(0);
        Ok(id)
    }

    async fn templates(&self) -> Result<Vec<Template>> {
        let rows = sqlx::query("SELECT id, name, source, content FROM templates ORDER BY source, name")
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(Template {
                    id: r.get(0),
                    name: r.get(1),
                    source: r.get(2),
                    content: serde_json::from_str(r.get(3)).map_err(|e| StoreError::Backend(e.to_string()))?,
                })
            })
            .collect()
    }

    async fn create_token(&self, token: &NewToken) -> Result<TokenInfo> {
        let now = Utc::now();
        let id = sqlx::query("INSERT INTO api_tokens (org_id, role, name, hash, created_by, created_at) VALUES (?,?,?,?,?,?) RETURNING id")
            .bind(token.org_id)
            .bind(token.role.code())
            .bind(&token.name)
            .bind(&token.hash)
            .bind(token.created_by)
            .bind(ts(&now))
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?
            .get::<i64, _>(0);
        Ok(TokenInfo { id, org_id: token.org_id, role: token.role, name: token.name.clone(), created_at: now, revoked: false })
    }

    async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenInfo>> {
        let row = sqlx::query("SELECT * FROM api_tokens WHERE hash=? AND revoked_at IS NULL")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.map(|r| token_row(&r)).transpose()
    }

    async fn tokens(&self, org_id: i64) -> Result<Vec<TokenInfo>> {
        let rows =
            sqlx::query("SELECT * FROM api_tokens WHERE org_id=? ORDER BY id").bind(org_id).fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(token_row).collect()
    }

    async fn revoke_token(&self, org_id: i64, token_id: i64) -> Result<()> {
        let n = sqlx::query("UPDATE api_tokens SET revoked_at=? WHERE id=? AND org_id=? AND revoked_at IS NULL")
            .bind(ts(&Utc::now()))
            .bind(token_id)
            .bind(org_id)
            .execute(&self.pool)
            .await
            .map_err(backend)?
            .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn record(&self, id: AlgorithmId) -> Result<Option<RecordMeta>> {
        let row = sqlx::query("SELECT * FROM records WHERE id=?").bind(id.to_string()).fetch_optional(&self.pool).await.map_err(backend)?;
        row.map(|r| record_row(&r)).transpose()
    }

    async fn records(&self, ids: &[AlgorithmId]) -> Result<Vec<RecordMeta>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            let mut q = QueryBuilder::<Sqlite>::new("SELECT * FROM records WHERE id IN (");
            let mut sep = q.separated(", ");
            for id in chunk {
                sep.push_bind(id.to_string());
            }
            q.push(")");
            for r in q.build().fetch_all(&self.pool).await.map_err(backend)? {
                out.push(record_row(&r)?);
            }
        }
        Ok(out)
    }

    async fn create_record(&self, id: AlgorithmId, org_id: i64, version: &NewVersion, history: &NewHistory) -> Result<()> {
        let sid = id.to_string();
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO records (id, org_id, created_at, latest_version, latest_state) VALUES (?,?,?,1,?)")
            .bind(&sid)
            .bind(org_id)
            .bind(ts(&version.created_at))
            .bind(version.state.code())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        insert_version(&mut tx, &sid, 1, version, None).await?;
        insert_history(&mut tx, &sid, history).await?;
        tx.commit().await.map_err(backend)
    }

    async fn apply(&self, change: &Change) -> Result<()> {
        let mut tx = self.begin().await?;
        apply_in(&mut tx, change).await?;
        tx.commit().await.map_err(backend)
    }

    async fn versions(&self, id: AlgorithmId) -> Result<Vec<Version>> {
        let rows = sqlx::query("SELECT * FROM versions WHERE record_id=? ORDER BY number")
            .bind(id.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(version_row).collect()
    }

    async fn version(&self, id: AlgorithmId, number: u32) -> Result<Option<Version>> {
        let row = sqlx::query("SELECT * FROM versions WHERE record_id=? AND number=?")
            .bind(id.to_string())
            .bind(number as i64)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.map(|r| version_row(&r)).transpose()
    }

    async fn history(&self, id: AlgorithmId) -> Result<Vec<HistoryEntry>> {
        let rows = sqlx::query("SELECT * FROM history WHERE record_id=? ORDER BY id")
            .bind(id.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(history_row).collect()
    }

    async fn published(&self, id: AlgorithmId) -> Result<Option<PublishedVersion>> {
        let sql = format!("SELECT {PUBLISHED_COLS} FROM records r JOIN versions v ON v.record_id=r.id AND v.number=r.published_version JOIN organisations o ON o.id=r.org_id WHERE r.id=?");
        let row = sqlx::query(&sql).bind(id.to_string()).fetch_optional(&self.pool).await.map_err(backend)?;
        row.map(|r| published_row(&r)).transpose()
    }

    async fn published_many(&self, ids: &[AlgorithmId]) -> Result<Vec<PublishedVersion>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut found: std::collections::HashMap<AlgorithmId, PublishedVersion> = std::collections::HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(",");
            let sql = format!("SELECT {PUBLISHED_COLS} FROM records r JOIN versions v ON v.record_id=r.id AND v.number=r.published_version JOIN organisations o ON o.id=r.org_id WHERE r.id IN ({marks})");
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id.to_string());
            }
            for row in q.fetch_all(&self.pool).await.map_err(backend)? {
                let v = published_row(&row)?;
                found.insert(v.record, v);
            }
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    async fn published_history(&self, id: AlgorithmId) -> Result<Vec<PublishedVersion>> {
        let sql = format!("SELECT {PUBLISHED_COLS} FROM records r JOIN versions v ON v.record_id=r.id AND v.published_at IS NOT NULL JOIN organisations o ON o.id=r.org_id WHERE r.id=? AND r.published_version IS NOT NULL ORDER BY v.number");
        let rows = sqlx::query(&sql).bind(id.to_string()).fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(published_row).collect()
    }

    async fn list_published(&self, query: &ListQuery) -> Result<Page<PublishedVersion>> {
        let (total, rows) = match &query.org_code {
            None => {
                let total: i64 = sqlx::query("SELECT count(*) FROM records WHERE published_version IS NOT NULL")
                    .fetch_one(&self.pool)
                    .await
                    .map_err(backend)?
                    .get(0);
                let sql = format!("SELECT {PUBLISHED_COLS} FROM records r JOIN versions v ON v.record_id=r.id AND v.number=r.published_version JOIN organisations o ON o.id=r.org_id WHERE r.published_version IS NOT NULL ORDER BY r.id LIMIT ? OFFSET ?");
                let rows =
                    sqlx::query(&sql).bind(query.limit as i64).bind(query.offset as i64).fetch_all(&self.pool).await.map_err(backend)?;
                (total, rows)
            }
            Some(code) => {
                let total: i64 = sqlx::query("SELECT count(*) FROM records r JOIN organisations o ON o.id=r.org_id WHERE r.published_version IS NOT NULL AND o.code=?")
                    .bind(code)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(backend)?
                    .get(0);
                let sql = format!("SELECT {PUBLISHED_COLS} FROM records r JOIN versions v ON v.record_id=r.id AND v.number=r.published_version JOIN organisations o ON o.id=r.org_id WHERE r.published_version IS NOT NULL AND o.code=? ORDER BY r.id LIMIT ? OFFSET ?");
                let rows = sqlx::query(&sql)
                    .bind(code)
                    .bind(query.limit as i64)
                    .bind(query.offset as i64)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(backend)?;
                (total, rows)
            }
        };
        Ok(Page { total: total as u64, items: rows.iter().map(published_row).collect::<Result<_>>()? })
    }

    async fn list_workspace(&self, org_id: i64) -> Result<Vec<WorkspaceItem>> {
        let rows = sqlx::query("SELECT r.id, v.content, v.number, v.state, v.standard_version, v.missing, r.published_version, v.created_at FROM records r JOIN versions v ON v.record_id=r.id AND v.number=r.latest_version WHERE r.org_id=? ORDER BY v.created_at DESC")
            .bind(org_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(workspace_row).collect()
    }

    async fn list_released(&self) -> Result<Vec<(i64, WorkspaceItem)>> {
        let rows = sqlx::query("SELECT r.id, v.content, v.number, v.state, v.standard_version, v.missing, r.published_version, v.created_at, r.org_id FROM records r JOIN versions v ON v.record_id=r.id AND v.number=r.latest_version WHERE r.latest_state='released' ORDER BY v.created_at")
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(|r| Ok((r.get::<i64, _>(8), workspace_row(r)?))).collect()
    }

    async fn import_records(&self, records: &[ImportRecord]) -> Result<()> {
        // Insert in key order: B-tree appends instead of random page splits.
        let mut sorted: Vec<&ImportRecord> = records.iter().collect();
        sorted.sort_unstable_by_key(|r| r.id);
        // A large page cache for this connection while the batch is written; set back afterwards.
        let mut conn = self.pool.acquire().await.map_err(backend)?;
        sqlx::query("PRAGMA cache_size = -1048576").execute(&mut *conn).await.map_err(backend)?;
        // A large batch is written through a rollback journal when this is the only connection: pages
        // appended to the file need no journal, so the rows are written once, where the write-ahead
        // log writes them twice (log, then checkpoint). Crash-safe either way; with other connections
        // open (a running server) the mode cannot change and the batch goes through the WAL.
        let rollback = records.len() >= 10_000 && set_journal(&mut conn, "delete").await;
        let result = import_batch(&mut conn, &sorted).await;
        if rollback && !set_journal(&mut conn, "wal").await {
            tracing::warn!("could not switch the journal back to WAL");
        }
        sqlx::query("PRAGMA cache_size = -131072").execute(&mut *conn).await.map_err(backend)?;
        result
    }

    async fn import_stream(&self, expected: usize, batches: std::sync::mpsc::Receiver<ImportMsg>) -> Result<StreamOutcome> {
        let mut conn = self.pool.acquire().await.map_err(backend)?;
        // A modest page cache: once it is full, SQLite writes pages out while the stream goes on (new
        // pages need no journal), so the commit has less left to write. Faster than holding everything
        // until the commit, and a third of the memory (docs/BENCHMARKS.md).
        sqlx::query("PRAGMA cache_size = -65536").execute(&mut *conn).await.map_err(backend)?;
        // As in `import_records`: a large batch through a rollback journal when this is the only connection.
        let rollback = expected >= 10_000 && set_journal(&mut conn, "delete").await;
        // Foreign keys are not checked row by row while the stream writes: every version and history row
        // belongs to a record of the same batch, and every record to an organisation looked up or created
        // in the same transaction (`import_streamed` refuses an unknown one).
        sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await.map_err(backend)?;
        let result = import_streamed(&mut conn, batches).await;
        sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await.map_err(backend)?;
        if rollback && !set_journal(&mut conn, "wal").await {
            tracing::warn!("could not switch the journal back to WAL");
        }
        sqlx::query("PRAGMA cache_size = -131072").execute(&mut *conn).await.map_err(backend)?;
        result
    }

    async fn export_published(&self) -> Result<Vec<(RecordMeta, Vec<PublishedVersion>)>> {
        let metas = sqlx::query("SELECT * FROM records WHERE published_version IS NOT NULL ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        let sql = format!("SELECT {PUBLISHED_COLS} FROM records r JOIN versions v ON v.record_id=r.id AND v.published_at IS NOT NULL JOIN organisations o ON o.id=r.org_id WHERE r.published_version IS NOT NULL ORDER BY r.id, v.number");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await.map_err(backend)?;
        let mut versions = rows.iter().map(published_row).collect::<Result<Vec<_>>>()?.into_iter().peekable();
        let mut out = Vec::with_capacity(metas.len());
        for m in metas.iter() {
            let meta = record_row(m)?;
            let mut vs = Vec::new();
            while let Some(v) = versions.next_if(|v| v.record == meta.id) {
                vs.push(v);
            }
            out.push((meta, vs));
        }
        Ok(out)
    }

    async fn outbox_after(&self, after: i64, limit: i64) -> Result<Vec<(i64, AlgorithmId)>> {
        let rows = sqlx::query("SELECT id, record_id FROM outbox WHERE id > ? ORDER BY id LIMIT ?")
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| {
                let id: String = r.get(1);
                Ok((r.get::<i64, _>(0), AlgorithmId::parse(&id).map_err(|_| StoreError::Backend(format!("bad id in outbox: {id}")))?))
            })
            .collect()
    }

    async fn recent_published(&self, limit: i64, org_code: Option<&str>) -> Result<Vec<PublishedVersion>> {
        let sql = format!(
            "SELECT {PUBLISHED_COLS} FROM versions v JOIN records r ON r.id=v.record_id JOIN organisations o ON o.id=r.org_id WHERE v.published_at IS NOT NULL AND r.published_version IS NOT NULL AND (? IS NULL OR o.code = ?) ORDER BY v.published_at DESC LIMIT ?"
        );
        let rows = sqlx::query(&sql).bind(org_code).bind(org_code).bind(limit).fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(published_row).collect()
    }

    async fn outbox_max(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COALESCE(MAX(id), 0) FROM outbox").fetch_one(&self.pool).await.map_err(backend)?.get(0))
    }

    async fn count_published(&self) -> Result<u64> {
        let n: i64 = sqlx::query("SELECT count(*) FROM records WHERE published_version IS NOT NULL")
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?
            .get(0);
        Ok(n as u64)
    }
    async fn last_public_change(&self) -> Result<Option<DateTime<Utc>>> {
        let at: Option<String> = sqlx::query("SELECT MAX(at) FROM outbox")
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?
            .and_then(|r| r.try_get::<Option<String>, _>(0).ok().flatten());
        Ok(at.and_then(|s| DateTime::parse_from_rfc3339(&s).ok()).map(|t| t.with_timezone(&Utc)))
    }

    async fn create_source(&self, org_id: i64, url: &str, at: DateTime<Utc>) -> Result<Source> {
        let id = sqlx::query("INSERT INTO sources (org_id, url, created_at, next_due_at) VALUES (?,?,?,?) RETURNING id")
            .bind(org_id)
            .bind(url)
            .bind(ts(&at))
            .bind(ts(&at))
            .fetch_one(&self.pool)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(d) if d.message().contains("UNIQUE") => StoreError::Conflict("url"),
                _ => backend(e),
            })?
            .get::<i64, _>(0);
        self.source(id).await?.ok_or(StoreError::NotFound)
    }

    async fn sources(&self) -> Result<Vec<Source>> {
        let rows = sqlx::query(&format!("{SOURCE_SELECT} ORDER BY o.code, s.url")).fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(source_row).collect()
    }

    async fn source(&self, id: i64) -> Result<Option<Source>> {
        let row = sqlx::query(&format!("{SOURCE_SELECT} WHERE s.id=?")).bind(id).fetch_optional(&self.pool).await.map_err(backend)?;
        row.map(|r| source_row(&r)).transpose()
    }

    async fn delete_source(&self, id: i64) -> Result<()> {
        let done = sqlx::query("DELETE FROM sources WHERE id=?").bind(id).execute(&self.pool).await.map_err(backend)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn source_records(&self, id: i64) -> Result<Vec<SourceRecord>> {
        let rows = sqlx::query("SELECT record_id, content_hash, missing FROM source_records WHERE source_id=? ORDER BY record_id")
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(source_record_row).collect()
    }

    async fn source_attempt(&self, a: &SourceAttempt) -> Result<()> {
        let q = match &a.error {
            Some(_) => "UPDATE sources SET last_attempt_at=?, last_outcome='failed', last_error=?, failures=failures+1, next_due_at=? WHERE id=?",
            None => "UPDATE sources SET last_attempt_at=?1, last_success_at=?1, last_outcome='not_modified', last_error=?2, failures=0, next_due_at=?3 WHERE id=?4",
        };
        let done = sqlx::query(q)
            .bind(ts(&a.at))
            .bind(&a.error)
            .bind(ts(&a.next_due_at))
            .bind(a.source_id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn commit_harvest(&self, c: &HarvestCommit) -> Result<()> {
        let mut sorted: Vec<&ImportRecord> = c.fresh.iter().collect();
        sorted.sort_unstable_by_key(|r| r.id);
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE sources SET etag=?, last_modified=?, last_attempt_at=?, last_success_at=?, last_outcome=?, last_error=NULL, failures=0, next_due_at=?, records=?, rejected=? WHERE id=?",
        )
        .bind(&c.etag)
        .bind(&c.last_modified)
        .bind(ts(&c.at))
        .bind(ts(&c.at))
        .bind(if c.outcome.is_empty() { "changed" } else { c.outcome.as_str() })
        .bind(ts(&c.next_due_at))
        .bind(c.records as i64)
        .bind(json(&c.rejected))
        .bind(c.source_id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        if done.rows_affected() == 0 {
            // The source was removed while it was being harvested: write nothing.
            return Err(StoreError::NotFound);
        }
        if !sorted.is_empty() {
            insert_imports(&mut tx, &sorted).await?;
        }
        for change in &c.changes {
            apply_in(&mut tx, change).await?;
        }
        sqlx::query("DELETE FROM source_records WHERE source_id=?").bind(c.source_id).execute(&mut *tx).await.map_err(backend)?;
        for chunk in c.tracked.chunks(300) {
            let mut q = QueryBuilder::<Sqlite>::new("INSERT INTO source_records (source_id, record_id, content_hash, missing) ");
            q.push_values(chunk, |mut b, t| {
                b.push_bind(c.source_id).push_bind(t.record.to_string()).push_bind(&t.hash).push_bind(t.missing as i64);
            });
            q.build().execute(&mut *tx).await.map_err(backend)?;
        }
        tx.commit().await.map_err(backend)
    }
    async fn create_signal(&self, n: &NewSignal, mails: &[NewMail]) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id = sqlx::query(
            "INSERT INTO signals (code_hash, record_id, org_id, kind, text, email, status, created_at, due_at) VALUES (?,?,?,?,?,?,'new',?,?) RETURNING id",
        )
        .bind(&n.code_hash)
        .bind(n.record.to_string())
        .bind(n.org_id)
        .bind(&n.kind)
        .bind(&n.text)
        .bind(&n.email)
        .bind(ts(&n.created_at))
        .bind(ts(&n.due_at))
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?
        .get::<i64, _>(0);
        insert_mails(&mut tx, mails).await?;
        tx.commit().await.map_err(backend)?;
        Ok(id)
    }

    async fn signal(&self, id: i64) -> Result<Option<Signal>> {
        let row = sqlx::query("SELECT * FROM signals WHERE id=?").bind(id).fetch_optional(&self.pool).await.map_err(backend)?;
        row.map(|r| signal_row(&r)).transpose()
    }

    async fn signal_by_code(&self, code_hash: &str) -> Result<Option<Signal>> {
        let row =
            sqlx::query("SELECT * FROM signals WHERE code_hash=?").bind(code_hash).fetch_optional(&self.pool).await.map_err(backend)?;
        row.map(|r| signal_row(&r)).transpose()
    }

    async fn signals_of_org(&self, org_id: i64) -> Result<Vec<Signal>> {
        let rows = sqlx::query("SELECT * FROM signals WHERE org_id=? ORDER BY id DESC")
            .bind(org_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(signal_row).collect()
    }

    async fn public_signals_of_record(&self, id: AlgorithmId, limit: i64) -> Result<Vec<Signal>> {
        let rows = sqlx::query(
            "SELECT * FROM signals WHERE record_id=? AND answer_public=1 AND answer IS NOT NULL ORDER BY answered_at DESC, id DESC LIMIT ?",
        )
        .bind(id.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(signal_row).collect()
    }

    async fn signal_times(&self, org_id: i64, limit: i64) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>, Option<DateTime<Utc>>)>> {
        let rows = sqlx::query("SELECT created_at, due_at, answered_at FROM signals WHERE org_id=? ORDER BY id DESC LIMIT ?")
            .bind(org_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        let time = |s: String| {
            DateTime::parse_from_rfc3339(&s).map(|t| t.with_timezone(&Utc)).map_err(|_| StoreError::Backend("signal time".into()))
        };
        rows.iter().map(|r| Ok((time(r.get(0))?, time(r.get(1))?, r.get::<Option<String>, _>(2).map(time).transpose()?))).collect()
    }

    async fn public_answers(&self, limit: i64) -> Result<Vec<Signal>> {
        let rows = sqlx::query("SELECT * FROM signals WHERE answer_public=1 AND answer IS NOT NULL ORDER BY answered_at DESC LIMIT ?")
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(signal_row).collect()
    }

    async fn update_signal(&self, s: &Signal, expected_status: &str, mails: &[NewMail]) -> Result<()> {
        let mut tx = self.begin().await?;
        let exists = sqlx::query("SELECT status FROM signals WHERE id=?").bind(s.id).fetch_optional(&mut *tx).await.map_err(backend)?;
        match exists {
            None => return Err(StoreError::NotFound),
            Some(r) if r.get::<String, _>(0) != expected_status => return Err(StoreError::Stale),
            Some(_) => {}
        }
        let done = sqlx::query(
            "UPDATE signals SET status=?, assigned_to=?, answer=?, answer_public=?, answered_at=?, answered_by=?, closed_at=?, reminded_at=? WHERE id=?",
        )
        .bind(&s.status)
        .bind(s.assigned_to)
        .bind(&s.answer)
        .bind(s.answer_public)
        .bind(s.answered_at.as_ref().map(ts))
        .bind(&s.answered_by)
        .bind(s.closed_at.as_ref().map(ts))
        .bind(s.reminded_at.as_ref().map(ts))
        .bind(s.id)
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        insert_mails(&mut tx, mails).await?;
        tx.commit().await.map_err(backend)
    }

    async fn mark_signal_reminded(&self, id: i64, at: DateTime<Utc>, mails: &[NewMail]) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE signals SET reminded_at=? WHERE id=? AND reminded_at IS NULL AND status IN ('new','assigned')")
            .bind(ts(&at))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        insert_mails(&mut tx, mails).await?;
        tx.commit().await.map_err(backend)?;
        Ok(true)
    }

    async fn signals_to_remind(&self, before: DateTime<Utc>) -> Result<Vec<Signal>> {
        let rows =
            sqlx::query("SELECT * FROM signals WHERE status IN ('new','assigned') AND reminded_at IS NULL AND due_at <= ? ORDER BY id")
                .bind(ts(&before))
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?;
        rows.iter().map(signal_row).collect()
    }

    async fn erase_signals(&self, closed_before: DateTime<Utc>, at: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE signals SET email=NULL, text=CASE WHEN answer_public=1 THEN text ELSE NULL END, answer=CASE WHEN answer_public=1 THEN answer ELSE NULL END, erased_at=? WHERE closed_at IS NOT NULL AND closed_at < ? AND erased_at IS NULL",
        )
        .bind(ts(&at))
        .bind(ts(&closed_before))
        .execute(&mut *tx)
        .await
        .map_err(backend)?
        .rows_affected();
        sqlx::query("DELETE FROM mail_outbox WHERE (sent_at IS NOT NULL AND sent_at < ?) OR (sent_at IS NULL AND created_at < ?)")
            .bind(ts(&closed_before))
            .bind(ts(&closed_before))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        if n > 0 {
            // Erased means erased: no copy left in the write-ahead log either (pages were zeroed: secure_delete).
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await;
        }
        Ok(n)
    }

    async fn create_incident(&self, n: &NewIncident, mails: &[NewMail]) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id = sqlx::query(
            "INSERT INTO incidents (record_id, deployer_org_id, provider_name, provider_org_id, provider_email, ack_hash, class, title, what_happened, noticed_at, people_affected, public, public_summary, deadline_at, status, created_at, created_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,'open',?,?) RETURNING id",
        )
        .bind(n.record.to_string())
        .bind(n.deployer_org_id)
        .bind(&n.provider_name)
        .bind(n.provider_org_id)
        .bind(&n.provider_email)
        .bind(&n.ack_hash)
        .bind(&n.class)
        .bind(&n.title)
        .bind(&n.what_happened)
        .bind(ts(&n.noticed_at))
        .bind(n.people_affected)
        .bind(n.public)
        .bind(&n.public_summary)
        .bind(n.deadline_at.as_ref().map(ts))
        .bind(ts(&n.created_at))
        .bind(&n.created_by)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?
        .get::<i64, _>(0);
        sqlx::query("INSERT INTO incident_events (incident_id, at, actor, kind, text) VALUES (?,?,?,'reported',NULL)")
            .bind(id)
            .bind(ts(&n.created_at))
            .bind(&n.created_by)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        insert_mails(&mut tx, mails).await?;
        tx.commit().await.map_err(backend)?;
        Ok(id)
    }

    async fn incident(&self, id: i64) -> Result<Option<Incident>> {
        let row = sqlx::query("SELECT * FROM incidents WHERE id=?").bind(id).fetch_optional(&self.pool).await.map_err(backend)?;
        row.map(|r| incident_row(&r)).transpose()
    }

    async fn incident_by_ack(&self, ack_hash: &str) -> Result<Option<Incident>> {
        let row =
            sqlx::query("SELECT * FROM incidents WHERE ack_hash=?").bind(ack_hash).fetch_optional(&self.pool).await.map_err(backend)?;
        row.map(|r| incident_row(&r)).transpose()
    }

    async fn incidents_of_org(&self, org_id: i64) -> Result<Vec<Incident>> {
        let rows = sqlx::query("SELECT * FROM incidents WHERE deployer_org_id=?1 OR provider_org_id=?1 ORDER BY id DESC")
            .bind(org_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(incident_row).collect()
    }

    async fn incidents_of_record(&self, id: AlgorithmId) -> Result<Vec<Incident>> {
        let rows = sqlx::query("SELECT * FROM incidents WHERE record_id=? ORDER BY id DESC")
            .bind(id.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(incident_row).collect()
    }

    async fn add_incident_event(&self, id: i64, e: &IncidentEvent, status: Option<&str>, mails: &[NewMail]) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO incident_events (incident_id, at, actor, kind, text) VALUES (?,?,?,?,?)")
            .bind(id)
            .bind(ts(&e.at))
            .bind(&e.actor)
            .bind(&e.kind)
            .bind(&e.text)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        if let Some(st) = status {
            sqlx::query("UPDATE incidents SET status=? WHERE id=?").bind(st).bind(id).execute(&mut *tx).await.map_err(backend)?;
        }
        insert_mails(&mut tx, mails).await?;
        tx.commit().await.map_err(backend)
    }

    async fn incident_events(&self, id: i64) -> Result<Vec<IncidentEvent>> {
        let rows = sqlx::query("SELECT * FROM incident_events WHERE incident_id=? ORDER BY id")
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(incident_event_row).collect()
    }

    async fn set_evaluation_plan(&self, p: &EvaluationPlan) -> Result<()> {
        sqlx::query(
            "INSERT INTO evaluation_plans (record_id, interval_months, next_due, reminded_for, updated_at, updated_by) VALUES (?,?,?,?,?,?)
             ON CONFLICT(record_id) DO UPDATE SET interval_months=excluded.interval_months, next_due=excluded.next_due, reminded_for=excluded.reminded_for, updated_at=excluded.updated_at, updated_by=excluded.updated_by",
        )
        .bind(p.record.to_string())
        .bind(p.interval_months as i64)
        .bind(p.next_due.to_string())
        .bind(p.reminded_for.map(|d| d.to_string()))
        .bind(ts(&p.updated_at))
        .bind(&p.updated_by)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn evaluation_plan(&self, id: AlgorithmId) -> Result<Option<EvaluationPlan>> {
        let row = sqlx::query("SELECT * FROM evaluation_plans WHERE record_id=?")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.map(|r| evaluation_plan_row(&r)).transpose()
    }

    async fn evaluation_plans(&self, org_id: Option<i64>) -> Result<Vec<(i64, EvaluationPlan)>> {
        let rows = sqlx::query("SELECT p.*, r.org_id FROM evaluation_plans p JOIN records r ON r.id=p.record_id WHERE (? IS NULL OR r.org_id=?) ORDER BY p.next_due")
            .bind(org_id)
            .bind(org_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(|r| Ok((r.get::<i64, _>("org_id"), evaluation_plan_row(r)?))).collect()
    }

    async fn add_evaluation(&self, e: &Evaluation, next_due: Option<chrono::NaiveDate>) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id = sqlx::query(
            "INSERT INTO evaluations (record_id, date, by_whom, findings, report_url, created_at, created_by) VALUES (?,?,?,?,?,?,?) RETURNING id",
        )
        .bind(e.record.to_string())
        .bind(e.date.to_string())
        .bind(&e.by_whom)
        .bind(&e.findings)
        .bind(&e.report_url)
        .bind(ts(&e.created_at))
        .bind(&e.created_by)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?
        .get::<i64, _>(0);
        if let Some(d) = next_due {
            sqlx::query("UPDATE evaluation_plans SET next_due=?, reminded_for=NULL WHERE record_id=?")
                .bind(d.to_string())
                .bind(e.record.to_string())
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(id)
    }

    async fn evaluations(&self, id: AlgorithmId) -> Result<Vec<Evaluation>> {
        let rows = sqlx::query("SELECT * FROM evaluations WHERE record_id=? ORDER BY date DESC, id DESC")
            .bind(id.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(evaluation_row).collect()
    }

    async fn mark_evaluation_reminded(&self, id: AlgorithmId, due: chrono::NaiveDate, mails: &[NewMail]) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE evaluation_plans SET reminded_for=? WHERE record_id=?")
            .bind(due.to_string())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        insert_mails(&mut tx, mails).await?;
        tx.commit().await.map_err(backend)
    }

    async fn check_integrity(&self) -> Result<(Vec<String>, u64)> {
        let mut problems = vec![];
        for r in sqlx::query("PRAGMA integrity_check").fetch_all(&self.pool).await.map_err(backend)? {
            let line: String = r.get(0);
            if line != "ok" {
                problems.push(format!("integrity: {line}"));
            }
        }
        for r in sqlx::query("PRAGMA foreign_key_check").fetch_all(&self.pool).await.map_err(backend)? {
            problems.push(format!("reference: table {} row {}", r.get::<String, _>(0), r.get::<Option<i64>, _>(1).unwrap_or_default()));
        }
        let checks = [
            ("record without its latest version", "SELECT r.id FROM records r WHERE NOT EXISTS (SELECT 1 FROM versions v WHERE v.record_id=r.id AND v.number=r.latest_version)"),
            ("record without its published version", "SELECT r.id FROM records r WHERE r.published_version IS NOT NULL AND NOT EXISTS (SELECT 1 FROM versions v WHERE v.record_id=r.id AND v.number=r.published_version)"),
            ("record without history", "SELECT r.id FROM records r WHERE NOT EXISTS (SELECT 1 FROM history h WHERE h.record_id=r.id)"),
            ("version after the latest", "SELECT DISTINCT v.record_id FROM versions v JOIN records r ON r.id=v.record_id WHERE v.number > r.latest_version"),
        ];
        for (what, sql) in checks {
            for r in sqlx::query(sql).fetch_all(&self.pool).await.map_err(backend)? {
                problems.push(format!("{what}: {}", r.get::<String, _>(0)));
            }
        }
        let n: i64 = sqlx::query("SELECT count(*) FROM records").fetch_one(&self.pool).await.map_err(backend)?.get(0);
        Ok((problems, n as u64))
    }

    async fn queue_mail(&self, mails: &[NewMail]) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_mails(&mut tx, mails).await?;
        tx.commit().await.map_err(backend)
    }

    async fn unsent_mail(&self, limit: i64, max_attempts: u32) -> Result<Vec<Mail>> {
        let rows = sqlx::query("SELECT * FROM mail_outbox WHERE sent_at IS NULL AND attempts < ? ORDER BY id LIMIT ?")
            .bind(max_attempts as i64)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(mail_row).collect()
    }

    async fn mail_result(&self, id: i64, error: Option<&str>, at: DateTime<Utc>) -> Result<()> {
        let q = match error {
            // Sent: only the fact remains (the body may hold a tracking code or a link; the address is personal data).
            None => "UPDATE mail_outbox SET sent_at=?1, attempts=attempts+1, last_error=NULL, to_addr='', subject='', body='' WHERE id=?3",
            Some(_) => "UPDATE mail_outbox SET attempts=attempts+1, last_error=?2 WHERE id=?3 AND ?1 IS NOT NULL",
        };
        sqlx::query(q).bind(ts(&at)).bind(error).bind(id).execute(&self.pool).await.map_err(backend)?;
        Ok(())
    }
}

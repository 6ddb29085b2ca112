//! SQLite implementation of [`algoreg_store::Store`]: the embedded default.
//!
//! WAL journal, foreign keys on, migrations embedded in the binary (`migrations/`). Every record write
//! runs in one transaction with its history entry and its outbox row.

mod register;
mod rows;

include!("../../store/sql/backend.rs");

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Arguments, Sqlite, SqlitePool};
use std::path::Path;

type Backend = SqliteStore;
type Db = Sqlite;

/// An account by its address, the letters A to Z folded (SQLite's lower() and NOCASE fold only those).
const USER_BY_EMAIL: &str = "SELECT * FROM users WHERE lower(email)=lower($1)";

/// How a transaction locks a row it reads before it writes (none: a write transaction holds the whole database).
const LOCK_ROW: &str = "";

include!("../../store/sql/helpers.rs");

/// How an import's rows carry a time.
type RowTime = String;

fn row_time(t: &DateTime<Utc>) -> RowTime {
    ts(t)
}

include!("../../store/sql/import.rs");

/// `PRAGMA cache_size` of a serving connection (negative: KiB), 16 MiB.
const SERVING_CACHE: &str = "-16384";

#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

pub(crate) fn ts(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Each unique constraint, as SQLite names it in an error (its columns), and the field a conflict on
/// it is about. A constraint missing here answers the field `value`.
const UNIQUE_CONSTRAINTS: &[(&str, &str)] = &[
    ("organisations.code", "code"),
    ("users.email", "email"),
    ("records.id", "id"),
    ("versions.record_id, versions.number", "id"),
    ("sources.url", "url"),
    ("memberships.org_id, memberships.user_id, memberships.role", "role"),
    ("signing_keys.kid", "kid"),
    ("passkeys.credential_id", "credential_id"),
    ("sso_subjects.issuer, sso_subjects.subject", "subject"),
    ("sso_subjects.user_id, sso_subjects.issuer", "issuer"),
];

/// The constraint a unique violation names: SQLite's message ends in its columns
/// ("UNIQUE constraint failed: organisations.code").
fn unique_constraint(d: &dyn sqlx::error::DatabaseError) -> &'static str {
    let msg = d.message();
    let columns = msg.rsplit_once("failed: ").map(|(_, c)| c.trim()).unwrap_or("");
    UNIQUE_CONSTRAINTS.iter().find(|(c, _)| *c == columns).map(|(_, f)| *f).unwrap_or("value")
}

impl SqliteStore {
    /// The database file's name in its folder.
    pub const FILE_NAME: &'static str = "algoreg.db";

    /// Opens (creating if needed) `DIR/algoreg.db` and runs the migrations.
    pub async fn open_dir(dir: &Path) -> Result<SqliteStore> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Backend(format!("cannot create {}: {e}", dir.display())))?;
        Self::open(&dir.join(Self::FILE_NAME)).await
    }

    /// For one-shot commands that work alone (`algoreg import`): a single connection, so that a large
    /// batch can be written through a rollback journal (see `import_records`).
    pub async fn open_dir_single(dir: &Path) -> Result<SqliteStore> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Backend(format!("cannot create {}: {e}", dir.display())))?;
        Self::open_with(&dir.join(Self::FILE_NAME), 1).await
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
            // A page cache of 16 MiB per pooled connection (eight of them): every connection keeps the
            // pages it read until its cache is full, so this bounds the server's memory; the operating
            // system's file cache serves what falls out (the soak in docs/BENCHMARKS.md).
            .pragma("cache_size", SERVING_CACHE)
            .pragma("temp_store", "memory")
            // Deleted content is overwritten, so erased personal data leaves no trace in the file.
            .pragma("secure_delete", "on")
            .statement_cache_capacity(256);
        let pool = SqlitePoolOptions::new().max_connections(connections).min_connections(1).connect_with(opts).await.map_err(backend)?;
        let store = SqliteStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// The rows of `select` (a query ending in a record ID column, `... WHERE r.id`) for the records
    /// among `ids`, in no particular order, each read with `row`.
    async fn by_record_ids<T: Send>(
        &self,
        select: &str,
        ids: &[AlgorithmId],
        row: fn(&sqlx::sqlite::SqliteRow) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(",");
            let sql = format!("{select} IN ({marks})");
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id.to_string());
            }
            for r in q.fetch_all(&self.pool).await.map_err(backend)? {
                out.push(row(&r)?);
            }
        }
        Ok(out)
    }

    /// After personal data was erased: no copy left in the write-ahead log either (pages were zeroed:
    /// `secure_delete`).
    async fn after_erasure(&self) {
        let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await;
    }

    async fn begin(&self) -> Result<Transaction<'_, Sqlite>> {
        // IMMEDIATE: the write lock is taken at the start, waiting up to the busy timeout. A deferred
        // transaction that reads first and writes later fails at once with "database is locked" when
        // another connection wrote in between (its snapshot is stale; WAL cannot wait that out).
        self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(backend)
    }
}

/// After a copy into this store: nothing to do (SQLite's row IDs follow the largest one by themselves).
async fn after_copy(_tx: &mut Transaction<'_, Sqlite>) -> Result<()> {
    Ok(())
}

/// SQLite serialises writers (a write transaction holds the database): outbox positions are in commit order.
async fn lock_outbox(_tx: &mut Transaction<'_, Sqlite>) -> Result<()> {
    Ok(())
}

async fn import_batch(conn: &mut sqlx::pool::PoolConnection<Sqlite>, sorted: &[&ImportRecord]) -> Result<()> {
    let mut tx = sqlx::Connection::begin_with(&mut **conn, "BEGIN IMMEDIATE").await.map_err(backend)?;
    insert_imports(&mut tx, sorted).await?;
    tx.commit().await.map_err(backend)
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
    mut batches: tokio::sync::mpsc::Receiver<ImportMsg>,
) -> Result<StreamOutcome> {
    let (send, mut receive) = tokio::sync::mpsc::channel::<Prepared>(4);
    std::thread::spawn(move || {
        while let Some(msg) = batches.blocking_recv() {
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
    let mut orgs: std::collections::HashMap<String, OrgId> = sqlx::query("SELECT code, id FROM organisations")
        .fetch_all(&mut *tx)
        .await
        .map_err(backend)?
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<OrgId, _>(1)))
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
        let (fresh, fresh_rows) = sort_out_batch(records, rows, &mut existing, &orgs, &mut outcome)?;
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

/// Switches the journal mode; true when the database is in that mode afterwards.
async fn set_journal(conn: &mut sqlx::pool::PoolConnection<Sqlite>, mode: &str) -> bool {
    match sqlx::query(&format!("PRAGMA journal_mode={mode}")).fetch_one(&mut **conn).await {
        Ok(row) => row.try_get::<String, _>(0).is_ok_and(|m| m.eq_ignore_ascii_case(mode)),
        Err(_) => false,
    }
}

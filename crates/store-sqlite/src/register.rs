//! What SQLite does its own way for [`RegisterStore`] (the rest is shared: `crates/store/sql/register.rs`):
//! bulk writes tuned for one file, and SQLite's own checks.

use super::*;

impl SqliteStore {
    pub(crate) async fn import_batch(&self, records: &[ImportRecord]) -> Result<()> {
        // Insert in key order: B-tree appends instead of random page splits.
        let mut sorted: Vec<&ImportRecord> = records.iter().collect();
        sorted.sort_unstable_by_key(|r| r.id);
        // A large page cache for this connection while the batch is written; set back afterwards.
        let mut conn = self.pool.acquire().await.map_err(backend)?;
        // Its settings are changed for the batch: should the batch stop half-way (a request that times
        // out or goes away drops it), the connection is closed rather than handed to someone else.
        conn.close_on_drop();
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
        sqlx::query(&format!("PRAGMA cache_size = {SERVING_CACHE}")).execute(&mut *conn).await.map_err(backend)?;
        result
    }

    pub(crate) async fn import_streamed(&self, expected: usize, batches: tokio::sync::mpsc::Receiver<ImportMsg>) -> Result<StreamOutcome> {
        let mut conn = self.pool.acquire().await.map_err(backend)?;
        // Foreign keys go off for the stream: should it stop half-way (a request that times out or goes
        // away drops it), the connection is closed rather than handed to someone else with them off.
        conn.close_on_drop();
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
        sqlx::query(&format!("PRAGMA cache_size = {SERVING_CACHE}")).execute(&mut *conn).await.map_err(backend)?;
        result
    }

    /// SQLite's own check of its file and of the references.
    pub(crate) async fn database_checks(&self) -> Result<Vec<String>> {
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
        Ok(problems)
    }

    /// `VACUUM INTO`: a snapshot of the database in a new, compacted file (erased pages are not copied).
    pub(crate) async fn backup_to(&self, to: &std::path::Path) -> Result<()> {
        let path = to.to_str().ok_or_else(|| StoreError::Backend(format!("{}: not a UTF-8 path", to.display())))?;
        sqlx::query("VACUUM INTO $1").bind(path).execute(&self.pool).await.map_err(backend)?;
        Ok(())
    }
}

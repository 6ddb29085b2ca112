//! [`RegisterStore`] for SQLite.

use super::*;

#[async_trait]
impl RegisterStore for SqliteStore {
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
        sqlx::query(&format!("PRAGMA cache_size = {SERVING_CACHE}")).execute(&mut *conn).await.map_err(backend)?;
        result
    }

    async fn import_stream(&self, expected: usize, batches: tokio::sync::mpsc::Receiver<ImportMsg>) -> Result<StreamOutcome> {
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
        sqlx::query(&format!("PRAGMA cache_size = {SERVING_CACHE}")).execute(&mut *conn).await.map_err(backend)?;
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
}

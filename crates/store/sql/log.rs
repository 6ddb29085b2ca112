// [`LogStore`] for the SQL backends (included by each: see crates/store/sql/README.md).

#[async_trait]
impl LogStore for Backend {
    async fn log_append(&self, size: u64, cursor: i64, new_cursor: i64, entries: &[LogEntry]) -> Result<()> {
        let mut tx = self.begin().await?;
        let (now_size, now_cursor) = log_state_in(&mut tx).await?;
        if now_size != size || now_cursor != cursor {
            return Err(StoreError::Stale);
        }
        for (i, e) in entries.iter().enumerate() {
            sqlx::query("INSERT INTO log_entries (idx, record_id, version, event, content_hash, at) VALUES ($1,$2,$3,$4,$5,$6)")
                .bind((size + i as u64) as i64)
                .bind(e.record.to_string())
                .bind(i64::from(e.version))
                .bind(&e.event)
                .bind(&e.content_hash)
                .bind(ts(&e.at))
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        sqlx::query("INSERT INTO log_state (id, cursor) VALUES (1, $1) ON CONFLICT(id) DO UPDATE SET cursor = $1")
            .bind(new_cursor)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(())
    }

    async fn log_state(&self) -> Result<(u64, i64)> {
        let cursor = log_cursor(&self.pool, "").await?;
        Ok((log_size(&self.pool).await?, cursor))
    }

    async fn log_entries(&self, start: u64, end: u64) -> Result<Vec<LogEntry>> {
        let rows = sqlx::query("SELECT * FROM log_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx")
            .bind(start as i64)
            .bind(end as i64)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(log_entry_row).collect()
    }

    async fn log_latest(&self, records: &[AlgorithmId]) -> Result<Vec<LogEntry>> {
        self.by_record_ids(
            "SELECT * FROM log_entries e WHERE NOT EXISTS (SELECT 1 FROM log_entries n WHERE n.record_id = e.record_id AND n.idx > e.idx) AND e.record_id",
            records,
            log_entry_row,
        )
        .await
    }

    async fn log_of(&self, record: AlgorithmId) -> Result<Vec<LogEntry>> {
        let rows = sqlx::query("SELECT * FROM log_entries WHERE record_id = $1 ORDER BY idx")
            .bind(record.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(log_entry_row).collect()
    }

    async fn origin_key(&self, name: &str, candidate: &str, replace: bool) -> Result<String> {
        let on_conflict = if replace { "DO UPDATE SET key = excluded.key" } else { "DO NOTHING" };
        sqlx::query(&format!("INSERT INTO origin_keys (name, key) VALUES ($1, $2) ON CONFLICT(name) {on_conflict}"))
            .bind(name)
            .bind(candidate)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        sqlx::query("SELECT key FROM origin_keys WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?
            .try_get::<String, _>("key")
            .map_err(backend)
    }

    async fn origin_keys(&self) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT name, key FROM origin_keys ORDER BY name").fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(|r| Ok((r.try_get("name").map_err(backend)?, r.try_get("key").map_err(backend)?))).collect()
    }

    async fn forget_origin_key(&self, name: &str) -> Result<()> {
        sqlx::query("DELETE FROM origin_keys WHERE name = $1").bind(name).execute(&self.pool).await.found().map(|_| ())
    }

    async fn log_key(&self, candidate: &str) -> Result<String> {
        write_once_key(&self.pool, "log_key", "pkcs8", candidate).await
    }
}

/// A key kept in a one-row table (`id = 1`): the stored one, or `candidate` stored now when there is
/// none. Only the very first call writes; concurrent first calls agree on one key.
async fn write_once_key(pool: &sqlx::Pool<Db>, table: &'static str, column: &'static str, candidate: &str) -> Result<String> {
    let read = || async move {
        sqlx::query(&format!("SELECT {column} FROM {table} WHERE id = 1"))
            .fetch_optional(pool)
            .await
            .map_err(backend)?
            .map(|r: DbRow| r.try_get::<String, _>(column).map_err(backend))
            .transpose()
    };
    if let Some(k) = read().await? {
        return Ok(k);
    }
    sqlx::query(&format!("INSERT INTO {table} (id, {column}) VALUES (1, $1) ON CONFLICT(id) DO NOTHING"))
        .bind(candidate)
        .execute(pool)
        .await
        .map_err(backend)?;
    read().await?.ok_or_else(|| StoreError::Backend(format!("the key in {table} vanished")))
}

/// The number of entries: the last index plus one (entries are numbered from 0 without gaps), read
/// from the primary key's end rather than counted.
async fn log_size<'e, E: sqlx::Executor<'e, Database = Db>>(e: E) -> Result<u64> {
    Ok(sqlx::query("SELECT COALESCE(MAX(idx) + 1, 0) AS n FROM log_entries")
        .fetch_one(e)
        .await
        .map_err(backend)?
        .try_get::<i64, _>("n")
        .map_err(backend)? as u64)
}

/// The outbox position the log has taken in (`lock`: how the row is locked for a write).
async fn log_cursor<'e, E: sqlx::Executor<'e, Database = Db>>(e: E, lock: &str) -> Result<i64> {
    sqlx::query(&format!("SELECT cursor FROM log_state WHERE id = 1 {lock}"))
        .fetch_optional(e)
        .await
        .map_err(backend)?
        .map(|r: DbRow| r.try_get::<i64, _>("cursor").map_err(backend))
        .transpose()
        .map(|c| c.unwrap_or(0))
}

/// The log's size and cursor, read in a transaction (the cursor's row locked first on PostgreSQL, so
/// appenders queue).
async fn log_state_in(tx: &mut sqlx::Transaction<'_, Db>) -> Result<(u64, i64)> {
    let cursor = log_cursor(&mut **tx, LOCK_ROW).await?;
    Ok((log_size(&mut **tx).await?, cursor))
}

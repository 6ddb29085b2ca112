// [`FederationStore`] for the SQL backends (included by each: see crates/store/sql/README.md).

#[async_trait]
impl FederationStore for Backend {
    async fn create_source(&self, org_id: OrgId, url: &str, at: DateTime<Utc>) -> Result<Source> {
        let id = sqlx::query("INSERT INTO sources (org_id, url, created_at, next_due_at) VALUES ($1,$2,$3,$4) RETURNING id")
            .bind(org_id)
            .bind(url)
            .bind(ts(&at))
            .bind(ts(&at))
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?
            .get::<i64, _>(0);
        self.source(id).await?.ok_or(StoreError::NotFound)
    }

    async fn sources(&self) -> Result<Vec<Source>> {
        let rows = sqlx::query(&format!("{SOURCE_SELECT} ORDER BY o.code, s.url")).fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(source_row).collect()
    }

    async fn source(&self, id: i64) -> Result<Option<Source>> {
        let row = sqlx::query(&format!("{SOURCE_SELECT} WHERE s.id=$1")).bind(id).fetch_optional(&self.pool).await.map_err(backend)?;
        row.map(|r| source_row(&r)).transpose()
    }

    async fn delete_source(&self, id: i64) -> Result<()> {
        let done = sqlx::query("DELETE FROM sources WHERE id=$1").bind(id).execute(&self.pool).await.map_err(backend)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn source_log(&self, id: i64) -> Result<Option<SourceLog>> {
        let row = sqlx::query("SELECT key, size, root FROM source_logs WHERE source_id=$1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.map(|r| {
            Ok(SourceLog {
                key: r.try_get("key").map_err(backend)?,
                size: r.try_get::<i64, _>("size").map_err(backend)? as u64,
                root: r.try_get("root").map_err(backend)?,
            })
        })
        .transpose()
    }

    async fn set_source_log(&self, id: i64, log: &SourceLog) -> Result<()> {
        sqlx::query(
            "INSERT INTO source_logs (source_id, key, size, root) VALUES ($1,$2,$3,$4) \
             ON CONFLICT(source_id) DO UPDATE SET key=$2, size=$3, root=$4",
        )
        .bind(id)
        .bind(&log.key)
        .bind(log.size as i64)
        .bind(&log.root)
        .execute(&self.pool)
        .await
        .done()
    }

    async fn source_records(&self, id: i64) -> Result<Vec<SourceRecord>> {
        self.all("SELECT record_id, content_hash, missing FROM source_records WHERE source_id=$1 ORDER BY record_id", id, source_record_row)
            .await
    }

    async fn source_attempt(&self, a: &SourceAttempt) -> Result<()> {
        let q = match &a.error {
            Some(_) => "UPDATE sources SET last_attempt_at=$1, last_outcome='failed', last_error=$2, failures=failures+1, next_due_at=$3 WHERE id=$4",
            None => "UPDATE sources SET last_attempt_at=$1, last_success_at=$1, last_outcome='not_modified', last_error=$2, failures=0, next_due_at=$3 WHERE id=$4",
        };
        sqlx::query(q).bind(ts(&a.at)).bind(&a.error).bind(ts(&a.next_due_at)).bind(a.source_id).execute(&self.pool).await.found()?;
        Ok(())
    }

    async fn commit_harvest(&self, c: &HarvestCommit) -> Result<()> {
        let mut sorted: Vec<&ImportRecord> = c.fresh.iter().collect();
        sorted.sort_unstable_by_key(|r| r.id);
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE sources SET etag=$1, last_modified=$2, last_attempt_at=$3, last_success_at=$4, last_outcome=$5, last_error=NULL, failures=0, next_due_at=$6, records=$7, rejected=$8, oai_url=$10 WHERE id=$9",
        )
        .bind(&c.etag)
        .bind(&c.last_modified)
        .bind(ts(&c.at))
        .bind(ts(&c.at))
        .bind(c.outcome.code())
        .bind(ts(&c.next_due_at))
        .bind(c.records as i64)
        .bind(json(&c.rejected))
        .bind(c.source_id)
        .bind(&c.oai_url)
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
        for (name, key) in &c.origin_keys {
            sqlx::query("INSERT INTO origin_keys (name, key) VALUES ($1, $2) ON CONFLICT(name) DO NOTHING")
                .bind(name)
                .bind(key)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            let kept: String = sqlx::query("SELECT key FROM origin_keys WHERE name = $1")
                .bind(name)
                .fetch_one(&mut *tx)
                .await
                .map_err(backend)?
                .try_get("key")
                .map_err(backend)?;
            if kept != *key {
                return Err(StoreError::Stale);
            }
        }
        sqlx::query("DELETE FROM source_records WHERE source_id=$1").bind(c.source_id).execute(&mut *tx).await.map_err(backend)?;
        for chunk in c.tracked.chunks(300) {
            let mut q = QueryBuilder::<Db>::new("INSERT INTO source_records (source_id, record_id, content_hash, missing) ");
            q.push_values(chunk, |mut b, t| {
                b.push_bind(c.source_id).push_bind(t.record.to_string()).push_bind(&t.hash).push_bind(t.missing as i64);
            });
            q.build().execute(&mut *tx).await.map_err(backend)?;
        }
        tx.commit().await.map_err(backend)
    }
}

// [`RecordStore`] for the SQL backends (included by each: see crates/store/sql/README.md).

#[async_trait]
impl RecordStore for Backend {
    async fn record(&self, id: AlgorithmId) -> Result<Option<RecordMeta>> {
        self.optional("SELECT * FROM records WHERE id=$1", id.to_string(), record_row).await
    }

    async fn records(&self, ids: &[AlgorithmId]) -> Result<Vec<RecordMeta>> {
        self.by_record_ids("SELECT * FROM records WHERE id", ids, record_row).await
    }

    async fn create_record(&self, id: AlgorithmId, org_id: OrgId, version: &NewVersion, history: &NewHistory) -> Result<()> {
        let sid = id.to_string();
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO records (id, org_id, created_at, latest_version, latest_state) VALUES ($1,$2,$3,1,$4)")
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
        self.all("SELECT * FROM versions WHERE record_id=$1 ORDER BY number", id.to_string(), version_row).await
    }

    async fn version(&self, id: AlgorithmId, number: u32) -> Result<Option<Version>> {
        let row = sqlx::query("SELECT * FROM versions WHERE record_id=$1 AND number=$2")
            .bind(id.to_string())
            .bind(number as i64)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.map(|r| version_row(&r)).transpose()
    }

    async fn history(&self, id: AlgorithmId) -> Result<Vec<HistoryEntry>> {
        self.all("SELECT * FROM history WHERE record_id=$1 ORDER BY id", id.to_string(), history_row).await
    }

    async fn published(&self, id: AlgorithmId) -> Result<Option<PublishedVersion>> {
        let sql = format!("SELECT {PUBLISHED_COLS} FROM records r JOIN versions v ON v.record_id=r.id AND v.number=r.published_version JOIN organisations o ON o.id=r.org_id WHERE r.id=$1");
        self.optional(&sql, id.to_string(), published_row).await
    }

    async fn published_many(&self, ids: &[AlgorithmId]) -> Result<Vec<PublishedVersion>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut found: std::collections::HashMap<AlgorithmId, PublishedVersion> = std::collections::HashMap::with_capacity(ids.len());
        let sql = format!("SELECT {PUBLISHED_COLS} FROM records r JOIN versions v ON v.record_id=r.id AND v.number=r.published_version JOIN organisations o ON o.id=r.org_id WHERE r.id");
        for v in self.by_record_ids(&sql, ids, published_row).await? {
            found.insert(v.record, v);
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }

    async fn published_history(&self, id: AlgorithmId) -> Result<Vec<PublishedVersion>> {
        let sql = format!("SELECT {PUBLISHED_COLS} FROM records r JOIN versions v ON v.record_id=r.id AND v.published_at IS NOT NULL AND v.withdrawn_at IS NULL JOIN organisations o ON o.id=r.org_id WHERE r.id=$1 AND r.published_version IS NOT NULL ORDER BY v.number");
        self.all(&sql, id.to_string(), published_row).await
    }

    async fn published_after(&self, after: Option<AlgorithmId>, limit: u64) -> Result<Vec<PublishedVersion>> {
        let sql = format!("SELECT {PUBLISHED_COLS} FROM records r JOIN versions v ON v.record_id=r.id AND v.number=r.published_version JOIN organisations o ON o.id=r.org_id WHERE r.published_version IS NOT NULL AND r.id > $1 ORDER BY r.id LIMIT $2");
        let after = after.map(|a| a.to_string()).unwrap_or_default();
        let rows = sqlx::query(&sql).bind(after).bind(limit.min(i64::MAX as u64) as i64).fetch_all(&self.pool).await.map_err(backend)?;
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
                let sql = format!("SELECT {PUBLISHED_COLS} FROM records r JOIN versions v ON v.record_id=r.id AND v.number=r.published_version JOIN organisations o ON o.id=r.org_id WHERE r.published_version IS NOT NULL ORDER BY r.id LIMIT $1 OFFSET $2");
                let rows =
                    sqlx::query(&sql).bind(query.limit as i64).bind(query.offset as i64).fetch_all(&self.pool).await.map_err(backend)?;
                (total, rows)
            }
            Some(code) => {
                let total: i64 = sqlx::query("SELECT count(*) FROM records r JOIN organisations o ON o.id=r.org_id WHERE r.published_version IS NOT NULL AND o.code=$1")
                    .bind(code)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(backend)?
                    .get(0);
                let sql = format!("SELECT {PUBLISHED_COLS} FROM records r JOIN versions v ON v.record_id=r.id AND v.number=r.published_version JOIN organisations o ON o.id=r.org_id WHERE r.published_version IS NOT NULL AND o.code=$1 ORDER BY r.id LIMIT $2 OFFSET $3");
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

    async fn list_workspace(&self, org_id: OrgId) -> Result<Vec<WorkspaceItem>> {
        self.all(&format!("SELECT {WORKSPACE_COLS} FROM records r JOIN versions v ON v.record_id=r.id AND v.number=r.latest_version WHERE r.org_id=$1 ORDER BY v.created_at DESC"), org_id, workspace_row).await
    }

    async fn list_released(&self) -> Result<Vec<(OrgId, WorkspaceItem)>> {
        let rows = sqlx::query(&format!("SELECT {WORKSPACE_COLS} FROM records r JOIN versions v ON v.record_id=r.id AND v.number=r.latest_version WHERE r.latest_state='released' ORDER BY v.created_at"))
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(|r| Ok((r.get::<OrgId, _>(8), workspace_row(r)?))).collect()
    }
}

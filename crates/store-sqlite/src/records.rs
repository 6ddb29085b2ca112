//! [`RecordStore`] for SQLite.

use super::*;

#[async_trait]
impl RecordStore for SqliteStore {
    async fn record(&self, id: AlgorithmId) -> Result<Option<RecordMeta>> {
        self.optional("SELECT * FROM records WHERE id=?", id.to_string(), record_row).await
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

    async fn create_record(&self, id: AlgorithmId, org_id: OrgId, version: &NewVersion, history: &NewHistory) -> Result<()> {
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
        self.all("SELECT * FROM versions WHERE record_id=? ORDER BY number", id.to_string(), version_row).await
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
        self.all("SELECT * FROM history WHERE record_id=? ORDER BY id", id.to_string(), history_row).await
    }

    async fn published(&self, id: AlgorithmId) -> Result<Option<PublishedVersion>> {
        let sql = format!("SELECT {PUBLISHED_COLS} FROM records r JOIN versions v ON v.record_id=r.id AND v.number=r.published_version JOIN organisations o ON o.id=r.org_id WHERE r.id=?");
        self.optional(&sql, id.to_string(), published_row).await
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
        self.all(&sql, id.to_string(), published_row).await
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

    async fn list_workspace(&self, org_id: OrgId) -> Result<Vec<WorkspaceItem>> {
        self.all("SELECT r.id, v.content, v.number, v.state, v.standard_version, v.missing, r.published_version, v.created_at FROM records r JOIN versions v ON v.record_id=r.id AND v.number=r.latest_version WHERE r.org_id=? ORDER BY v.created_at DESC", org_id, workspace_row).await
    }

    async fn list_released(&self) -> Result<Vec<(OrgId, WorkspaceItem)>> {
        let rows = sqlx::query("SELECT r.id, v.content, v.number, v.state, v.standard_version, v.missing, r.published_version, v.created_at, r.org_id FROM records r JOIN versions v ON v.record_id=r.id AND v.number=r.latest_version WHERE r.latest_state='released' ORDER BY v.created_at")
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(|r| Ok((r.get::<OrgId, _>(8), workspace_row(r)?))).collect()
    }
}

// [`AiActStore`] for the SQL backends (included by each: see crates/store/sql/README.md).

#[async_trait]
impl AiActStore for Backend {
    async fn save_classification(&self, c: &Classification, at: (u32, VersionState)) -> Result<()> {
        let mut tx = self.begin().await?;
        record_still_at(&mut tx, &c.record.to_string(), at.0, Some(at.1)).await?;
        sqlx::query("INSERT INTO classifications (record_id, version, tree, tree_version, answers, labels, conclusion_id, conclusion, obligation, created_at, created_by) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)")
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
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn aiact_state(&self) -> Result<String> {
        let row = sqlx::query(
            "SELECT (SELECT coalesce(max(id), 0) FROM classifications), (SELECT count(*) FROM compliance), (SELECT coalesce(CAST(max(updated_at) AS TEXT), '') FROM compliance)",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(backend)?;
        Ok(format!("{}:{}:{}", row.get::<i64, _>(0), row.get::<i64, _>(1), row.get::<String, _>(2)))
    }

    async fn classification(&self, id: AlgorithmId, at_most: Option<u32>) -> Result<Option<Classification>> {
        let row = sqlx::query("SELECT * FROM classifications WHERE record_id=$1 AND version <= $2 ORDER BY id DESC LIMIT 1")
            .bind(id.to_string())
            .bind(at_most.map(i64::from).unwrap_or(i64::MAX))
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref().map(classification_row).transpose()
    }

    async fn classified_records(&self) -> Result<Vec<AlgorithmId>> {
        let rows = sqlx::query("SELECT DISTINCT record_id FROM classifications").fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(|r| r.get::<String, _>(0).parse().map_err(|_| StoreError::Backend("classification record id".into()))).collect()
    }

    async fn set_compliance(&self, id: AlgorithmId, version: u32, e: &ComplianceEntry, at: (u32, VersionState)) -> Result<()> {
        let mut tx = self.begin().await?;
        record_still_at(&mut tx, &id.to_string(), at.0, Some(at.1)).await?;
        sqlx::query("INSERT INTO compliance (record_id, urn, version, status, reason, evidence, updated_at, updated_by) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT (record_id, urn, version) DO UPDATE SET status=excluded.status, reason=excluded.reason, evidence=excluded.evidence, updated_at=excluded.updated_at, updated_by=excluded.updated_by")
            .bind(id.to_string())
            .bind(&e.urn)
            .bind(i64::from(version))
            .bind(e.status.code())
            .bind(&e.reason)
            .bind(json(&e.evidence))
            .bind(ts(&e.updated_at))
            .bind(&e.updated_by)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn compliance(&self, id: AlgorithmId, at_most: Option<u32>) -> Result<Vec<ComplianceEntry>> {
        let rows = sqlx::query(
            // Per requirement the newest entry (by time: a version number can go down again after a
            // retraction) among those for the version or an earlier one.
            "SELECT urn, status, reason, evidence, updated_at, updated_by FROM (SELECT c.*, row_number() OVER \
             (PARTITION BY urn ORDER BY updated_at DESC, version DESC) AS n FROM compliance c WHERE record_id=$1 AND version <= $2) t \
             WHERE n = 1 ORDER BY urn",
        )
        .bind(id.to_string())
        .bind(at_most.map(i64::from).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(compliance_row).collect()
    }
}

// [`RegisterStore`] for the SQL backends (included by each: see crates/store/sql/README.md). Bulk writes
// and the database's own checks are the backend's (`import_batch`, `import_streamed`, `database_checks`).

#[async_trait]
impl RegisterStore for Backend {
    async fn import_records(&self, records: &[ImportRecord]) -> Result<()> {
        self.import_batch(records).await
    }

    async fn import_stream(&self, expected: usize, batches: tokio::sync::mpsc::Receiver<ImportMsg>) -> Result<StreamOutcome> {
        self.import_streamed(expected, batches).await
    }

    async fn export_published(&self) -> Result<Vec<(RecordMeta, Vec<PublishedVersion>)>> {
        let metas = sqlx::query("SELECT * FROM records WHERE published_version IS NOT NULL ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        let sql = format!("SELECT {PUBLISHED_COLS} FROM records r JOIN versions v ON v.record_id=r.id AND v.published_at IS NOT NULL AND v.withdrawn_at IS NULL JOIN organisations o ON o.id=r.org_id WHERE r.published_version IS NOT NULL ORDER BY r.id, v.number");
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
        let rows = sqlx::query("SELECT id, record_id FROM outbox WHERE id > $1 ORDER BY id LIMIT $2")
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
        // Newest first along the index on the publication time (migrations: versions_published_at), with
        // the organisation's condition only when there is one, so the plan can use it.
        let org = if org_code.is_some() { "AND o.code = $2" } else { "" };
        let sql = format!(
            "SELECT {PUBLISHED_COLS} FROM versions v JOIN records r ON r.id=v.record_id JOIN organisations o ON o.id=r.org_id WHERE v.published_at IS NOT NULL AND v.withdrawn_at IS NULL AND r.published_version IS NOT NULL {org} ORDER BY v.published_at DESC LIMIT $1"
        );
        let mut q = sqlx::query(&sql).bind(limit);
        if let Some(code) = org_code {
            q = q.bind(code);
        }
        let rows = q.fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(published_row).collect()
    }

    async fn public_changes(&self, q: &ChangeQuery) -> Result<Vec<PublicChange>> {
        // Only a record's latest entry counts; the window bounds how much of the outbox one call reads.
        let mut sql = String::from(
            "SELECT o.id, o.record_id, o.at FROM outbox o WHERE o.id > $1 AND o.id <= $2 \
             AND NOT EXISTS (SELECT 1 FROM outbox n WHERE n.record_id = o.record_id AND n.id > o.id)",
        );
        let mut n = 3;
        let mut next = |clause: &str| {
            let s = clause.replace('?', &format!("${n}"));
            n += 1;
            s
        };
        if q.org.is_some() {
            sql.push_str(&next(" AND EXISTS (SELECT 1 FROM records r WHERE r.id = o.record_id AND r.org_id = ?)"));
        }
        if q.from.is_some() {
            sql.push_str(&next(" AND o.at >= ?"));
        }
        if q.until.is_some() {
            sql.push_str(&next(" AND o.at <= ?"));
        }
        sql.push_str(&next(" ORDER BY o.id LIMIT ?"));
        let mut query = sqlx::query(&sql).bind(q.after).bind(q.after.saturating_add(q.window.max(0)));
        if let Some(org) = q.org {
            query = query.bind(org);
        }
        if let Some(from) = &q.from {
            query = query.bind(ts(from));
        }
        if let Some(until) = &q.until {
            query = query.bind(ts(until));
        }
        let rows = query.bind(q.limit.max(0)).fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(public_change_row).collect()
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
        let row = sqlx::query("SELECT MAX(at) AS at FROM outbox").fetch_one(&self.pool).await.map_err(backend)?;
        last_change_row(&row)
    }

    async fn check_integrity(&self) -> Result<(Vec<String>, u64)> {
        let mut problems = self.database_checks().await?;
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

    async fn backup(&self, to: &std::path::Path) -> Result<()> {
        self.backup_to(to).await
    }
}

// [`LinkStore`] for the SQL backends (included by each: see crates/store/sql/README.md).

impl Backend {
    /// Rows whose `url` is one of `urls` (`select` ends with `WHERE url`), in chunks: a statement has a
    /// bounded number of parameters.
    async fn by_urls<T>(&self, select: &str, urls: &[String], row: fn(&DbRow) -> Result<T>) -> Result<Vec<T>> {
        let mut out = Vec::with_capacity(urls.len());
        for chunk in urls.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("{select} IN ({})", marks.join(","));
            let mut q = sqlx::query(&sql);
            for u in chunk {
                q = q.bind(u);
            }
            for r in q.fetch_all(&self.pool).await.map_err(backend)? {
                out.push(row(&r)?);
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl LinkStore for Backend {
    async fn save_link_checks(&self, checks: &[LinkCheck]) -> Result<()> {
        let mut tx = self.begin().await?;
        for c in checks {
            sqlx::query(
                "INSERT INTO link_checks (url, outcome, http_status, detail, checked_at) VALUES ($1,$2,$3,$4,$5)
                 ON CONFLICT(url) DO UPDATE SET outcome=excluded.outcome, http_status=excluded.http_status, detail=excluded.detail, checked_at=excluded.checked_at",
            )
            .bind(&c.url)
            .bind(c.outcome.code())
            .bind(c.http_status.map(i64::from))
            .bind(&c.detail)
            .bind(ts(&c.checked_at))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)
    }

    async fn link_checks(&self, urls: &[String]) -> Result<Vec<LinkCheck>> {
        self.by_urls("SELECT * FROM link_checks WHERE url", urls, link_check_row).await
    }

    async fn accept_link(&self, a: &LinkAcceptance) -> Result<()> {
        sqlx::query(
            "INSERT INTO link_acceptances (url, reason, accepted_by, accepted_at) VALUES ($1,$2,$3,$4)
             ON CONFLICT(url) DO UPDATE SET reason=excluded.reason, accepted_by=excluded.accepted_by, accepted_at=excluded.accepted_at",
        )
        .bind(&a.url)
        .bind(&a.reason)
        .bind(&a.by)
        .bind(ts(&a.at))
        .execute(&self.pool)
        .await
        .done()
    }

    async fn link_acceptances(&self, urls: &[String]) -> Result<Vec<LinkAcceptance>> {
        self.by_urls("SELECT * FROM link_acceptances WHERE url", urls, link_acceptance_row).await
    }

    async fn purge_link_checks(&self, before: DateTime<Utc>) -> Result<u64> {
        let r = sqlx::query("DELETE FROM link_checks WHERE checked_at < $1").bind(ts(&before)).execute(&self.pool).await.map_err(backend)?;
        Ok(r.rows_affected())
    }
}

#[async_trait]
impl ReviewStore for Backend {
    async fn confirm_current(&self, id: AlgorithmId, at: DateTime<Utc>, by: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO confirmations (record_id, confirmed_at, confirmed_by) VALUES ($1,$2,$3)
             ON CONFLICT(record_id) DO UPDATE SET confirmed_at=excluded.confirmed_at, confirmed_by=excluded.confirmed_by",
        )
        .bind(id.to_string())
        .bind(ts(&at))
        .bind(by)
        .execute(&self.pool)
        .await
        .done()
    }

    async fn confirmations(&self, ids: &[AlgorithmId]) -> Result<Vec<(AlgorithmId, DateTime<Utc>)>> {
        self.by_record_ids("SELECT record_id, confirmed_at FROM confirmations WHERE record_id", ids, confirmation_row).await
    }

    async fn review_reminders(&self, ids: &[AlgorithmId]) -> Result<Vec<(AlgorithmId, chrono::NaiveDate)>> {
        self.by_record_ids("SELECT record_id, reminded_for FROM review_reminders WHERE record_id", ids, review_reminder_row).await
    }

    async fn mark_review_reminded(&self, reminded: &[(AlgorithmId, chrono::NaiveDate)], mails: &[NewMail]) -> Result<()> {
        let mut tx = self.begin().await?;
        for (id, due) in reminded {
            sqlx::query(
                "INSERT INTO review_reminders (record_id, reminded_for) VALUES ($1,$2)
                 ON CONFLICT(record_id) DO UPDATE SET reminded_for=excluded.reminded_for",
            )
            .bind(id.to_string())
            .bind(*due)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        insert_mails(&mut tx, mails).await?;
        tx.commit().await.map_err(backend)
    }
}

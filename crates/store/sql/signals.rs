// [`SignalStore`] for the SQL backends (included by each: see crates/store/sql/README.md).

#[async_trait]
impl SignalStore for Backend {
    async fn create_signal(&self, n: &NewSignal, mails: &[NewMail]) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id = sqlx::query(
            "INSERT INTO signals (code_hash, record_id, org_id, kind, text, email, status, created_at, due_at) VALUES ($1,$2,$3,$4,$5,$6,'new',$7,$8) RETURNING id",
        )
        .bind(&n.code_hash)
        .bind(n.record.to_string())
        .bind(n.org_id)
        .bind(n.kind.code())
        .bind(&n.text)
        .bind(&n.email)
        .bind(ts(&n.created_at))
        .bind(ts(&n.due_at))
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?
        .get::<i64, _>(0);
        insert_mails(&mut tx, mails).await?;
        tx.commit().await.map_err(backend)?;
        Ok(id)
    }

    async fn signal(&self, id: i64) -> Result<Option<Signal>> {
        self.optional("SELECT * FROM signals WHERE id=$1", id, signal_row).await
    }

    async fn signal_by_code(&self, code_hash: &str) -> Result<Option<Signal>> {
        self.optional("SELECT * FROM signals WHERE code_hash=$1", code_hash, signal_row).await
    }

    async fn signals_of_org(&self, org_id: OrgId) -> Result<Vec<Signal>> {
        self.all("SELECT * FROM signals WHERE org_id=$1 ORDER BY id DESC", org_id, signal_row).await
    }

    async fn public_signals_of_record(&self, id: AlgorithmId, limit: i64) -> Result<Vec<Signal>> {
        let rows = sqlx::query(
            "SELECT * FROM signals WHERE record_id=$1 AND answer_public AND answer IS NOT NULL ORDER BY answered_at DESC, id DESC LIMIT $2",
        )
        .bind(id.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(signal_row).collect()
    }

    async fn signal_times(&self, org_id: OrgId, limit: i64) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>, Option<DateTime<Utc>>)>> {
        let rows = sqlx::query("SELECT created_at, due_at, answered_at FROM signals WHERE org_id=$1 ORDER BY id DESC LIMIT $2")
            .bind(org_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(signal_times_row).collect()
    }

    async fn public_answers(&self, org_id: Option<OrgId>, limit: i64) -> Result<Vec<Signal>> {
        let rows = sqlx::query(
            "SELECT s.* FROM signals s JOIN records r ON r.id=s.record_id
             WHERE s.answer_public AND s.answer IS NOT NULL AND r.published_version IS NOT NULL AND ($1 IS NULL OR s.org_id=$2)
             ORDER BY s.answered_at DESC LIMIT $3",
        )
        .bind(org_id)
        .bind(org_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(signal_row).collect()
    }

    async fn update_signal(&self, s: &Signal, expected_status: SignalStatus, mails: &[NewMail]) -> Result<()> {
        let mut tx = self.begin().await?;
        let exists = sqlx::query(&format!("SELECT status FROM signals WHERE id=$1{LOCK_ROW}"))
            .bind(s.id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        match exists {
            None => return Err(StoreError::NotFound),
            Some(r) if r.get::<String, _>(0) != expected_status.code() => return Err(StoreError::Stale),
            Some(_) => {}
        }
        sqlx::query(
            "UPDATE signals SET status=$1, assigned_to=$2, answer=$3, answer_public=$4, answered_at=$5, answered_by=$6, closed_at=$7, reminded_at=$8 WHERE id=$9",
        )
        .bind(s.status.code())
        .bind(s.assigned_to)
        .bind(&s.answer)
        .bind(s.answer_public)
        .bind(s.answered_at.as_ref().map(ts))
        .bind(&s.answered_by)
        .bind(s.closed_at.as_ref().map(ts))
        .bind(s.reminded_at.as_ref().map(ts))
        .bind(s.id)
        .execute(&mut *tx)
        .await
        .found()?;
        insert_mails(&mut tx, mails).await?;
        tx.commit().await.map_err(backend)
    }

    async fn mark_signal_reminded(&self, id: i64, at: DateTime<Utc>, mails: &[NewMail]) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE signals SET reminded_at=$1 WHERE id=$2 AND reminded_at IS NULL AND status IN ('new','assigned')")
            .bind(ts(&at))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        insert_mails(&mut tx, mails).await?;
        tx.commit().await.map_err(backend)?;
        Ok(true)
    }

    async fn signals_to_remind(&self, before: DateTime<Utc>) -> Result<Vec<Signal>> {
        self.all(
            "SELECT * FROM signals WHERE status IN ('new','assigned') AND reminded_at IS NULL AND due_at <= $1 ORDER BY id",
            ts(&before),
            signal_row,
        )
        .await
    }

    async fn erase_signals(&self, closed_before: DateTime<Utc>, at: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE signals SET email=NULL, text=CASE WHEN answer_public THEN text ELSE NULL END, answer=CASE WHEN answer_public THEN answer ELSE NULL END, erased_at=$1 WHERE closed_at IS NOT NULL AND closed_at < $2 AND erased_at IS NULL",
        )
        .bind(ts(&at))
        .bind(ts(&closed_before))
        .execute(&mut *tx)
        .await
        .map_err(backend)?
        .rows_affected();
        sqlx::query("DELETE FROM mail_outbox WHERE (sent_at IS NOT NULL AND sent_at < $1) OR (sent_at IS NULL AND created_at < $2)")
            .bind(ts(&closed_before))
            .bind(ts(&closed_before))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        if n > 0 {
            // Erased means erased: no old copy left behind in the database's files (the backend's own way).
            self.after_erasure().await;
        }
        Ok(n)
    }
}

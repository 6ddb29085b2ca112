//! [`SignalStore`] for SQLite.

use super::*;

#[async_trait]
impl SignalStore for SqliteStore {
    async fn create_signal(&self, n: &NewSignal, mails: &[NewMail]) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id = sqlx::query(
            "INSERT INTO signals (code_hash, record_id, org_id, kind, text, email, status, created_at, due_at) VALUES (?,?,?,?,?,?,'new',?,?) RETURNING id",
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
        self.optional("SELECT * FROM signals WHERE id=?", id, signal_row).await
    }

    async fn signal_by_code(&self, code_hash: &str) -> Result<Option<Signal>> {
        self.optional("SELECT * FROM signals WHERE code_hash=?", code_hash, signal_row).await
    }

    async fn signals_of_org(&self, org_id: OrgId) -> Result<Vec<Signal>> {
        self.all("SELECT * FROM signals WHERE org_id=? ORDER BY id DESC", org_id, signal_row).await
    }

    async fn public_signals_of_record(&self, id: AlgorithmId, limit: i64) -> Result<Vec<Signal>> {
        let rows = sqlx::query(
            "SELECT * FROM signals WHERE record_id=? AND answer_public=1 AND answer IS NOT NULL ORDER BY answered_at DESC, id DESC LIMIT ?",
        )
        .bind(id.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(signal_row).collect()
    }

    async fn signal_times(&self, org_id: OrgId, limit: i64) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>, Option<DateTime<Utc>>)>> {
        let rows = sqlx::query("SELECT created_at, due_at, answered_at FROM signals WHERE org_id=? ORDER BY id DESC LIMIT ?")
            .bind(org_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(|r| Ok((time(r.get(0))?, time(r.get(1))?, r.get::<Option<&str>, _>(2).map(time).transpose()?))).collect()
    }

    async fn public_answers(&self, limit: i64) -> Result<Vec<Signal>> {
        self.all("SELECT * FROM signals WHERE answer_public=1 AND answer IS NOT NULL ORDER BY answered_at DESC LIMIT ?", limit, signal_row)
            .await
    }

    async fn update_signal(&self, s: &Signal, expected_status: SignalStatus, mails: &[NewMail]) -> Result<()> {
        let mut tx = self.begin().await?;
        let exists = sqlx::query("SELECT status FROM signals WHERE id=?").bind(s.id).fetch_optional(&mut *tx).await.map_err(backend)?;
        match exists {
            None => return Err(StoreError::NotFound),
            Some(r) if r.get::<String, _>(0) != expected_status.code() => return Err(StoreError::Stale),
            Some(_) => {}
        }
        sqlx::query(
            "UPDATE signals SET status=?, assigned_to=?, answer=?, answer_public=?, answered_at=?, answered_by=?, closed_at=?, reminded_at=? WHERE id=?",
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
        let done = sqlx::query("UPDATE signals SET reminded_at=? WHERE id=? AND reminded_at IS NULL AND status IN ('new','assigned')")
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
            "SELECT * FROM signals WHERE status IN ('new','assigned') AND reminded_at IS NULL AND due_at <= ? ORDER BY id",
            ts(&before),
            signal_row,
        )
        .await
    }

    async fn erase_signals(&self, closed_before: DateTime<Utc>, at: DateTime<Utc>) -> Result<u64> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE signals SET email=NULL, text=CASE WHEN answer_public=1 THEN text ELSE NULL END, answer=CASE WHEN answer_public=1 THEN answer ELSE NULL END, erased_at=? WHERE closed_at IS NOT NULL AND closed_at < ? AND erased_at IS NULL",
        )
        .bind(ts(&at))
        .bind(ts(&closed_before))
        .execute(&mut *tx)
        .await
        .map_err(backend)?
        .rows_affected();
        sqlx::query("DELETE FROM mail_outbox WHERE (sent_at IS NOT NULL AND sent_at < ?) OR (sent_at IS NULL AND created_at < ?)")
            .bind(ts(&closed_before))
            .bind(ts(&closed_before))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        if n > 0 {
            // Erased means erased: no copy left in the write-ahead log either (pages were zeroed: secure_delete).
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await;
        }
        Ok(n)
    }
}

// [`AlertStore`] for the SQL backends (included by each: see crates/store/sql/README.md).

fn alert_row_confirmed(r: &DbRow) -> Result<bool> {
    Ok(alert_confirmed_row(r)?.is_some())
}

#[async_trait]
impl AlertStore for Backend {
    async fn alert_key(&self, candidate: &str) -> Result<String> {
        write_once_key(&self.pool, "alert_key", "key", candidate).await
    }

    async fn add_alert(&self, a: &Alert, max_per_address: u32, mail: &NewMail) -> Result<AlertAdded> {
        let mut tx = self.begin().await?;
        // The limit is counted in the transaction; on PostgreSQL two subscriptions of one address at the
        // same moment may both pass it (the limit is a brake on floods, not an exact count).
        let same = sqlx::query("SELECT id, confirmed_at FROM alerts WHERE email=$1 AND search=$2 AND frequency=$3")
            .bind(&a.email)
            .bind(&a.search)
            .bind(a.frequency.code())
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        if let Some(r) = same {
            let id = r.try_get::<String, _>("id").map_err(backend)?;
            let confirmed = alert_row_confirmed(&r)?;
            return Ok(AlertAdded::Exists { id, confirmed });
        }
        let n = sqlx::query("SELECT count(*) AS n FROM alerts WHERE email=$1")
            .bind(&a.email)
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?
            .try_get::<i64, _>("n")
            .map_err(backend)?;
        if n >= i64::from(max_per_address) {
            return Ok(AlertAdded::Full);
        }
        sqlx::query(
            "INSERT INTO alerts (id, email, search, frequency, lang, created_at, confirmed_at, sent_until) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
        )
        .bind(&a.id)
        .bind(&a.email)
        .bind(&a.search)
        .bind(a.frequency.code())
        .bind(&a.lang)
        .bind(ts(&a.created_at))
        .bind(a.confirmed_at.as_ref().map(ts))
        .bind(a.sent_until.as_ref().map(ts))
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        insert_mails(&mut tx, std::slice::from_ref(mail)).await?;
        tx.commit().await.map_err(backend)?;
        Ok(AlertAdded::Added)
    }

    async fn alert(&self, id: &str) -> Result<Option<Alert>> {
        self.optional("SELECT * FROM alerts WHERE id=$1", id, alert_row).await
    }

    async fn confirm_alert(&self, id: &str, at: DateTime<Utc>) -> Result<bool> {
        let r = sqlx::query("UPDATE alerts SET confirmed_at=$2, sent_until=$2 WHERE id=$1 AND confirmed_at IS NULL")
            .bind(id)
            .bind(ts(&at))
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(r.rows_affected() > 0 || self.alert(id).await?.is_some())
    }

    async fn delete_alert(&self, id: &str) -> Result<bool> {
        let mut tx = self.begin().await?;
        let r = sqlx::query("DELETE FROM alerts WHERE id=$1").bind(id).execute(&mut *tx).await.map_err(backend)?;
        // Its digests not sent yet go too (IDs are hexadecimal: nothing to escape in the pattern).
        sqlx::query("DELETE FROM mail_outbox WHERE sent_at IS NULL AND unsubscribe LIKE $1")
            .bind(format!("%/meldingen/{id}/afmelden/%"))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(r.rows_affected() > 0)
    }

    async fn due_alerts(&self, daily_before: DateTime<Utc>, weekly_before: DateTime<Utc>, limit: i64) -> Result<Vec<Alert>> {
        let rows = sqlx::query(
            "SELECT * FROM alerts WHERE confirmed_at IS NOT NULL
               AND ((frequency='daily' AND COALESCE(sent_until, confirmed_at) <= $1)
                 OR (frequency='weekly' AND COALESCE(sent_until, confirmed_at) <= $2))
             ORDER BY COALESCE(sent_until, confirmed_at), id LIMIT $3",
        )
        .bind(ts(&daily_before))
        .bind(ts(&weekly_before))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(alert_row).collect()
    }

    async fn alert_sent(&self, id: &str, from: DateTime<Utc>, until: DateTime<Utc>, mail: Option<&NewMail>) -> Result<bool> {
        let mut tx = self.begin().await?;
        let r = sqlx::query("UPDATE alerts SET sent_until=$2 WHERE id=$1 AND COALESCE(sent_until, confirmed_at)=$3")
            .bind(id)
            .bind(ts(&until))
            .bind(ts(&from))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        // Unsubscribed meanwhile, or reported by another node already: no digest.
        let moved = r.rows_affected() > 0;
        if moved {
            if let Some(m) = mail {
                insert_mails(&mut tx, std::slice::from_ref(m)).await?;
            }
        }
        tx.commit().await.map_err(backend)?;
        Ok(moved)
    }

    async fn purge_unconfirmed_alerts(&self, before: DateTime<Utc>) -> Result<u64> {
        let r = sqlx::query("DELETE FROM alerts WHERE confirmed_at IS NULL AND created_at < $1")
            .bind(ts(&before))
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(r.rows_affected())
    }
}

// [`MailStore`] for the SQL backends (included by each: see crates/store/sql/README.md).

#[async_trait]
impl MailStore for Backend {
    async fn queue_mail(&self, mails: &[NewMail]) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_mails(&mut tx, mails).await?;
        tx.commit().await.map_err(backend)
    }

    async fn unsent_mail(&self, limit: i64, max_attempts: u32) -> Result<Vec<Mail>> {
        let rows = sqlx::query("SELECT * FROM mail_outbox WHERE sent_at IS NULL AND attempts < $1 ORDER BY (unsubscribe IS NOT NULL), id LIMIT $2")
            .bind(max_attempts as i64)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(mail_row).collect()
    }

    async fn mail_result(&self, id: i64, error: Option<&str>, at: DateTime<Utc>) -> Result<()> {
        let q = match error {
            // Sent: only the fact remains (the body may hold a tracking code or a link; the address is personal data).
            None => "UPDATE mail_outbox SET sent_at=$1, attempts=attempts+1, last_error=NULL, to_addr='', subject='', body='', unsubscribe=NULL WHERE id=$3",
            Some(_) => "UPDATE mail_outbox SET attempts=attempts+1, last_error=$2 WHERE id=$3 AND $1 IS NOT NULL",
        };
        sqlx::query(q).bind(ts(&at)).bind(error).bind(id).execute(&self.pool).await.map_err(backend)?;
        Ok(())
    }
}

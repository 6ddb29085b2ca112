// [`IdentityStore`] for the SQL backends (included by each: see crates/store/sql/README.md).

#[async_trait]
impl IdentityStore for Backend {
    async fn set_sso_required(&self, org_id: OrgId, required: bool) -> Result<()> {
        sqlx::query("UPDATE organisations SET require_sso=$1 WHERE id=$2").bind(required).bind(org_id).execute(&self.pool).await.found()?;
        Ok(())
    }

    async fn add_signing_key(&self, key: &SigningKey) -> Result<()> {
        sqlx::query("INSERT INTO signing_keys (kid, private_key, public_key, created_at) VALUES ($1,$2,$3,$4)")
            .bind(&key.kid)
            .bind(&key.private_pkcs8)
            .bind(&key.public_x)
            .bind(ts(&key.created_at))
            .execute(&self.pool)
            .await
            .done()
    }

    async fn signing_keys(&self, since: DateTime<Utc>) -> Result<Vec<SigningKey>> {
        self.all("SELECT * FROM signing_keys WHERE created_at >= $1 ORDER BY created_at DESC, kid", ts(&since), signing_key_row).await
    }

    async fn subject_account(&self, issuer: &str, subject: &str) -> Result<Option<UserId>> {
        let row = sqlx::query("SELECT * FROM sso_subjects WHERE issuer=$1 AND subject=$2")
            .bind(issuer)
            .bind(subject)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        Ok(row.as_ref().map(subject_pin_row).transpose()?.map(|p| p.user_id))
    }

    async fn subjects_of_user(&self, user_id: UserId) -> Result<Vec<SubjectPin>> {
        self.all("SELECT * FROM sso_subjects WHERE user_id=$1 ORDER BY created_at, issuer", user_id, subject_pin_row).await
    }

    async fn pin_subject(&self, pin: &SubjectPin) -> Result<()> {
        sqlx::query("INSERT INTO sso_subjects (issuer, subject, user_id, created_at) VALUES ($1,$2,$3,$4)")
            .bind(&pin.issuer)
            .bind(&pin.subject)
            .bind(pin.user_id)
            .bind(ts(&pin.created_at))
            .execute(&self.pool)
            .await
            .done()
    }

    async fn unpin_subjects(&self, user_id: UserId) -> Result<u64> {
        let mut tx = self.begin().await?;
        let r = sqlx::query("DELETE FROM sso_subjects WHERE user_id=$1").bind(user_id).execute(&mut *tx).await.map_err(backend)?;
        // Whoever held the account until now is logged out with it.
        sqlx::query("DELETE FROM sessions WHERE user_id=$1").bind(user_id).execute(&mut *tx).await.map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(r.rows_affected())
    }
}

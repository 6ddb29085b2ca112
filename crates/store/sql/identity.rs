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
}

//! [`IdentityStore`] for SQLite.

use super::*;

fn signing_key_row(r: &sqlx::sqlite::SqliteRow) -> Result<SigningKey> {
    Ok(SigningKey {
        kid: r.get("kid"),
        private_pkcs8: r.get("private_key"),
        public_x: r.get("public_key"),
        created_at: time(r.get("created_at"))?,
    })
}

#[async_trait]
impl IdentityStore for SqliteStore {
    async fn set_sso_required(&self, org_id: OrgId, required: bool) -> Result<()> {
        sqlx::query("UPDATE organisations SET require_sso=? WHERE id=?").bind(required).bind(org_id).execute(&self.pool).await.found()?;
        Ok(())
    }

    async fn add_signing_key(&self, key: &SigningKey) -> Result<()> {
        sqlx::query("INSERT INTO signing_keys (kid, private_key, public_key, created_at) VALUES (?,?,?,?)")
            .bind(&key.kid)
            .bind(&key.private_pkcs8)
            .bind(&key.public_x)
            .bind(ts(&key.created_at))
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn signing_keys(&self, since: DateTime<Utc>) -> Result<Vec<SigningKey>> {
        self.all("SELECT * FROM signing_keys WHERE created_at >= ? ORDER BY created_at DESC, kid", ts(&since), signing_key_row).await
    }
}

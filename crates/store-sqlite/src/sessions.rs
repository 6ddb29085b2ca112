//! [`SessionStore`] for SQLite.

use super::*;

/// How many hex digits of a session's hash make its ID.
const SESSION_ID_LEN: usize = 16;

#[async_trait]
impl SessionStore for SqliteStore {
    async fn create_session(&self, hash: &str, user_id: UserId, expires_at: DateTime<Utc>, method: &str) -> Result<()> {
        let now = ts(&Utc::now());
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO sessions (hash, user_id, created_at, expires_at, method) VALUES (?,?,?,?,?)")
            .bind(hash)
            .bind(user_id)
            .bind(&now)
            .bind(ts(&expires_at))
            .bind(method)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query("UPDATE users SET last_login_at=?, last_login_method=? WHERE id=?")
            .bind(&now)
            .bind(method)
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn session_user(&self, hash: &str, now: DateTime<Utc>) -> Result<Option<(User, String)>> {
        let row = sqlx::query(
            "SELECT u.*, s.method AS session_method FROM sessions s JOIN users u ON u.id=s.user_id WHERE s.hash=? AND s.expires_at > ?",
        )
        .bind(hash)
        .bind(ts(&now))
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.map(|r| Ok((user_row(&r)?, r.get("session_method")))).transpose()
    }

    async fn delete_session(&self, hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE hash=?").bind(hash).execute(&self.pool).await.map_err(backend)?;
        Ok(())
    }

    async fn sessions_of_user(&self, user_id: UserId, now: DateTime<Utc>) -> Result<Vec<SessionInfo>> {
        let rows = sqlx::query(
            "SELECT hash, created_at, expires_at FROM sessions WHERE user_id=? AND expires_at > ? ORDER BY created_at DESC, hash",
        )
        .bind(user_id)
        .bind(ts(&now))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                let t = |k: &str| time(r.get::<&str, _>(k));
                let hash: String = r.get("hash");
                Ok(SessionInfo {
                    id: hash.chars().take(SESSION_ID_LEN).collect(),
                    created_at: t("created_at")?,
                    expires_at: t("expires_at")?,
                })
            })
            .collect()
    }

    async fn end_session_of_user(&self, user_id: UserId, id: &str) -> Result<()> {
        if id.len() != SESSION_ID_LEN || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM sessions WHERE user_id=? AND substr(hash, 1, ?)=?")
            .bind(user_id)
            .bind(SESSION_ID_LEN as i64)
            .bind(id)
            .execute(&self.pool)
            .await
            .found()?;
        Ok(())
    }

    async fn record_login(&self, user_id: UserId, method: &str, at: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE users SET last_login_at=?, last_login_method=? WHERE id=?")
            .bind(ts(&at))
            .bind(method)
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

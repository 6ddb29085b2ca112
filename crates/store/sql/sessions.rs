// [`SessionStore`] for the SQL backends (included by each: see crates/store/sql/README.md).

#[async_trait]
impl SessionStore for Backend {
    async fn create_session(&self, hash: &str, user_id: UserId, expires_at: DateTime<Utc>, method: &str) -> Result<()> {
        let now = Utc::now();
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO sessions (hash, user_id, created_at, expires_at, method) VALUES ($1,$2,$3,$4,$5)")
            .bind(hash)
            .bind(user_id)
            .bind(ts(&now))
            .bind(ts(&expires_at))
            .bind(method)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query("UPDATE users SET last_login_at=$1, last_login_method=$2 WHERE id=$3")
            .bind(ts(&now))
            .bind(method)
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn session_user(&self, hash: &str, now: DateTime<Utc>) -> Result<Option<(User, String)>> {
        let row = sqlx::query(
            "SELECT u.*, s.method AS session_method FROM sessions s JOIN users u ON u.id=s.user_id WHERE s.hash=$1 AND s.expires_at > $2",
        )
        .bind(hash)
        .bind(ts(&now))
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.map(|r| Ok((user_row(&r)?, r.get("session_method")))).transpose()
    }

    async fn delete_session(&self, hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE hash=$1").bind(hash).execute(&self.pool).await.map_err(backend)?;
        Ok(())
    }

    async fn sessions_of_user(&self, user_id: UserId, now: DateTime<Utc>) -> Result<Vec<SessionInfo>> {
        let rows = sqlx::query(
            "SELECT hash, created_at, expires_at FROM sessions WHERE user_id=$1 AND expires_at > $2 ORDER BY created_at DESC, hash",
        )
        .bind(user_id)
        .bind(ts(&now))
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(session_info_row).collect()
    }

    async fn end_session_of_user(&self, user_id: UserId, id: &str) -> Result<()> {
        if id.len() != SESSION_ID_LEN || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::NotFound);
        }
        sqlx::query(&format!("DELETE FROM sessions WHERE user_id=$1 AND substr(hash, 1, {SESSION_ID_LEN})=$2"))
            .bind(user_id)
            .bind(id)
            .execute(&self.pool)
            .await
            .found()?;
        Ok(())
    }

    async fn record_login(&self, user_id: UserId, method: &str, at: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE users SET last_login_at=$1, last_login_method=$2 WHERE id=$3")
            .bind(ts(&at))
            .bind(method)
            .bind(user_id)
            .execute(&self.pool)
            .await
            .done()
    }
}

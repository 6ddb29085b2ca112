// [`AccessStore`] for the SQL backends (included by each: see crates/store/sql/README.md).

#[async_trait]
impl AccessStore for Backend {
    async fn create_preview_link(&self, hash: &str, record: AlgorithmId, created_by: &str, expires_at: DateTime<Utc>) -> Result<bool> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM preview_links WHERE expires_at <= $1").bind(ts(&Utc::now())).execute(&mut *tx).await.map_err(backend)?;
        let live: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM preview_links WHERE record_id = $1")
            .bind(record.to_string())
            .fetch_one(&mut *tx)
            .await
            .map_err(backend)?;
        if live >= algoreg_store::PREVIEW_LINKS_PER_RECORD {
            tx.commit().await.map_err(backend)?;
            return Ok(false);
        }
        sqlx::query("INSERT INTO preview_links (hash, record_id, created_by, created_at, expires_at) VALUES ($1,$2,$3,$4,$5)")
            .bind(hash)
            .bind(record.to_string())
            .bind(created_by)
            .bind(ts(&Utc::now()))
            .bind(ts(&expires_at))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(true)
    }

    async fn preview_link_record(&self, hash: &str, now: DateTime<Utc>) -> Result<Option<(AlgorithmId, DateTime<Utc>)>> {
        // The shape of a confirmation: a registration and a time.
        sqlx::query("SELECT record_id, expires_at AS confirmed_at FROM preview_links WHERE hash = $1 AND expires_at > $2")
            .bind(hash)
            .bind(ts(&now))
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?
            .map(|r| confirmation_row(&r))
            .transpose()
    }

    async fn create_password_reset(&self, hash: &str, user_id: UserId, expires_at: DateTime<Utc>, mails: &[NewMail]) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO password_resets (hash, user_id, created_at, expires_at) VALUES ($1,$2,$3,$4)")
            .bind(hash)
            .bind(user_id)
            .bind(ts(&Utc::now()))
            .bind(ts(&expires_at))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        insert_mails(&mut tx, mails).await?;
        tx.commit().await.map_err(backend)
    }

    async fn password_reset_user(&self, hash: &str, now: DateTime<Utc>) -> Result<Option<User>> {
        let row = sqlx::query("SELECT u.* FROM password_resets r JOIN users u ON u.id=r.user_id WHERE r.hash=$1 AND r.expires_at > $2")
            .bind(hash)
            .bind(ts(&now))
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.map(|r| user_row(&r)).transpose()
    }

    async fn use_password_reset(&self, hash: &str, password_hash: &str, now: DateTime<Utc>) -> Result<User> {
        let mut tx = self.begin().await?;
        // Taken first, so that two uses of one link at the same moment cannot both pass.
        let taken = sqlx::query("DELETE FROM password_resets WHERE hash=$1 AND expires_at > $2 RETURNING user_id")
            .bind(hash)
            .bind(ts(&now))
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?
            .ok_or(StoreError::NotFound)?;
        let user_id: UserId = taken.get(0);
        end_what_an_admin_may_have_added(&mut tx, user_id).await?;
        let row = sqlx::query("SELECT * FROM users WHERE id=$1").bind(user_id).fetch_one(&mut *tx).await.map_err(backend)?;
        let mut user = user_row(&row)?;
        // Chosen through a link sent to the mailbox: whatever an admin set before is gone.
        sqlx::query("UPDATE users SET password_hash=$1, password_temporary_until=NULL, password_by_admin=FALSE, totp_failures=0 WHERE id=$2")
            .bind(password_hash)
            .bind(user.id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query("DELETE FROM sessions WHERE user_id=$1").bind(user.id).execute(&mut *tx).await.map_err(backend)?;
        sqlx::query("DELETE FROM password_resets WHERE user_id=$1").bind(user.id).execute(&mut *tx).await.map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        user.password_hash = password_hash.to_string();
        user.password_temporary_until = None;
        user.password_by_admin = false;
        Ok(user)
    }

    async fn create_token(&self, token: &NewToken) -> Result<TokenInfo> {
        let now = now_micros();
        let id = sqlx::query(
            "INSERT INTO api_tokens (org_id, role, name, hash, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id",
        )
        .bind(token.org_id)
        .bind(token.role.code())
        .bind(&token.name)
        .bind(&token.hash)
        .bind(token.created_by)
        .bind(ts(&now))
        .fetch_one(&self.pool)
        .await
        .map_err(backend)?
        .get::<i64, _>(0);
        let name = token.name.clone();
        Ok(TokenInfo { id, org_id: token.org_id, role: token.role, name, created_by: token.created_by, created_at: now, revoked: false })
    }

    async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenInfo>> {
        self.optional("SELECT * FROM api_tokens WHERE hash=$1 AND revoked_at IS NULL", hash, token_row).await
    }

    async fn token(&self, id: i64) -> Result<Option<TokenInfo>> {
        self.optional("SELECT * FROM api_tokens WHERE id=$1", id, token_row).await
    }

    async fn tokens(&self, org_id: OrgId) -> Result<Vec<TokenInfo>> {
        self.all("SELECT * FROM api_tokens WHERE org_id=$1 ORDER BY id", org_id, token_row).await
    }

    async fn revoke_token(&self, org_id: OrgId, token_id: i64) -> Result<()> {
        sqlx::query("UPDATE api_tokens SET revoked_at=$1 WHERE id=$2 AND org_id=$3 AND revoked_at IS NULL")
            .bind(ts(&Utc::now()))
            .bind(token_id)
            .bind(org_id)
            .execute(&self.pool)
            .await
            .found()?;
        Ok(())
    }
}

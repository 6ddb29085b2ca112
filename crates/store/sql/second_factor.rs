// [`SecondFactorStore`] for the SQL backends (included by each: see crates/store/sql/README.md).

#[async_trait]
impl SecondFactorStore for Backend {
    async fn enable_totp(&self, user_id: UserId, secret: &str, recovery_hashes: &[String]) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE users SET totp_secret=$1, totp_last_step=0, totp_failures=0 WHERE id=$2")
            .bind(secret)
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .found()?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id=$1").bind(user_id).execute(&mut *tx).await.map_err(backend)?;
        for h in recovery_hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, hash) VALUES ($1,$2)")
                .bind(user_id)
                .bind(h)
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)
    }

    async fn disable_totp(&self, user_id: UserId) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE users SET totp_secret=NULL, totp_last_step=0, totp_failures=0 WHERE id=$1")
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id=$1").bind(user_id).execute(&mut *tx).await.map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn use_totp_step(&self, user_id: UserId, step: i64) -> Result<bool> {
        let n = sqlx::query("UPDATE users SET totp_last_step=$1, totp_failures=0 WHERE id=$2 AND totp_secret IS NOT NULL AND totp_last_step < $1")
            .bind(step)
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(backend)?
            .rows_affected();
        Ok(n == 1)
    }

    async fn use_recovery_code(&self, user_id: UserId, hash: &str, at: DateTime<Utc>) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = sqlx::query("UPDATE recovery_codes SET used_at=$1 WHERE user_id=$2 AND hash=$3 AND used_at IS NULL")
            .bind(ts(&at))
            .bind(user_id)
            .bind(hash)
            .execute(&mut *tx)
            .await
            .map_err(backend)?
            .rows_affected();
        if n == 1 {
            sqlx::query("UPDATE users SET totp_failures=0 WHERE id=$1").bind(user_id).execute(&mut *tx).await.map_err(backend)?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(n == 1)
    }

    async fn totp_try(&self, user_id: UserId, limit: u32) -> Result<Option<u32>> {
        let row = sqlx::query("UPDATE users SET totp_failures=totp_failures+1 WHERE id=$1 AND totp_failures < $2 RETURNING totp_failures")
            .bind(user_id)
            .bind(i64::from(limit))
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        match row {
            Some(r) => Ok(Some(u32::try_from(r.get::<i64, _>(0)).unwrap_or(u32::MAX))),
            None if self.user(user_id).await?.is_some() => Ok(None),
            None => Err(StoreError::NotFound),
        }
    }

    async fn recovery_codes_left(&self, user_id: UserId) -> Result<u32> {
        let n: i64 = sqlx::query("SELECT count(*) FROM recovery_codes WHERE user_id=$1 AND used_at IS NULL")
            .bind(user_id)
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?
            .get(0);
        Ok(n as u32)
    }

    async fn set_second_factor_required(&self, org_id: OrgId, required: bool) -> Result<()> {
        sqlx::query("UPDATE organisations SET require_second_factor=$1 WHERE id=$2")
            .bind(required)
            .bind(org_id)
            .execute(&self.pool)
            .await
            .found()?;
        Ok(())
    }
}

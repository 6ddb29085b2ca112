// [`PasskeyStore`] for the SQL backends (included by each: see crates/store/sql/README.md).

#[async_trait]
impl PasskeyStore for Backend {
    async fn add_passkey(&self, p: &NewPasskey, at: DateTime<Utc>) -> Result<Passkey> {
        let row = sqlx::query(
            "INSERT INTO passkeys (user_id, credential_id, public_key, sign_count, name, created_at) VALUES ($1,$2,$3,$4,$5,$6) RETURNING *",
        )
        .bind(p.user_id)
        .bind(&p.credential_id)
        .bind(&p.public_key)
        .bind(p.sign_count as i64)
        .bind(&p.name)
        .bind(ts(&at))
        .fetch_one(&self.pool)
        .await
        .map_err(backend)?;
        passkey_row(&row)
    }

    async fn passkeys_of_user(&self, user_id: UserId) -> Result<Vec<Passkey>> {
        self.all("SELECT * FROM passkeys WHERE user_id=$1 ORDER BY created_at, id", user_id, passkey_row).await
    }

    async fn passkey_by_credential(&self, credential_id: &str) -> Result<Option<Passkey>> {
        self.optional("SELECT * FROM passkeys WHERE credential_id=$1", credential_id.to_string(), passkey_row).await
    }

    async fn passkey_used(&self, id: i64, sign_count: u32, at: DateTime<Utc>) -> Result<()> {
        let n = sqlx::query("UPDATE passkeys SET sign_count=$1, last_used_at=$2 WHERE id=$3 AND ($1 = 0 OR sign_count < $1)")
            .bind(sign_count as i64)
            .bind(ts(&at))
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(backend)?
            .rows_affected();
        if n == 1 {
            Ok(())
        } else if self.optional("SELECT id FROM passkeys WHERE id=$1", id, |r| Ok(r.get::<i64, _>(0))).await?.is_some() {
            Err(StoreError::Stale)
        } else {
            Err(StoreError::NotFound)
        }
    }

    async fn delete_passkey(&self, user_id: UserId, id: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM passkeys WHERE id=$1 AND user_id=$2").bind(id).bind(user_id).execute(&mut *tx).await.found()?;
        // The sessions it opened end with it (and those of passkey logins from before sessions named theirs).
        sqlx::query("DELETE FROM sessions WHERE user_id=$1 AND (method=$2 OR method='passkey')")
            .bind(user_id)
            .bind(format!("passkey:{id}"))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn put_ceremony(&self, hash: &str, c: &Ceremony, max_live: u64) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM webauthn_ceremonies WHERE expires_at <= $1")
            .bind(ts(&Utc::now()))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        // Room for the new one: the oldest of the person's, or of those without a person, make way.
        let over: i64 = match c.user_id {
            Some(u) => {
                sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM webauthn_ceremonies WHERE user_id = $1").bind(u).fetch_one(&mut *tx).await.map_err(backend)?
                    - (algoreg_store::CEREMONIES_PER_PERSON - 1)
            }
            None => {
                sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM webauthn_ceremonies WHERE user_id IS NULL")
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(backend)?
                    - (max_live.max(1) as i64 - 1)
            }
        };
        if over > 0 {
            sqlx::query(
                "DELETE FROM webauthn_ceremonies WHERE hash IN (SELECT hash FROM webauthn_ceremonies \
                 WHERE user_id = $1 OR ($1 IS NULL AND user_id IS NULL) ORDER BY expires_at LIMIT $2)",
            )
            .bind(c.user_id)
            .bind(over)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        sqlx::query("INSERT INTO webauthn_ceremonies (hash, kind, user_id, challenge, expires_at) VALUES ($1,$2,$3,$4,$5)")
            .bind(hash)
            .bind(&c.kind)
            .bind(c.user_id)
            .bind(&c.challenge)
            .bind(ts(&c.expires_at))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)?;
        Ok(())
    }

    async fn take_ceremony(&self, hash: &str, now: DateTime<Utc>) -> Result<Option<Ceremony>> {
        let row = sqlx::query("DELETE FROM webauthn_ceremonies WHERE hash=$1 RETURNING *")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        let Some(r) = row else { return Ok(None) };
        let c = ceremony_row(&r)?;
        Ok((c.expires_at > now).then_some(c))
    }
}

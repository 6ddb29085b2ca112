// [`RuntimeStore`] for the SQL backends (included by each: see crates/store/sql/README.md).

#[async_trait]
impl RuntimeStore for Backend {
    async fn take_lease(&self, job: &str, holder: &str, now: DateTime<Utc>, until: DateTime<Utc>) -> Result<bool> {
        // One statement: a free or expired lease, or one this holder has already, becomes this holder's.
        let taken = sqlx::query(
            "INSERT INTO leases (job, holder, until) VALUES ($1, $2, $4)
             ON CONFLICT (job) DO UPDATE SET holder=excluded.holder, until=excluded.until
             WHERE leases.holder=excluded.holder OR leases.until <= $3",
        )
        .bind(job)
        .bind(holder)
        .bind(ts(&now))
        .bind(ts(&until))
        .execute(&self.pool)
        .await
        .map_err(backend)?
        .rows_affected();
        Ok(taken == 1)
    }

    async fn release_lease(&self, job: &str, holder: &str) -> Result<()> {
        sqlx::query("DELETE FROM leases WHERE job=$1 AND holder=$2").bind(job).bind(holder).execute(&self.pool).await.map_err(backend)?;
        Ok(())
    }

    async fn count_hit(&self, key: &str, window_start: DateTime<Utc>) -> Result<u64> {
        let n: i64 = sqlx::query(
            "INSERT INTO counters (key, window_start, count) VALUES ($1, $2, 1)
             ON CONFLICT (key, window_start) DO UPDATE SET count=counters.count+1 RETURNING count",
        )
        .bind(key)
        .bind(ts(&window_start))
        .fetch_one(&self.pool)
        .await
        .map_err(backend)?
        .get(0);
        Ok(n.max(0) as u64)
    }

    async fn purge_counters(&self, before: DateTime<Utc>) -> Result<u64> {
        let n = sqlx::query("DELETE FROM counters WHERE window_start < $1")
            .bind(ts(&before))
            .execute(&self.pool)
            .await
            .map_err(backend)?
            .rows_affected();
        sqlx::query("DELETE FROM login_failures WHERE last_at < $1").bind(ts(&before)).execute(&self.pool).await.map_err(backend)?;
        sqlx::query("DELETE FROM known_logins WHERE until < $1").bind(ts(&before)).execute(&self.pool).await.map_err(backend)?;
        Ok(n)
    }

    async fn login_attempt(
        &self,
        keys: &[algoreg_domain::throttle::ThrottleKey],
        now: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<Option<u64>> {
        let mut keys: Vec<&algoreg_domain::throttle::ThrottleKey> = keys.iter().collect();
        // Rows are locked in key order, so two attempts never wait for each other in a circle.
        keys.sort_by(|a, b| a.key.cmp(&b.key));
        keys.dedup_by(|a, b| a.key == b.key);
        let mut tx = self.begin().await?;
        let mut wait = 0i64;
        for k in &keys {
            sqlx::query("INSERT INTO login_failures (key, failures, last_at) VALUES ($1, 0, $2) ON CONFLICT (key) DO NOTHING")
                .bind(&k.key)
                .bind(ts(&now))
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
            let row = sqlx::query(&format!("SELECT failures, last_at FROM login_failures WHERE key=$1{LOCK_ROW}"))
                .bind(&k.key)
                .fetch_one(&mut *tx)
                .await
                .map_err(backend)?;
            let (failures, last) = login_failure_row(&row)?;
            let failures = if last < forget_before { 0 } else { failures };
            let delay = algoreg_domain::throttle::login_delay_seconds(failures, k.free, k.max_seconds);
            if k.applies && delay > 0 {
                let until = last + chrono::Duration::seconds(delay.min(i64::MAX as u64) as i64);
                wait = wait.max((until - now).num_milliseconds());
            }
        }
        if wait > 0 {
            // Nothing counted: the rows made for this attempt go with the rollback.
            return Ok(Some(((wait + 999) / 1000).max(1) as u64));
        }
        for k in &keys {
            sqlx::query(
                "UPDATE login_failures SET failures = CASE WHEN last_at < $2 THEN 1 ELSE failures + 1 END, last_at = $3 WHERE key = $1",
            )
            .bind(&k.key)
            .bind(ts(&forget_before))
            .bind(ts(&now))
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(None)
    }

    async fn forgive_login_failure(&self, key: &str, all: bool) -> Result<()> {
        let sql = if all {
            "DELETE FROM login_failures WHERE key=$1"
        } else {
            "UPDATE login_failures SET failures = failures - 1 WHERE key=$1 AND failures > 0"
        };
        sqlx::query(sql).bind(key).execute(&self.pool).await.map_err(backend)?;
        Ok(())
    }

    async fn mark_known_login(&self, key: &str, until: DateTime<Utc>) -> Result<()> {
        sqlx::query("INSERT INTO known_logins (key, until) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET until = excluded.until")
            .bind(key)
            .bind(ts(&until))
            .execute(&self.pool)
            .await
            .done()
    }

    async fn known_login(&self, key: &str, now: DateTime<Utc>) -> Result<bool> {
        let row = sqlx::query("SELECT 1 FROM known_logins WHERE key=$1 AND until > $2")
            .bind(key)
            .bind(ts(&now))
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        Ok(row.is_some())
    }

    fn pool_stats(&self) -> (u32, u32) {
        (self.pool.size(), self.pool.num_idle() as u32)
    }
}

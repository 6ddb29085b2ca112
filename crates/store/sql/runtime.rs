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

    async fn login_failure(&self, key: &str, forget_before: DateTime<Utc>) -> Result<Option<(u32, DateTime<Utc>)>> {
        let row = sqlx::query("SELECT failures, last_at FROM login_failures WHERE key=$1 AND last_at >= $2")
            .bind(key)
            .bind(ts(&forget_before))
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)?;
        row.as_ref().map(login_failure_row).transpose()
    }

    async fn add_login_failure(&self, key: &str, at: DateTime<Utc>, forget_before: DateTime<Utc>) -> Result<u32> {
        let n: i64 = sqlx::query(
            "INSERT INTO login_failures (key, failures, last_at) VALUES ($1, 1, $2)
             ON CONFLICT (key) DO UPDATE SET failures = CASE WHEN login_failures.last_at < $3 THEN 1 ELSE login_failures.failures + 1 END,
             last_at = excluded.last_at RETURNING failures",
        )
        .bind(key)
        .bind(ts(&at))
        .bind(ts(&forget_before))
        .fetch_one(&self.pool)
        .await
        .map_err(backend)?
        .get(0);
        Ok(n.clamp(0, u32::MAX as i64) as u32)
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
            .map_err(backend)?;
        Ok(())
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

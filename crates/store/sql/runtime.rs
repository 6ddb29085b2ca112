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
        Ok(sqlx::query("DELETE FROM counters WHERE window_start < $1")
            .bind(ts(&before))
            .execute(&self.pool)
            .await
            .map_err(backend)?
            .rows_affected())
    }
}

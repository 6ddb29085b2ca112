// [`AuditStore`] for the SQL backends (included by each: see crates/store/sql/README.md).

#[async_trait]
impl AuditStore for Backend {
    async fn append_audit(&self, e: &AuditEvent) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO audit_events (at, kind, org_id, subject_user, actor, actor_name, detail, source) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id",
        )
        .bind(ts(&e.at))
        .bind(e.kind.code())
        .bind(e.org_id)
        .bind(e.subject_user)
        .bind(&e.actor)
        .bind(&e.actor_name)
        .bind(&e.detail)
        .bind(&e.source)
        .fetch_one(&self.pool)
        .await
        .map_err(backend)?;
        Ok(row.get(0))
    }

    async fn audit_events(&self, q: &AuditQuery) -> Result<Vec<AuditEvent>> {
        let before = q.before.unwrap_or(i64::MAX);
        let rows = match q.org_id {
            // The organisation's own events (along their index), and a person's own events (logins,
            // passwords) within the periods the person was its member (along the index by person): the
            // newest of each, then the newest of both. Never those of someone it only invited.
            Some(org) => sqlx::query(
                "SELECT * FROM (SELECT * FROM audit_events WHERE org_id = $2 AND id < $1 ORDER BY id DESC LIMIT $3) AS own \
                 UNION ALL \
                 SELECT * FROM (SELECT e.* FROM membership_periods p JOIN audit_events e ON e.subject_user = p.user_id \
                   WHERE p.org_id = $2 AND e.org_id IS NULL AND e.id < $1 \
                     AND (p.since IS NULL OR e.at >= p.since) AND (p.until IS NULL OR e.at < p.until) \
                   ORDER BY e.id DESC LIMIT $3) AS theirs \
                 ORDER BY id DESC LIMIT $3",
            )
            .bind(before)
            .bind(org)
            .bind(q.limit),
            None => sqlx::query("SELECT * FROM audit_events WHERE id < $1 ORDER BY id DESC LIMIT $2").bind(before).bind(q.limit),
        }
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(audit_row).collect()
    }

    async fn purge_audit(&self, before: DateTime<Utc>) -> Result<u64> {
        let done = sqlx::query("DELETE FROM audit_events WHERE at < $1").bind(ts(&before)).execute(&self.pool).await.map_err(backend)?;
        Ok(done.rows_affected())
    }
}

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
            // The organisation's own events, and a person's own events (logins, passwords) while the
            // person is or was a member: from the first role the organisation gave them (or always, for
            // a member who joined before the log kept roles) until now, or for a past member until the
            // last role was taken away. Never those of someone it only invited. (`ON 1 = 0`: a member now
            // has no end, as a time of the column's own type on either backend.)
            Some(org) => sqlx::query(
                "WITH joins AS (SELECT subject_user AS user_id, min(at) AS since FROM audit_events \
                   WHERE org_id = $2 AND kind IN ($4, $5) AND subject_user IS NOT NULL GROUP BY subject_user), \
                 leaves AS (SELECT subject_user AS user_id, max(at) AS until FROM audit_events \
                   WHERE org_id = $2 AND kind = $6 AND subject_user IS NOT NULL GROUP BY subject_user), \
                 members AS (SELECT DISTINCT user_id FROM memberships WHERE org_id = $2), \
                 windows AS ( \
                   SELECT m.user_id, j.since, l.until FROM members m LEFT JOIN joins j ON j.user_id = m.user_id \
                     LEFT JOIN leaves l ON 1 = 0 \
                   UNION ALL \
                   SELECT j.user_id, j.since, l.until FROM joins j JOIN leaves l ON l.user_id = j.user_id \
                     WHERE j.user_id NOT IN (SELECT user_id FROM members)) \
                 SELECT e.* FROM audit_events e WHERE e.id < $1 AND (e.org_id = $2 OR (e.org_id IS NULL AND EXISTS ( \
                   SELECT 1 FROM windows w WHERE w.user_id = e.subject_user \
                     AND (w.since IS NULL OR e.at >= w.since) AND (w.until IS NULL OR e.at <= w.until)))) \
                 ORDER BY e.id DESC LIMIT $3",
            )
            .bind(before)
            .bind(org)
            .bind(q.limit)
            .bind(AuditKind::RoleGranted.code())
            .bind(AuditKind::InvitationAccepted.code())
            .bind(AuditKind::RoleRevoked.code()),
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

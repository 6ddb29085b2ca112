// [`PeopleStore`] for the SQL backends (included by each: see crates/store/sql/README.md).

#[async_trait]
impl PeopleStore for Backend {
    async fn create_user(&self, user: &NewUser) -> Result<User> {
        let now = now_micros();
        let id =
            sqlx::query("INSERT INTO users (email, name, password_hash, central_operator, created_at, password_temporary_until, password_by_admin) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id")
                .bind(&user.email)
                .bind(&user.name)
                .bind(&user.password_hash)
                .bind(user.central_operator)
                .bind(ts(&now))
                .bind(user.password_temporary_until.as_ref().map(ts))
                // A temporary password is one an admin set.
                .bind(user.password_temporary_until.is_some())
                .fetch_one(&self.pool)
                .await
                .map_err(backend)?
                .get::<UserId, _>(0);
        Ok(User {
            id,
            email: user.email.clone(),
            name: user.name.clone(),
            password_hash: user.password_hash.clone(),
            central_operator: user.central_operator,
            supervisor: false,
            created_at: now,
            password_temporary_until: user.password_temporary_until,
            password_by_admin: user.password_temporary_until.is_some(),
            last_login: None,
            totp_secret: None,
            totp_failures: 0,
        })
    }

    async fn user(&self, id: UserId) -> Result<Option<User>> {
        self.optional("SELECT * FROM users WHERE id=$1", id, user_row).await
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        self.optional(USER_BY_EMAIL, email, user_row).await
    }

    async fn set_membership(&self, user_id: UserId, org_id: OrgId, role: Role) -> Result<()> {
        let mut tx = self.begin().await?;
        add_role(&mut tx, user_id, org_id, role).await?;
        tx.commit().await.map_err(backend)
    }

    async fn remove_membership(&self, user_id: UserId, org_id: OrgId, role: Option<Role>) -> Result<()> {
        let mut tx = self.begin().await?;
        lock_person(&mut tx, user_id).await?;
        let q = match role {
            Some(r) => {
                sqlx::query("DELETE FROM memberships WHERE user_id=$1 AND org_id=$2 AND role=$3").bind(user_id).bind(org_id).bind(r.code())
            }
            None => sqlx::query("DELETE FROM memberships WHERE user_id=$1 AND org_id=$2").bind(user_id).bind(org_id),
        };
        q.execute(&mut *tx).await.map_err(backend)?;
        // The last role gone: the membership's period ends.
        sqlx::query(
            "UPDATE membership_periods SET until=$3 WHERE org_id=$1 AND user_id=$2 AND until IS NULL \
             AND NOT EXISTS (SELECT 1 FROM memberships WHERE org_id=$1 AND user_id=$2)",
        )
        .bind(org_id)
        .bind(user_id)
        .bind(ts(&Utc::now()))
        .execute(&mut *tx)
        .await
        .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn memberships(&self, user_id: UserId) -> Result<Vec<Membership>> {
        let rows = sqlx::query(
            "SELECT m.org_id, m.role, o.require_second_factor, o.require_sso FROM memberships m JOIN organisations o ON o.id=m.org_id \
             WHERE m.user_id=$1 ORDER BY m.org_id, m.role",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(|r| {
                Ok(Membership { org_id: r.get(0), role: parse_role(r.get(1))?, second_factor_required: r.get(2), sso_required: r.get(3) })
            })
            .collect()
    }

    async fn members(&self, org_id: OrgId) -> Result<Vec<(User, Role)>> {
        let rows = sqlx::query(
            "SELECT u.*, m.role AS member_role FROM memberships m JOIN users u ON u.id=m.user_id WHERE m.org_id=$1 ORDER BY u.email, m.role",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter().map(|r| Ok((user_row(r)?, parse_role(r.get("member_role"))?))).collect()
    }

    async fn set_supervisor(&self, user_id: UserId, on: bool) -> Result<()> {
        sqlx::query("UPDATE users SET supervisor=$1 WHERE id=$2").bind(on).bind(user_id).execute(&self.pool).await.found()?;
        Ok(())
    }

    async fn set_password(&self, user_id: UserId, password_hash: &str, how: PasswordSet) -> Result<()> {
        let mut tx = self.begin().await?;
        let (until, by_admin) = match how {
            PasswordSet::ByAdmin(until) => (Some(until), Some(true)),
            PasswordSet::ByHolder => (None, None),
            PasswordSet::Unusable => {
                end_what_an_admin_may_have_added(&mut tx, user_id).await?;
                (None, Some(false))
            }
        };
        // A password the holder chose lets authenticator codes be tried again (see `SecondFactorStore::totp_try`);
        // one an admin set does not (the admin knows it, and would get ten guesses at every reset).
        sqlx::query("UPDATE users SET password_hash=$1, password_temporary_until=$2, password_by_admin=COALESCE($4, password_by_admin), totp_failures=CASE WHEN $2 IS NULL THEN 0 ELSE totp_failures END WHERE id=$3")
            .bind(password_hash)
            .bind(until.as_ref().map(ts))
            .bind(user_id)
            .bind(by_admin)
            .execute(&mut *tx)
            .await
            .found()?;
        // A new password ends every session of that user, and every reset link.
        sqlx::query("DELETE FROM sessions WHERE user_id=$1").bind(user_id).execute(&mut *tx).await.map_err(backend)?;
        sqlx::query("DELETE FROM password_resets WHERE user_id=$1").bind(user_id).execute(&mut *tx).await.map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn create_invitation(&self, i: &NewInvitation) -> Result<i64> {
        let id = sqlx::query(
            "INSERT INTO invitations (org_id, user_id, role, invited_by, created_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6)
             ON CONFLICT (org_id, user_id, role) DO UPDATE SET invited_by=excluded.invited_by, created_at=excluded.created_at, expires_at=excluded.expires_at
             RETURNING id",
        )
        .bind(i.org_id)
        .bind(i.user_id)
        .bind(i.role.code())
        .bind(i.invited_by)
        .bind(ts(&Utc::now()))
        .bind(ts(&i.expires_at))
        .fetch_one(&self.pool)
        .await
        .map_err(backend)?
        .get::<i64, _>(0);
        Ok(id)
    }

    async fn invitations_for_user(&self, user_id: UserId, now: DateTime<Utc>) -> Result<Vec<Invitation>> {
        self.open_invitations("i.user_id", user_id.0, now).await
    }

    async fn invitations_of_org(&self, org_id: OrgId, now: DateTime<Utc>) -> Result<Vec<Invitation>> {
        self.open_invitations("i.org_id", org_id.0, now).await
    }

    async fn accept_invitation(&self, id: i64, user_id: UserId, now: DateTime<Utc>) -> Result<Invitation> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(&format!("{INVITATION_SELECT} WHERE i.id=$1 AND i.user_id=$2 AND i.expires_at > $3"))
            .bind(id)
            .bind(user_id)
            .bind(ts(&now))
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        // Taken first: an invitation withdrawn at the same moment makes nobody a member.
        let inv = take_invitation(&mut tx, row).await?;
        add_role(&mut tx, inv.user_id, inv.org_id, inv.role).await?;
        tx.commit().await.map_err(backend)?;
        Ok(inv)
    }

    async fn delete_invitation(&self, id: i64) -> Result<Invitation> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(&format!("{INVITATION_SELECT} WHERE i.id=$1"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend)?;
        let inv = take_invitation(&mut tx, row).await?;
        tx.commit().await.map_err(backend)?;
        Ok(inv)
    }
}

/// Takes the invitation a query in `tx` found: removed, and returned (none found: not found).
async fn take_invitation(tx: &mut Transaction<'_, Db>, found: Option<<Db as sqlx::Database>::Row>) -> Result<Invitation> {
    let inv = rows::invitation_row(&found.ok_or(StoreError::NotFound)?)?;
    sqlx::query("DELETE FROM invitations WHERE id=$1").bind(inv.id).execute(&mut **tx).await.found()?;
    Ok(inv)
}

/// Gives a role; a first role in the organisation opens a membership period (the organisation's audit
/// log shows the person's own events within their periods).
async fn add_role(tx: &mut Transaction<'_, Db>, user_id: UserId, org_id: OrgId, role: Role) -> Result<()> {
    lock_person(tx, user_id).await?;
    sqlx::query("INSERT INTO memberships (user_id, org_id, role) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING")
        .bind(user_id)
        .bind(org_id)
        .bind(role.code())
        .execute(&mut **tx)
        .await
        .map_err(backend)?;
    sqlx::query(
        "INSERT INTO membership_periods (org_id, user_id, since) VALUES ($1, $2, $3) \
         ON CONFLICT (org_id, user_id) WHERE until IS NULL DO NOTHING",
    )
    .bind(org_id)
    .bind(user_id)
    .bind(ts(&Utc::now()))
    .execute(&mut **tx)
    .await
    .map_err(backend)?;
    Ok(())
}

/// Changes to one person's memberships one at a time (PostgreSQL reads committed rows: two at once could
/// otherwise both open a period, or close one while the other adds a role).
async fn lock_person(tx: &mut Transaction<'_, Db>, user_id: UserId) -> Result<()> {
    sqlx::query(&format!("SELECT id FROM users WHERE id=$1{LOCK_ROW}")).bind(user_id).fetch_optional(&mut **tx).await.map_err(backend)?;
    Ok(())
}

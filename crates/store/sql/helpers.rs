// Helpers every SQL backend shares (included at the root of each: see crates/store/sql/README.md): the
// same SQL, which SQLite and PostgreSQL both understand, compiled against the backend's `Backend` and `Db`
// types and its `ts`, `backend`, `begin`, `lock_outbox` and `LOCK_ROW`.

const INVITATION_SELECT: &str = "SELECT i.*, o.code AS org_code, o.name AS org_name, u.email AS user_email FROM invitations i JOIN organisations o ON o.id=i.org_id JOIN users u ON u.id=i.user_id";

const SOURCE_SELECT: &str = "SELECT s.*, o.code AS org_code FROM sources s JOIN organisations o ON o.id=s.org_id";

/// A row of the backend.
type DbRow = <Db as sqlx::Database>::Row;

/// Now, to the microsecond: what the store keeps of a time, so what a create returns equals what a
/// read returns later.
pub(crate) fn now_micros() -> DateTime<Utc> {
    chrono::SubsecRound::trunc_subsecs(Utc::now(), 6)
}

/// The outcome of a write.
pub(crate) trait Changed {
    /// For a write that must find its row: a backend error, `NotFound` when no row changed, or how many
    /// rows changed.
    fn found(self) -> Result<u64>;
    /// The statement ran; how many rows it changed does not matter.
    fn done(self) -> Result<()>;
}

impl Changed for std::result::Result<<Db as sqlx::Database>::QueryResult, sqlx::Error> {
    fn found(self) -> Result<u64> {
        match self.map_err(backend)?.rows_affected() {
            0 => Err(StoreError::NotFound),
            n => Ok(n),
        }
    }
    fn done(self) -> Result<()> {
        self.map(|_| ()).map_err(backend)
    }
}

/// A database error as the store says it: a unique violation as a conflict on its field (the
/// backend's `unique_constraint` names it), anything else as a backend error.
fn backend(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() {
            return StoreError::Conflict(unique_constraint(d.as_ref()));
        }
        // PostgreSQL refuses a NUL character in text (character_not_in_repertoire): what was sent,
        // not a failure of the store.
        if d.code().as_deref() == Some("22021") {
            return StoreError::Unstorable;
        }
    }
    StoreError::Backend(e.to_string())
}

impl Backend {
    /// Open invitations where `column` (a fixed column name, never input) is `id`.
    async fn open_invitations(&self, column: &'static str, id: i64, now: DateTime<Utc>) -> Result<Vec<Invitation>> {
        let rows = sqlx::query(&format!("{INVITATION_SELECT} WHERE {column}=$1 AND i.expires_at > $2 ORDER BY i.id"))
            .bind(id)
            .bind(ts(&now))
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(rows::invitation_row).collect()
    }

    /// Every row of a query with one bound value, each read with `row`.
    async fn all<'q, T: Send, V>(&self, sql: &'q str, value: V, row: fn(&DbRow) -> Result<T>) -> Result<Vec<T>>
    where
        V: 'q + Send + sqlx::Encode<'q, Db> + sqlx::Type<Db>,
    {
        sqlx::query(sql).bind(value).fetch_all(&self.pool).await.map_err(backend)?.iter().map(row).collect()
    }

    /// The row of a query with one bound value, if there is one, read with `row`.
    async fn optional<'q, T: Send, V>(&self, sql: &'q str, value: V, row: fn(&DbRow) -> Result<T>) -> Result<Option<T>>
    where
        V: 'q + Send + sqlx::Encode<'q, Db> + sqlx::Type<Db>,
    {
        sqlx::query(sql).bind(value).fetch_optional(&self.pool).await.map_err(backend)?.as_ref().map(row).transpose()
    }
}

async fn insert_version(
    tx: &mut Transaction<'_, Db>,
    id: &str,
    number: u32,
    v: &NewVersion,
    published_at: Option<&DateTime<Utc>>,
) -> Result<()> {
    sqlx::query("INSERT INTO versions (record_id, number, state, standard_version, content, missing, provenance, created_at, created_by, published_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)")
        .bind(id)
        .bind(number as i64)
        .bind(v.state.code())
        .bind(v.standard_version.as_str())
        .bind(json(&v.content))
        .bind(json(&v.missing))
        .bind(v.provenance.as_ref().map(json))
        .bind(ts(&v.created_at))
        .bind(&v.created_by)
        .bind(published_at.map(ts))
        .execute(&mut **tx)
        .await
        .done()
}

async fn insert_history(tx: &mut Transaction<'_, Db>, id: &str, h: &NewHistory) -> Result<()> {
    sqlx::query("INSERT INTO history (record_id, version, action, actor, reason, at) VALUES ($1,$2,$3,$4,$5,$6)")
        .bind(id)
        .bind(h.version as i64)
        .bind(h.action.code())
        .bind(&h.actor)
        .bind(&h.reason)
        .bind(ts(&h.at))
        .execute(&mut **tx)
        .await
        .done()
}

async fn outbox(tx: &mut Transaction<'_, Db>, id: &str, at: &DateTime<Utc>) -> Result<()> {
    lock_outbox(tx).await?;
    sqlx::query("INSERT INTO outbox (record_id, at) VALUES ($1, $2)").bind(id).bind(ts(at)).execute(&mut **tx).await.map_err(backend)?;
    Ok(())
}

/// The columns `bind_org_details` fills.
const ORG_DETAILS: &str = "name, org_type, tooi, flow, about, contact, short_name, parent_code, ministry_code";

async fn insert_organisation(tx: &mut Transaction<'_, Db>, org: &NewOrganisation, at: &DateTime<Utc>) -> Result<OrgId> {
    let sql = format!("INSERT INTO organisations (code, created_at, {ORG_DETAILS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING id");
    Ok(bind_org_details!(sqlx::query(&sql).bind(&org.code).bind(ts(at)), org)
    .fetch_one(&mut **tx)
    .await
    .map_err(backend)?
    .get::<OrgId, _>(0))
}

/// Locks the record's row for the rest of the transaction and checks that its latest version is still
/// `latest` (and in `state`, where given): `Stale` when someone acted on it meanwhile.
async fn record_still_at(tx: &mut Transaction<'_, Db>, sid: &str, latest: u32, state: Option<VersionState>) -> Result<()> {
    let row = sqlx::query(&format!("SELECT latest_version, latest_state FROM records WHERE id=$1{LOCK_ROW}"))
        .bind(sid)
        .fetch_optional(&mut **tx)
        .await
        .map_err(backend)?;
    let Some(row) = row else { return Err(StoreError::NotFound) };
    let (at, at_state): (i64, String) = (row.get(0), row.get(1));
    if at as u32 != latest || state.is_some_and(|s| s.code() != at_state) {
        return Err(StoreError::Stale);
    }
    Ok(())
}

/// Applies one workflow step inside a transaction.
async fn apply_in(tx: &mut Transaction<'_, Db>, change: &Change) -> Result<()> {
    let sid = change.record.to_string();
    record_still_at(tx, &sid, change.expected_latest, change.expected_state).await?;
    let latest = i64::from(change.expected_latest);
    let now = change.history.at;
    let mut new_latest = latest as u32;
    if let Some(v) = &change.new_version {
        new_latest += 1;
        let published_at = (change.publishes == Some(new_latest)).then_some(&now);
        insert_version(tx, &sid, new_latest, v, published_at).await?;
    }
    for (number, state) in &change.state_changes {
        let set_pub = change.publishes == Some(*number);
        sqlx::query(
            "UPDATE versions SET state=$1, published_at = CASE WHEN $2 THEN $3 ELSE published_at END, \
             withdrawn_at = CASE WHEN $2 THEN NULL ELSE withdrawn_at END WHERE record_id=$4 AND number=$5",
        )
        .bind(state.code())
        .bind(set_pub)
        .bind(ts(&now))
        .bind(&sid)
        .bind(*number as i64)
        .execute(&mut **tx)
        .await
        .map_err(backend)?;
    }
    if let Some(number) = change.withdraws {
        sqlx::query("UPDATE versions SET withdrawn_at=$1 WHERE record_id=$2 AND number=$3")
            .bind(ts(&now))
            .bind(&sid)
            .bind(number as i64)
            .execute(&mut **tx)
            .await
            .map_err(backend)?;
    }
    let latest_state: String = sqlx::query("SELECT state FROM versions WHERE record_id=$1 AND number=$2")
        .bind(&sid)
        .bind(new_latest as i64)
        .fetch_one(&mut **tx)
        .await
        .map_err(backend)?
        .get(0);
    let released_by = if latest_state == VersionState::Released.code() { change.released_by.clone() } else { None };
    let mut q = QueryBuilder::<Db>::new("UPDATE records SET latest_version=");
    q.push_bind(new_latest as i64).push(", latest_state=").push_bind(latest_state).push(", released_by=").push_bind(released_by);
    if let Some(p) = change.publishes {
        q.push(", published_version=")
            .push_bind(p as i64)
            .push(", first_published_at=COALESCE(first_published_at, ")
            .push_bind(ts(&now))
            .push(")");
    } else if change.unpublishes {
        q.push(", published_version=NULL");
    }
    q.push(" WHERE id=").push_bind(&sid);
    q.build().execute(&mut **tx).await.map_err(backend)?;
    insert_history(tx, &sid, &change.history).await?;
    if change.publishes.is_some() || change.unpublishes {
        outbox(tx, &sid, &now).await?;
    }
    Ok(())
}

async fn insert_mails(tx: &mut Transaction<'_, Db>, mails: &[NewMail]) -> Result<()> {
    let now = Utc::now();
    for m in mails {
        sqlx::query("INSERT INTO mail_outbox (to_addr, subject, body, created_at, unsubscribe) VALUES ($1,$2,$3,$4,$5)")
            .bind(&m.to)
            .bind(&m.subject)
            .bind(&m.body)
            .bind(ts(&now))
            .bind(&m.unsubscribe)
            .execute(&mut **tx)
            .await
            .map_err(backend)?;
    }
    Ok(())
}

/// Ends what may have been added to an account while an admin knew its password (its passkeys, its
/// second factor and recovery codes), when it was such an account: called as its holder takes it back
/// (a password through the mailed link, or none, before the mark is cleared).
async fn end_what_an_admin_may_have_added(tx: &mut Transaction<'_, Db>, user_id: UserId) -> Result<()> {
    let marked: bool = sqlx::query("SELECT password_by_admin FROM users WHERE id=$1")
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await
        .map_err(backend)?
        .map(|r| r.get::<bool, _>(0))
        .unwrap_or(false);
    if marked {
        sqlx::query("DELETE FROM passkeys WHERE user_id=$1").bind(user_id).execute(&mut **tx).await.map_err(backend)?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id=$1").bind(user_id).execute(&mut **tx).await.map_err(backend)?;
        sqlx::query("UPDATE users SET totp_secret=NULL, totp_last_step=0 WHERE id=$1").bind(user_id).execute(&mut **tx).await.done()?;
    }
    Ok(())
}

impl Backend {
    /// Runs the migrations this release has and the database has not (`migrations/` of the backend's
    /// crate). Migrations a newer release applied are left alone, so a node of the previous release
    /// still starts during a rolling upgrade.
    pub async fn migrate(&self) -> Result<()> {
        let mut migrator = sqlx::migrate!("./migrations");
        migrator.set_ignore_missing(true);
        migrator.run(&self.pool).await.map_err(|e| StoreError::Backend(e.to_string()))
    }
}

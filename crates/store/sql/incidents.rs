// [`IncidentStore`] for the SQL backends (included by each: see crates/store/sql/README.md).

#[async_trait]
impl IncidentStore for Backend {
    async fn create_incident(&self, n: &NewIncident, mails: &[NewMail]) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id = sqlx::query(
            "INSERT INTO incidents (record_id, deployer_org_id, provider_name, provider_org_id, provider_email, ack_hash, class, title, what_happened, noticed_at, people_affected, public, public_summary, deadline_at, status, created_at, created_by) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,'open',$15,$16) RETURNING id",
        )
        .bind(n.record.to_string())
        .bind(n.deployer_org_id)
        .bind(&n.provider_name)
        .bind(n.provider_org_id)
        .bind(&n.provider_email)
        .bind(&n.ack_hash)
        .bind(n.class.code())
        .bind(&n.title)
        .bind(&n.what_happened)
        .bind(ts(&n.noticed_at))
        .bind(n.people_affected)
        .bind(n.public)
        .bind(&n.public_summary)
        .bind(n.deadline_at.as_ref().map(ts))
        .bind(ts(&n.created_at))
        .bind(&n.created_by)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?
        .get::<i64, _>(0);
        sqlx::query("INSERT INTO incident_events (incident_id, at, actor, kind, text) VALUES ($1,$2,$3,'reported',NULL)")
            .bind(id)
            .bind(ts(&n.created_at))
            .bind(&n.created_by)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        insert_mails(&mut tx, mails).await?;
        tx.commit().await.map_err(backend)?;
        Ok(id)
    }

    async fn incident(&self, id: i64) -> Result<Option<Incident>> {
        self.optional("SELECT * FROM incidents WHERE id=$1", id, incident_row).await
    }

    async fn incident_by_ack(&self, ack_hash: &str) -> Result<Option<Incident>> {
        self.optional("SELECT * FROM incidents WHERE ack_hash=$1", ack_hash, incident_row).await
    }

    async fn incidents_of_org(&self, org_id: OrgId) -> Result<Vec<Incident>> {
        self.all("SELECT * FROM incidents WHERE deployer_org_id=$1 OR provider_org_id=$1 ORDER BY id DESC", org_id, incident_row).await
    }

    async fn incidents_of_record(&self, id: AlgorithmId) -> Result<Vec<Incident>> {
        self.all("SELECT * FROM incidents WHERE record_id=$1 ORDER BY id DESC", id.to_string(), incident_row).await
    }

    async fn add_incident_event(&self, id: i64, e: &IncidentEvent, status: Option<IncidentStatus>, mails: &[NewMail]) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO incident_events (incident_id, at, actor, kind, text) VALUES ($1,$2,$3,$4,$5)")
            .bind(id)
            .bind(ts(&e.at))
            .bind(&e.actor)
            .bind(e.kind.code())
            .bind(&e.text)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        if let Some(st) = status {
            sqlx::query("UPDATE incidents SET status=$1 WHERE id=$2").bind(st.code()).bind(id).execute(&mut *tx).await.map_err(backend)?;
        }
        insert_mails(&mut tx, mails).await?;
        tx.commit().await.map_err(backend)
    }

    async fn incident_events(&self, id: i64) -> Result<Vec<IncidentEvent>> {
        self.all("SELECT * FROM incident_events WHERE incident_id=$1 ORDER BY id", id, incident_event_row).await
    }
}

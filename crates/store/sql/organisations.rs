// [`OrganisationStore`] for the SQL backends (included by each: see crates/store/sql/README.md).

#[async_trait]
impl OrganisationStore for Backend {
    async fn create_organisation(&self, org: &NewOrganisation) -> Result<Organisation> {
        let now = now_micros();
        let mut tx = self.begin().await?;
        let id = insert_organisation(&mut tx, org, &now).await?;
        tx.commit().await.map_err(backend)?;
        Ok(Organisation {
            id,
            code: org.code.clone(),
            name: org.name.clone(),
            org_type: org.org_type,
            tooi: org.tooi.clone(),
            relations: org.relations.clone(),
            flow: org.flow,
            about: org.about.clone(),
            contact: org.contact.clone(),
            created_at: now,
            require_second_factor: false,
            require_sso: false,
        })
    }

    async fn update_organisation(&self, org: &Organisation) -> Result<()> {
        let mut tx = self.begin().await?;
        let sql = format!("UPDATE organisations SET ({ORG_DETAILS}) = ($2,$3,$4,$5,$6,$7,$8,$9,$10) WHERE id=$1");
        bind_org_details!(sqlx::query(&sql).bind(org.id), org)
            .execute(&mut *tx)
            .await
            .found()?;
        // The organisation's details are part of what the public sees of each of its records (pages, the
        // feed, the search index): the change goes through the outbox like a change to the records.
        lock_outbox(&mut tx).await?;
        sqlx::query("INSERT INTO outbox (record_id, at) SELECT id, $1 FROM records WHERE org_id=$2 AND published_version IS NOT NULL")
            .bind(ts(&Utc::now()))
            .bind(org.id)
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        tx.commit().await.map_err(backend)
    }

    async fn organisation(&self, id: OrgId) -> Result<Option<Organisation>> {
        self.optional("SELECT * FROM organisations WHERE id=$1", id, org_row).await
    }

    async fn organisation_by_code(&self, code: &str) -> Result<Option<Organisation>> {
        self.optional("SELECT * FROM organisations WHERE code=$1", code, org_row).await
    }

    async fn organisations(&self) -> Result<Vec<Organisation>> {
        let rows = sqlx::query("SELECT * FROM organisations ORDER BY name").fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(org_row).collect()
    }

    async fn create_template(&self, name: &str, source: &str, content: &algoreg_standard::Content) -> Result<i64> {
        let id = sqlx::query("INSERT INTO templates (name, source, content, created_at) VALUES ($1,$2,$3,$4) RETURNING id")
            .bind(name)
            .bind(source)
            .bind(json(content))
            .bind(ts(&Utc::now()))
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?
            .get::<i64, _>(0);
        Ok(id)
    }

    async fn templates(&self) -> Result<Vec<Template>> {
        let rows = sqlx::query("SELECT id, name, source, content FROM templates ORDER BY source, name")
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(template_row).collect()
    }
}

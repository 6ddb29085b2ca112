// [`EvaluationStore`] for the SQL backends (included by each: see crates/store/sql/README.md).

#[async_trait]
impl EvaluationStore for Backend {
    async fn set_evaluation_plan(&self, p: &EvaluationPlan) -> Result<()> {
        sqlx::query(
            "INSERT INTO evaluation_plans (record_id, interval_months, next_due, reminded_for, updated_at, updated_by) VALUES ($1,$2,$3,$4,$5,$6)
             ON CONFLICT(record_id) DO UPDATE SET interval_months=excluded.interval_months, next_due=excluded.next_due, reminded_for=excluded.reminded_for, updated_at=excluded.updated_at, updated_by=excluded.updated_by",
        )
        .bind(p.record.to_string())
        .bind(p.interval_months as i64)
        .bind(p.next_due)
        .bind(p.reminded_for)
        .bind(ts(&p.updated_at))
        .bind(&p.updated_by)
        .execute(&self.pool)
        .await
        .done()
    }

    async fn evaluation_plan(&self, id: AlgorithmId) -> Result<Option<EvaluationPlan>> {
        self.optional("SELECT * FROM evaluation_plans WHERE record_id=$1", id.to_string(), evaluation_plan_row).await
    }

    async fn evaluation_plans(&self, org_id: Option<OrgId>) -> Result<Vec<(OrgId, EvaluationPlan)>> {
        let rows = sqlx::query("SELECT p.*, r.org_id FROM evaluation_plans p JOIN records r ON r.id=p.record_id WHERE ($1 IS NULL OR r.org_id=$2) ORDER BY p.next_due")
            .bind(org_id)
            .bind(org_id)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)?;
        rows.iter().map(|r| Ok((r.get::<OrgId, _>("org_id"), evaluation_plan_row(r)?))).collect()
    }

    async fn add_evaluation(&self, e: &Evaluation, next_due: Option<chrono::NaiveDate>) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id = sqlx::query(
            "INSERT INTO evaluations (record_id, date, by_whom, findings, report_url, created_at, created_by) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
        )
        .bind(e.record.to_string())
        .bind(e.date)
        .bind(&e.by_whom)
        .bind(&e.findings)
        .bind(&e.report_url)
        .bind(ts(&e.created_at))
        .bind(&e.created_by)
        .fetch_one(&mut *tx)
        .await
        .map_err(backend)?
        .get::<i64, _>(0);
        if let Some(d) = next_due {
            sqlx::query("UPDATE evaluation_plans SET next_due=$1, reminded_for=NULL WHERE record_id=$2")
                .bind(d)
                .bind(e.record.to_string())
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
        }
        tx.commit().await.map_err(backend)?;
        Ok(id)
    }

    async fn evaluations(&self, id: AlgorithmId) -> Result<Vec<Evaluation>> {
        self.all("SELECT * FROM evaluations WHERE record_id=$1 ORDER BY date DESC, id DESC", id.to_string(), evaluation_row).await
    }

    async fn mark_evaluation_reminded(&self, id: AlgorithmId, due: chrono::NaiveDate, mails: &[NewMail]) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE evaluation_plans SET reminded_for=$1 WHERE record_id=$2")
            .bind(due)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(backend)?;
        insert_mails(&mut tx, mails).await?;
        tx.commit().await.map_err(backend)
    }
}

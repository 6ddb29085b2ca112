//! What PostgreSQL does its own way for [`RegisterStore`] (the rest is shared:
//! `crates/store/sql/register.rs`): bulk writes in one transaction, and the database's own checks.

use super::*;

impl PgStore {
    pub(crate) async fn import_batch(&self, records: &[ImportRecord]) -> Result<()> {
        // Insert in key order: index appends instead of random page splits.
        let mut sorted: Vec<&ImportRecord> = records.iter().collect();
        sorted.sort_unstable_by_key(|r| r.id);
        let mut tx = self.begin().await?;
        insert_imports(&mut tx, &sorted).await?;
        tx.commit().await.map_err(backend)
    }

    pub(crate) async fn import_streamed(&self, expected: usize, batches: tokio::sync::mpsc::Receiver<ImportMsg>) -> Result<StreamOutcome> {
        import_streamed(self, expected, batches).await
    }

    /// PostgreSQL checks its pages (checksums, when the cluster has them) and enforces references
    /// itself: nothing more to ask it here.
    pub(crate) async fn database_checks(&self) -> Result<Vec<String>> {
        Ok(vec![])
    }

    /// Backups of PostgreSQL are made with its own tools (docs/DEPLOY.md).
    pub(crate) async fn backup_to(&self, _to: &std::path::Path) -> Result<()> {
        Err(StoreError::Backend("backups of PostgreSQL are made with pg_dump or continuous archiving (docs/DEPLOY.md)".into()))
    }
}

//! The one place that names a storage backend: everything else sees `Arc<dyn Store>` behind the
//! services. A second backend (PostgreSQL) is chosen here too.

use algoreg_service::ServiceError;
use algoreg_store::Store;
use algoreg_store_sqlite::SqliteStore;
use std::path::Path;
use std::sync::Arc;

/// What the store is opened for.
#[derive(Clone, Copy)]
pub enum Purpose {
    /// A server or a short command: a pool of connections.
    Serve,
    /// One large write (an import): one connection, written once.
    Bulk,
}

/// Opens the store in the data directory.
pub async fn open(data: &Path, purpose: Purpose) -> Result<Arc<dyn Store>, ServiceError> {
    Ok(match purpose {
        Purpose::Serve => Arc::new(SqliteStore::open_dir(data).await?),
        Purpose::Bulk => Arc::new(SqliteStore::open_dir_single(data).await?),
    })
}

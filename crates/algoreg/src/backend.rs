//! The one place that names a storage backend: everything else sees `Arc<dyn Store>` behind the
//! services. SQLite (embedded, the default) or PostgreSQL (several nodes on one database server),
//! chosen by the database URL.

use algoreg_service::ServiceError;
use algoreg_store::Store;
use algoreg_store_postgres::PgStore;
use algoreg_store_sqlite::SqliteStore;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What the store is opened for.
#[derive(Clone, Copy)]
pub enum Purpose {
    /// A server or a short command: a pool of connections.
    Serve,
    /// One large write (an import): one connection, written once.
    Bulk,
}

/// Where the data lives: `sqlite:DIR` or `postgres://user:password@host:port/database`.
#[derive(Clone, Debug, PartialEq)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Database {
    /// Parses a database URL; the error names the forms that are understood.
    pub fn parse(s: &str) -> Result<Database, String> {
        if s.len() > 2048 {
            return Err("the database URL is longer than 2048 characters".into());
        }
        if let Some(dir) = s.strip_prefix("sqlite:") {
            let dir = dir.strip_prefix("//").unwrap_or(dir);
            if dir.is_empty() {
                return Err("sqlite: needs a folder (sqlite:DIR)".into());
            }
            return Ok(Database::Sqlite(PathBuf::from(dir)));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(Database::Postgres(s.to_string()));
        }
        Err("expected sqlite:DIR or postgres://user:password@host:port/database".into())
    }

    /// The URL without its password (for messages and logs).
    pub fn display(&self) -> String {
        match self {
            Database::Sqlite(dir) => format!("sqlite:{}", dir.display()),
            Database::Postgres(url) => redact(url),
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (auth, host) = match rest.rsplit_once('@') {
        Some((auth, host)) => (auth, host),
        None => return url.to_string(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// Opens the store: the given database, or SQLite in the data directory.
pub async fn open(data: &Path, database: Option<&Database>, purpose: Purpose) -> Result<Arc<dyn Store>, ServiceError> {
    Ok(match database {
        Some(Database::Postgres(url)) => Arc::new(PgStore::connect(url).await?),
        Some(Database::Sqlite(dir)) => open_sqlite(dir, purpose).await?,
        None => open_sqlite(data, purpose).await?,
    })
}

async fn open_sqlite(dir: &Path, purpose: Purpose) -> Result<Arc<dyn Store>, ServiceError> {
    Ok(match purpose {
        Purpose::Serve => Arc::new(SqliteStore::open_dir(dir).await?),
        Purpose::Bulk => Arc::new(SqliteStore::open_dir_single(dir).await?),
    })
}

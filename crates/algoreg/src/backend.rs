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

/// Where the data lives: `sqlite:DIR` or `postgres://user:password@host:port/database`. Shown (Debug,
/// messages) without its password.
#[derive(Clone, PartialEq)]
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

/// Reads `--database` (and `copy --from/--to`) for clap: an error says what is wrong without repeating
/// the value, which can hold a password (and may come from `DATABASE_URL`, into a service's log).
#[derive(Clone)]
pub struct DatabaseParser;

impl clap::builder::TypedValueParser for DatabaseParser {
    type Value = Database;

    fn parse_ref(&self, cmd: &clap::Command, arg: Option<&clap::Arg>, value: &std::ffi::OsStr) -> Result<Database, clap::Error> {
        let name = arg.map(|a| a.get_id().to_string()).unwrap_or_else(|| "database".into());
        let text = value.to_str().ok_or_else(|| {
            clap::Error::raw(clap::error::ErrorKind::InvalidUtf8, format!("--{name}: the database URL is not valid UTF-8\n")).with_cmd(cmd)
        })?;
        Database::parse(text).map_err(|why| {
            let shown = if text.len() > 200 { "***".to_string() } else { redact(text) };
            clap::Error::raw(clap::error::ErrorKind::ValueValidation, format!("--{name} {shown}: {why}\n")).with_cmd(cmd)
        })
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

/// `postgres://user:secret@host/db?password=x` → `postgres://user:***@host/db?password=***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return "***".into() };
    let (auth, tail) = match rest.rsplit_once('@') {
        Some((auth, tail)) => (auth.split_once(':').map(|(user, _)| format!("{user}:***@")).unwrap_or(format!("{auth}@")), tail),
        None => (String::new(), rest),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") || k.eq_ignore_ascii_case("sslpassword") => format!("{k}=***"),
                    _ => p.to_string(),
                })
                .collect();
            format!("{path}?{}", params.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{auth}{tail}")
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

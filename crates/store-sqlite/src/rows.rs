//! Reading SQLite's columns for the shared row decoders (`algoreg_store::rows`): times are RFC 3339
//! text in UTC, flags integers, dates `YYYY-MM-DD` text. A value the schema does not allow is a
//! backend error, never a panic.

use algoreg_store::rows::{column_error, Col, Columns};
pub use algoreg_store::rows::{json, parse_role, SignalTimes, PUBLISHED_COLS, SESSION_ID_LEN, WORKSPACE_COLS};
use algoreg_store::*;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite};

type DbRow = SqliteRow;
type RowDb = Sqlite;

/// Times are RFC 3339 text in UTC, dates `YYYY-MM-DD` text.
type StoredTime = String;
type StoredDate = String;

fn read_time(s: String) -> Result<DateTime<Utc>> {
    time(&s)
}

fn read_date(s: String) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| StoreError::Backend(format!("unexpected date in database: {s:?}")))
}

include!("../../store/sql/rows.rs");

/// A stored time read back.
pub fn time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::Backend(format!("unexpected time in database: {s:?}")))
}

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

include!("../../store/sql/rows.rs");

/// A stored time read back.
pub fn time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::Backend(format!("unexpected time in database: {s:?}")))
}

fn date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| StoreError::Backend(format!("unexpected date in database: {s:?}")))
}

impl Columns for Cells<'_> {
    fn text(&self, c: Col) -> Result<String> {
        get(self.0, c)
    }
    fn opt_text(&self, c: Col) -> Result<Option<String>> {
        get(self.0, c)
    }
    fn int(&self, c: Col) -> Result<i64> {
        get(self.0, c)
    }
    fn opt_int(&self, c: Col) -> Result<Option<i64>> {
        get(self.0, c)
    }
    fn flag(&self, c: Col) -> Result<bool> {
        get(self.0, c)
    }
    fn time(&self, c: Col) -> Result<DateTime<Utc>> {
        time(&get::<String>(self.0, c)?)
    }
    fn opt_time(&self, c: Col) -> Result<Option<DateTime<Utc>>> {
        get::<Option<String>>(self.0, c)?.as_deref().map(time).transpose()
    }
    fn date(&self, c: Col) -> Result<NaiveDate> {
        date(&get::<String>(self.0, c)?)
    }
    fn opt_date(&self, c: Col) -> Result<Option<NaiveDate>> {
        get::<Option<String>>(self.0, c)?.as_deref().map(date).transpose()
    }
}

//! Reading PostgreSQL's columns for the shared row decoders (`algoreg_store::rows`): timestamptz,
//! date, boolean and bigint columns. A value the schema does not allow is a backend error, never a panic.

use algoreg_store::rows::{column_error, Col, Columns};
pub use algoreg_store::rows::{json, parse_role, SignalTimes, PUBLISHED_COLS, SESSION_ID_LEN, WORKSPACE_COLS};
use algoreg_store::*;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row};

type DbRow = PgRow;
type RowDb = Postgres;

/// Times are timestamptz and dates date columns: read as they are.
type StoredTime = DateTime<Utc>;
type StoredDate = NaiveDate;

fn read_time(t: DateTime<Utc>) -> Result<DateTime<Utc>> {
    Ok(t)
}

fn read_date(d: NaiveDate) -> Result<NaiveDate> {
    Ok(d)
}

include!("../../store/sql/rows.rs");

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

include!("../../store/sql/rows.rs");

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
        get(self.0, c)
    }
    fn opt_time(&self, c: Col) -> Result<Option<DateTime<Utc>>> {
        get(self.0, c)
    }
    fn date(&self, c: Col) -> Result<NaiveDate> {
        get(self.0, c)
    }
    fn opt_date(&self, c: Col) -> Result<Option<NaiveDate>> {
        get(self.0, c)
    }
}

// [`CopyStore`] for the SQL backends (included by each: see crates/store/sql/README.md).

/// Rows read from the source per round trip.
const COPY_PAGE: u64 = 2000;

/// A query that counts the tables of [`algoreg_store::copy::TABLES`] that have a row (0: empty).
fn any_rows_sql() -> String {
    let parts: Vec<String> = algoreg_store::copy::TABLES.iter().map(|t| format!("(SELECT count(*) FROM (SELECT 1 FROM {} LIMIT 1) x)", t.name)).collect();
    format!("SELECT {}", parts.join(" + "))
}

type DbQuery<'q> = sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments<'q>>;

/// Binds one cell as the column's kind (a NULL typed as the column).
fn bind_cell<'q>(q: DbQuery<'q>, kind: algoreg_store::copy::Kind, cell: &algoreg_store::copy::Cell) -> DbQuery<'q> {
    use algoreg_store::copy::{Cell, Kind};
    match (cell, kind) {
        (Cell::Int(i), _) => q.bind(*i),
        (Cell::Text(s), _) => q.bind(s.clone()),
        (Cell::Time(t), _) => q.bind(ts(t)),
        (Cell::Bool(b), _) => q.bind(*b),
        (Cell::Date(d), _) => q.bind(*d),
        (Cell::Null, Kind::Int) => q.bind(None::<i64>),
        (Cell::Null, Kind::Text) => q.bind(None::<String>),
        (Cell::Null, Kind::Time) => q.bind(None::<DateTime<Utc>>.as_ref().map(ts)),
        (Cell::Null, Kind::Bool) => q.bind(None::<bool>),
        (Cell::Null, Kind::Date) => q.bind(None::<chrono::NaiveDate>),
    }
}

#[async_trait]
impl CopyStore for Backend {
    async fn read_rows(
        &self,
        table: &algoreg_store::copy::Table,
        after: Option<&[algoreg_store::copy::Cell]>,
        limit: u64,
    ) -> Result<Vec<Vec<algoreg_store::copy::Cell>>> {
        let sql = table.select_page(after.is_some());
        let mut q = sqlx::query(&sql).bind(limit.min(i64::MAX as u64) as i64);
        for (kind, cell) in after.map(|row| table.key_of(row)).unwrap_or_default() {
            q = bind_cell(q, kind, &cell);
        }
        let rows = q.fetch_all(&self.pool).await.map_err(backend)?;
        rows.iter().map(|r| rows::copy_row(r, table)).collect()
    }

    async fn is_empty(&self) -> Result<bool> {
        // Every table of the register's data, not only the main ones: nothing may be mixed in.
        let n: i64 = sqlx::query(&any_rows_sql()).fetch_one(&self.pool).await.map_err(backend)?.get(0);
        Ok(n == 0)
    }

    async fn copy_from(&self, source: &dyn Store) -> Result<Vec<(&'static str, u64)>> {
        let mut tx = self.begin().await?;
        let n: i64 = sqlx::query(&any_rows_sql()).fetch_one(&mut *tx).await.map_err(backend)?.get(0);
        if n > 0 {
            return Err(StoreError::Conflict("target"));
        }
        let mut counts = Vec::with_capacity(algoreg_store::copy::TABLES.len());
        for table in algoreg_store::copy::TABLES {
            let sql = table.insert();
            let (mut copied, mut last) = (0u64, None::<Vec<algoreg_store::copy::Cell>>);
            loop {
                let page = source.read_rows(table, last.as_deref(), COPY_PAGE).await?;
                for row in &page {
                    let mut q = sqlx::query(&sql);
                    for ((_, kind), cell) in table.columns.iter().zip(row) {
                        q = bind_cell(q, *kind, cell);
                    }
                    q.execute(&mut *tx).await.map_err(backend)?;
                }
                copied += page.len() as u64;
                if (page.len() as u64) < COPY_PAGE {
                    break;
                }
                last = page.into_iter().last();
            }
            counts.push((table.name, copied));
        }
        after_copy(&mut tx).await?;
        tx.commit().await.map_err(backend)?;
        Ok(counts)
    }
}

//! The store conformance suite against PostgreSQL: a fresh database per case on the server named by
//! `ALGOREG_TEST_POSTGRES` (a URL whose user may create databases; `.ci/run` starts one). Without it
//! the cases say so and pass, except under CI, where a missing server fails them.

use algoreg_store_conformance::Fixture;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// A database made for one case, dropped when the case ends.
struct Scratch {
    admin: PgConnectOptions,
    name: String,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let name = self.name.clone();
        // Dropped inside the test's runtime: drop the database on a thread of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async move {
                if let Ok(mut c) = admin.connect().await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut c).await;
                    let _ = c.close().await;
                }
            });
        })
        .join();
    }
}

async fn open() -> Fixture {
    match open_pg().await {
        Some((store, scratch)) => Fixture { store: Some(store), keep: Box::new(scratch) },
        None => Fixture::skip(),
    }
}

/// A store on a fresh database, and the database (dropped with it); none without a server.
async fn open_pg() -> Option<(Arc<algoreg_store_postgres::PgStore>, Scratch)> {
    static N: AtomicU32 = AtomicU32::new(0);
    let Ok(url) = std::env::var("ALGOREG_TEST_POSTGRES") else {
        assert!(std::env::var_os("CI").is_none(), "ALGOREG_TEST_POSTGRES is not set: CI must run these cases against PostgreSQL");
        eprintln!("ALGOREG_TEST_POSTGRES is not set: nothing checked against PostgreSQL");
        return None;
    };
    let admin = PgConnectOptions::from_str(&url).expect("ALGOREG_TEST_POSTGRES is a postgres:// URL");
    let name = format!("algoreg_conf_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    let mut c = admin.connect().await.expect("connect to ALGOREG_TEST_POSTGRES");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut c).await.expect("create a database");
    c.close().await.expect("close");
    let store = algoreg_store_postgres::PgStore::connect_with(admin.clone().database(&name), 8).await.expect("open store");
    Some((Arc::new(store), Scratch { admin, name }))
}

algoreg_store_conformance::suite!(open);

/// The schema as the server describes it: every index and constraint of the database's tables.
async fn schema(db: &Scratch) -> Vec<String> {
    let mut c = db.admin.clone().database(&db.name).connect().await.expect("connect");
    let mut all: Vec<String> = vec![];
    for q in [
        "SELECT tablename || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'",
        "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace",
    ] {
        all.extend(sqlx::query_scalar::<_, String>(q).fetch_all(&mut c).await.expect("schema"));
    }
    all.sort();
    all
}

/// A bulk load sets references and indexes aside and puts them back: afterwards the schema is exactly
/// the migrated one (this fails when a migration changes what the bulk load sets aside).
#[tokio::test]
async fn bulk_load_leaves_the_schema_as_migrated() {
    let (Some((_, fresh)), Some((loaded, loaded_db))) = (open_pg().await, open_pg().await) else { return };
    let before = schema(&fresh).await;
    let store: Arc<dyn algoreg_store::Store> = loaded;
    algoreg_store_conformance::stream_import(&store, "schema", &[1..=1200], true).await.expect("bulk load");
    let after = schema(&loaded_db).await;
    assert!(before.len() > 40, "{before:?}");
    assert_eq!(before, after);
}

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
    static N: AtomicU32 = AtomicU32::new(0);
    let Ok(url) = std::env::var("ALGOREG_TEST_POSTGRES") else {
        assert!(std::env::var_os("CI").is_none(), "ALGOREG_TEST_POSTGRES is not set: CI must run these cases against PostgreSQL");
        eprintln!("ALGOREG_TEST_POSTGRES is not set: nothing checked against PostgreSQL");
        return Fixture::skip();
    };
    let admin = PgConnectOptions::from_str(&url).expect("ALGOREG_TEST_POSTGRES is a postgres:// URL");
    let name = format!("algoreg_conf_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
    let mut c = admin.connect().await.expect("connect to ALGOREG_TEST_POSTGRES");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut c).await.expect("create a database");
    c.close().await.expect("close");
    let store = algoreg_store_postgres::PgStore::connect_with(admin.clone().database(&name), 8).await.expect("open store");
    Fixture { store: Some(Arc::new(store)), keep: Box::new(Scratch { admin, name }) }
}

algoreg_store_conformance::suite!(open);

//! The store conformance suite against SQLite: a fresh database file in a temporary directory per case.

use algoreg_store_conformance::Fixture;
use std::sync::Arc;

async fn open() -> Fixture {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = algoreg_store_sqlite::SqliteStore::open_dir(dir.path()).await.expect("open store");
    Fixture { store: Some(Arc::new(store)), keep: Box::new(dir) }
}

algoreg_store_conformance::suite!(open);

//! Migrations that change data, run by the store against a database that was written before them.

use sqlx::{Connection, SqliteConnection};

const T: &str = "2026-01-01T00:00:00.000000Z";

/// 0028: a version released with an API token that a person made counts as released by that person
/// (four eyes); a token made on the command line, and a person, stay as they were.
#[tokio::test]
async fn releases_made_with_a_token_count_as_its_makers_from_0028_on() {
    let dir = tempfile::tempdir().unwrap();
    drop(algoreg_store_sqlite::SqliteStore::open_dir(dir.path()).await.unwrap());
    let url = format!("sqlite://{}", dir.path().join(algoreg_store_sqlite::SqliteStore::FILE_NAME).display());
    let mut c = SqliteConnection::connect(&url).await.unwrap();
    for sql in [
        format!("INSERT INTO organisations (id, code, name, org_type, flow, created_at) VALUES (1, 'gem', 'Gemeente', 'gemeente', 'four_eyes', '{T}')"),
        format!("INSERT INTO users (id, email, name, password_hash, created_at) VALUES (7, 'maker@gem.nl', 'Maker', 'x', '{T}')"),
        format!(
            "INSERT INTO api_tokens (id, org_id, role, name, hash, created_by, created_at) VALUES
             (3, 1, 'approver', 'eigen', 'h3', 7, '{T}'), (4, 1, 'approver', 'cli', 'h4', NULL, '{T}')"
        ),
        format!(
            "INSERT INTO records (id, org_id, created_at, latest_version, latest_state, released_by) VALUES
             ('11111111', 1, '{T}', 1, 'released', 'token:3'), ('22222222', 1, '{T}', 1, 'released', 'token:4'),
             ('33333333', 1, '{T}', 1, 'released', 'user:7'), ('44444444', 1, '{T}', 1, 'draft', NULL)"
        ),
        // As if the database were written before 0028: the store runs it at the next open.
        "DELETE FROM _sqlx_migrations WHERE version = 28".to_string(),
    ] {
        sqlx::query(&sql).execute(&mut c).await.unwrap();
    }
    c.close().await.unwrap();
    drop(algoreg_store_sqlite::SqliteStore::open_dir(dir.path()).await.unwrap());
    let mut c = SqliteConnection::connect(&url).await.unwrap();
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT id, released_by FROM records ORDER BY id").fetch_all(&mut c).await.unwrap();
    let want = [("11111111", Some("user:7")), ("22222222", Some("token:4")), ("33333333", Some("user:7")), ("44444444", None)];
    let want: Vec<(String, Option<String>)> = want.iter().map(|(i, r)| (i.to_string(), r.map(String::from))).collect();
    assert_eq!(rows, want);
}

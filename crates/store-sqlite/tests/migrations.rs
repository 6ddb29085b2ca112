//! Migrations that change data, run by the store against a database that was written before them.

use sqlx::{Connection, SqliteConnection};

const T: &str = "2026-01-01T00:00:00.000000Z";

/// A store written before a migration: a new one, then `statements` (the rows, and undoing the
/// migration's mark), then opened again so that the store runs the migration on those rows. Returns the
/// folder and a connection to read the result with.
async fn written_before(statements: &[String]) -> (tempfile::TempDir, SqliteConnection) {
    let dir = tempfile::tempdir().unwrap();
    drop(algoreg_store_sqlite::SqliteStore::open_dir(dir.path()).await.unwrap());
    let url = format!("sqlite://{}", dir.path().join(algoreg_store_sqlite::SqliteStore::FILE_NAME).display());
    let mut c = SqliteConnection::connect(&url).await.unwrap();
    for sql in statements {
        sqlx::query(sql).execute(&mut c).await.unwrap();
    }
    c.close().await.unwrap();
    drop(algoreg_store_sqlite::SqliteStore::open_dir(dir.path()).await.unwrap());
    let c = SqliteConnection::connect(&url).await.unwrap();
    (dir, c)
}

/// 0028: a version released with an API token that a person made counts as released by that person
/// (four eyes); a token made on the command line, and a person, stay as they were.
#[tokio::test]
async fn releases_made_with_a_token_count_as_its_makers_from_0028_on() {
    let (_dir, mut c) = written_before(&[
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
    ])
    .await;
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT id, released_by FROM records ORDER BY id").fetch_all(&mut c).await.unwrap();
    let want = [("11111111", Some("user:7")), ("22222222", Some("token:4")), ("33333333", Some("user:7")), ("44444444", None)];
    let want: Vec<(String, Option<String>)> = want.iter().map(|(i, r)| (i.to_string(), r.map(String::from))).collect();
    assert_eq!(rows, want);
}

/// 0030: a version retracted before now leaves the public history; one replaced by a later
/// publication, and the published one, stay in it.
#[tokio::test]
async fn versions_retracted_before_0030_leave_the_public_history() {
    let rid = algoreg_standard::AlgorithmId::generate(|| 42).to_string();
    let version = |n: u32, state: &str| {
        format!(
            "INSERT INTO versions (record_id, number, state, standard_version, content, missing, created_at, created_by, published_at) \
             VALUES ('{rid}', {n}, '{state}', '1.0', '{{}}', '[]', '{T}', 'user:1', '{T}')"
        )
    };
    let history = |id: u32, n: u32, action: &str| {
        format!("INSERT INTO history (id, record_id, version, action, actor, at) VALUES ({id}, '{rid}', {n}, '{action}', 'user:1', '{T}')")
    };
    let (dir, c) = written_before(&[
        format!("INSERT INTO organisations (id, code, name, org_type, flow, created_at) VALUES (1, 'gem', 'Gemeente', 'gemeente', 'central', '{T}')"),
        format!("INSERT INTO records (id, org_id, created_at, latest_version, latest_state, published_version) VALUES ('{rid}', 1, '{T}', 3, 'published', 3)"),
        // 1 published and replaced by 2; 2 retracted; 3 published afterwards.
        version(1, "superseded"),
        version(2, "superseded"),
        version(3, "published"),
        history(1, 1, "publish"),
        history(2, 2, "publish"),
        history(3, 2, "retract"),
        history(4, 3, "save"),
        history(5, 3, "publish"),
        // As if the database were written before 0030.
        "ALTER TABLE versions DROP COLUMN withdrawn_at".to_string(),
        "DELETE FROM _sqlx_migrations WHERE version = 30".to_string(),
    ])
    .await;
    c.close().await.unwrap();
    let store = algoreg_store_sqlite::SqliteStore::open_dir(dir.path()).await.unwrap();
    use algoreg_store::RecordStore;
    let id: algoreg_standard::AlgorithmId = rid.parse().unwrap();
    let history: Vec<u32> = store.published_history(id).await.unwrap().iter().map(|v| v.number).collect();
    assert_eq!(history, vec![1, 3]);
}

/// 0031: membership periods from the log for members before it: the organisation's log then shows a
/// person's own events from their first role on (always, for a member who joined before the log kept
/// roles), and a past member's until their last role was taken away.
#[tokio::test]
async fn membership_periods_come_from_the_log_from_0031_on() {
    let t = |s: u32| format!("2026-01-01T00:00:{s:02}.000000Z");
    let event = |id: u32, at: u32, kind: &str, org: &str, user: u32| {
        format!("INSERT INTO audit_events (id, at, kind, org_id, subject_user, actor, actor_name, detail) VALUES ({id}, '{}', '{kind}', {org}, {user}, 'system', 'system', '')", t(at))
    };
    let (dir, c) = written_before(&[
        format!("INSERT INTO organisations (id, code, name, org_type, flow, created_at) VALUES (1, 'gem', 'Gemeente', 'gemeente', 'central', '{T}')"),
        format!(
            "INSERT INTO users (id, email, name, password_hash, created_at) VALUES
             (7, 'nu@gem.nl', 'Nu', 'x', '{T}'), (8, 'oud@gem.nl', 'Oud', 'x', '{T}'), (9, 'lang@gem.nl', 'Lang', 'x', '{T}')"
        ),
        "INSERT INTO memberships (user_id, org_id, role) VALUES (7, 1, 'editor'), (9, 1, 'editor')".to_string(),
        event(1, 1, "login", "NULL", 7),
        event(2, 2, "role_granted", "1", 7),
        event(3, 3, "login", "NULL", 7),
        event(4, 2, "invitation_accepted", "1", 8),
        event(5, 3, "login", "NULL", 8),
        event(6, 4, "role_revoked", "1", 8),
        event(7, 5, "login", "NULL", 8),
        event(8, 1, "login", "NULL", 9),
        "DROP TABLE membership_periods".to_string(),
        "DELETE FROM _sqlx_migrations WHERE version = 31".to_string(),
    ])
    .await;
    c.close().await.unwrap();
    let store = algoreg_store_sqlite::SqliteStore::open_dir(dir.path()).await.unwrap();
    use algoreg_store::AuditStore;
    let q = algoreg_store::AuditQuery { org_id: Some(algoreg_store::OrgId(1)), before: None, limit: 100 };
    let ids: Vec<i64> = store.audit_events(&q).await.unwrap().iter().map(|e| e.id).collect();
    assert_eq!(ids, vec![8, 6, 5, 4, 3, 2]);
}

/// 0033: a password session of an account with a second factor, opened before sessions said whether
/// their login asked it, keeps counting as having passed it; other sessions stay as they were.
#[tokio::test]
async fn password_sessions_of_accounts_with_a_second_factor_keep_it_from_0033_on() {
    let (_dir, mut c) = written_before(&[
        format!(
            "INSERT INTO users (id, email, name, password_hash, totp_secret, created_at) VALUES
             (7, 'twee@gem.nl', 'Twee', 'x', 'JBSWY3DPEHPK3PXP', '{T}'), (8, 'een@gem.nl', 'Een', 'x', NULL, '{T}')"
        ),
        format!(
            "INSERT INTO sessions (hash, user_id, created_at, expires_at, method) VALUES
             ('a', 7, '{T}', '{T}', 'password'), ('b', 7, '{T}', '{T}', 'sso:idp'), ('c', 8, '{T}', '{T}', 'password')"
        ),
        "DELETE FROM _sqlx_migrations WHERE version = 33".to_string(),
    ])
    .await;
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT hash, method FROM sessions ORDER BY hash").fetch_all(&mut c).await.unwrap();
    let want = [("a", "password+mfa"), ("b", "sso:idp"), ("c", "password")];
    assert_eq!(rows, want.map(|(h, m)| (h.to_string(), m.to_string())).to_vec());
}

-- algoreg schema, SQLite. Times are stored as RFC 3339 text in UTC.

CREATE TABLE organisations (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    org_type    TEXT NOT NULL,
    tooi        TEXT,
    flow        TEXT NOT NULL,
    about       TEXT,
    contact     TEXT,
    created_at  TEXT NOT NULL
);

CREATE TABLE users (
    id                INTEGER PRIMARY KEY,
    email             TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name              TEXT NOT NULL,
    password_hash     TEXT NOT NULL,
    central_operator  INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL
);

CREATE TABLE memberships (
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id   INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    role     TEXT NOT NULL,
    PRIMARY KEY (user_id, org_id, role)
);
CREATE INDEX memberships_org ON memberships(org_id);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    role        TEXT NOT NULL,
    name        TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE,
    created_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);

CREATE TABLE records (
    id                  TEXT PRIMARY KEY,
    org_id              INTEGER NOT NULL REFERENCES organisations(id),
    created_at          TEXT NOT NULL,
    latest_version      INTEGER NOT NULL,
    latest_state        TEXT NOT NULL,
    published_version   INTEGER,
    first_published_at  TEXT,
    released_by         TEXT
);
CREATE INDEX records_org ON records(org_id);
CREATE INDEX records_public ON records(id) WHERE published_version IS NOT NULL;

-- A rowid table: rows hold whole registrations (kilobytes), too large for WITHOUT ROWID.
CREATE TABLE versions (
    id                INTEGER PRIMARY KEY,
    record_id         TEXT NOT NULL REFERENCES records(id),
    number            INTEGER NOT NULL,
    state             TEXT NOT NULL,
    standard_version  TEXT NOT NULL,
    content           TEXT NOT NULL,
    missing           TEXT NOT NULL DEFAULT '[]',
    provenance        TEXT,
    created_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    published_at      TEXT,
    UNIQUE (record_id, number)
);

CREATE TABLE history (
    id         INTEGER PRIMARY KEY,
    record_id  TEXT NOT NULL REFERENCES records(id),
    version    INTEGER NOT NULL,
    action     TEXT NOT NULL,
    actor      TEXT NOT NULL,
    reason     TEXT,
    at         TEXT NOT NULL
);
CREATE INDEX history_record ON history(record_id, id);

-- Changes to public records, written in the same transaction; consumed by the search index.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    record_id  TEXT NOT NULL,
    at         TEXT NOT NULL
);

-- Login sessions; only a hash of the session secret is stored.
CREATE TABLE sessions (
    hash        TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

-- Starting points for new registrations (supplier templates and the organisation's own).
CREATE TABLE templates (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    source      TEXT NOT NULL,
    content     TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- The verifiable publication log (see docs/OPEN-DATA.md): append-only entries, the outbox position
-- appended up to, and the log's Ed25519 signing key (PKCS#8, base64; one row).
CREATE TABLE log_entries (
    idx           INTEGER PRIMARY KEY,
    record_id     TEXT NOT NULL,
    version       INTEGER NOT NULL,
    event         TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    at            TEXT NOT NULL
);
CREATE INDEX log_entries_record ON log_entries(record_id, idx);
CREATE TABLE log_state (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    cursor  INTEGER NOT NULL
);
CREATE TABLE log_key (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    pkcs8  TEXT NOT NULL
);

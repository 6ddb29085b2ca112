-- Federation: feeds of other registers that this (central) register harvests.
-- A source is bound to one organisation and may only publish for it.
CREATE TABLE sources (
    id               INTEGER PRIMARY KEY,
    org_id           INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    url              TEXT NOT NULL UNIQUE,
    created_at       TEXT NOT NULL,
    -- Validators of the last successful response, for conditional requests.
    etag             TEXT,
    last_modified    TEXT,
    last_attempt_at  TEXT,
    last_success_at  TEXT,
    -- 'changed', 'not_modified' or 'failed'.
    last_outcome     TEXT,
    last_error       TEXT,
    failures         INTEGER NOT NULL DEFAULT 0,
    next_due_at      TEXT,
    records          INTEGER NOT NULL DEFAULT 0,
    -- JSON list of {id, name, reasons} from the last successful harvest.
    rejected         TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX sources_org ON sources(org_id);

-- What each source last delivered: the content hash of each record and how many successful
-- harvests in a row it has been missing from the feed.
CREATE TABLE source_records (
    source_id     INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    record_id     TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    missing       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (source_id, record_id)
) WITHOUT ROWID;

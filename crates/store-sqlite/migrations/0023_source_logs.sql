-- The last checkpoint of each source's publication log that its harvest accepted, with the log's key.
CREATE TABLE source_logs (
    source_id  INTEGER PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    size       INTEGER NOT NULL,
    root       TEXT NOT NULL
);

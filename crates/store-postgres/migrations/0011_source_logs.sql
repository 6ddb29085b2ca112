-- The last checkpoint of each source's publication log that its harvest accepted, with the log's key.
CREATE TABLE source_logs (
    source_id  BIGINT PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    size       BIGINT NOT NULL,
    root       TEXT NOT NULL
);

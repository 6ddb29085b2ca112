-- AI Act classifications: the outcome of the decision tree for a record, kept with the version it
-- was made for. The newest row of a record is its current classification.
CREATE TABLE classifications (
    id             INTEGER PRIMARY KEY,
    record_id      TEXT NOT NULL REFERENCES records(id),
    version        INTEGER NOT NULL,
    tree           TEXT NOT NULL,
    tree_version   TEXT NOT NULL,
    answers        TEXT NOT NULL,
    labels         TEXT NOT NULL,
    conclusion_id  TEXT NOT NULL,
    conclusion     TEXT NOT NULL,
    obligation     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL
);
CREATE INDEX classifications_record ON classifications(record_id, id);

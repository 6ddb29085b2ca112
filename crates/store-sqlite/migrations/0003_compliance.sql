-- Compliance with the requirements that follow from a record's AI Act classification.
CREATE TABLE compliance (
    record_id   TEXT NOT NULL REFERENCES records(id),
    urn         TEXT NOT NULL,
    status      TEXT NOT NULL,
    reason      TEXT,
    evidence    TEXT NOT NULL DEFAULT '[]',
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    PRIMARY KEY (record_id, urn)
);

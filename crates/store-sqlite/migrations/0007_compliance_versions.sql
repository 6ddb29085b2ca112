-- Compliance entries belong to a version of the record: what an editor records while a new draft is open
-- becomes public only when that draft is published. Entries from before are kept as version 0 (public
-- as they were).
CREATE TABLE compliance_versions (
    record_id   TEXT NOT NULL REFERENCES records(id),
    urn         TEXT NOT NULL,
    version     INTEGER NOT NULL,
    status      TEXT NOT NULL,
    reason      TEXT,
    evidence    TEXT NOT NULL DEFAULT '[]',
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    PRIMARY KEY (record_id, urn, version)
);
INSERT INTO compliance_versions (record_id, urn, version, status, reason, evidence, updated_at, updated_by)
    SELECT record_id, urn, 0, status, reason, evidence, updated_at, updated_by FROM compliance;
DROP TABLE compliance;
ALTER TABLE compliance_versions RENAME TO compliance;

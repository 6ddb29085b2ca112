-- The audit log: logins, failed logins, password changes, roles, invitations and tokens. A person's
-- logins carry no organisation (subject_user says whose they are); the rest carry the organisation.
CREATE TABLE audit_events (
    id            INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
    kind          TEXT NOT NULL,
    org_id        INTEGER REFERENCES organisations(id) ON DELETE CASCADE,
    subject_user  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    actor         TEXT NOT NULL,
    actor_name    TEXT NOT NULL,
    detail        TEXT NOT NULL,
    source        TEXT
);
CREATE INDEX audit_events_org ON audit_events (org_id, id);
CREATE INDEX audit_events_subject ON audit_events (subject_user, id);
CREATE INDEX audit_events_at ON audit_events (at);

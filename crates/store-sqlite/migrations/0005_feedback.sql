-- The feedback loop: citizens' signals, incidents between deployer and provider, evaluations, mail.

-- A signal from someone without an account. The tracking code is a secret: only its hash is kept.
-- Personal data (the e-mail address, and the text of a signal not answered in public) is erased once
-- the signal has been closed for the retention period (erased_at).
CREATE TABLE signals (
    id             INTEGER PRIMARY KEY,
    code_hash      TEXT NOT NULL UNIQUE,
    record_id      TEXT NOT NULL REFERENCES records(id),
    org_id         INTEGER NOT NULL REFERENCES organisations(id),
    kind           TEXT NOT NULL,
    text           TEXT,
    email          TEXT,
    status         TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    due_at         TEXT NOT NULL,
    assigned_to    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    answer         TEXT,
    answer_public  INTEGER NOT NULL DEFAULT 0,
    answered_at    TEXT,
    answered_by    TEXT,
    closed_at      TEXT,
    reminded_at    TEXT,
    erased_at      TEXT
);
CREATE INDEX signals_org ON signals(org_id, status);
CREATE INDEX signals_record ON signals(record_id);

-- An incident or serious risk that a deployer records for an algorithm it uses, routed to the provider.
CREATE TABLE incidents (
    id                 INTEGER PRIMARY KEY,
    record_id          TEXT NOT NULL REFERENCES records(id),
    deployer_org_id    INTEGER NOT NULL REFERENCES organisations(id),
    provider_name      TEXT NOT NULL,
    provider_org_id    INTEGER REFERENCES organisations(id),
    provider_email     TEXT,
    ack_hash           TEXT,
    class              TEXT NOT NULL,
    title              TEXT NOT NULL,
    what_happened      TEXT NOT NULL,
    noticed_at         TEXT NOT NULL,
    people_affected    INTEGER,
    public             INTEGER NOT NULL DEFAULT 0,
    public_summary     TEXT,
    deadline_at        TEXT,
    status             TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    created_by         TEXT NOT NULL
);
CREATE INDEX incidents_record ON incidents(record_id);

CREATE TABLE incident_events (
    id           INTEGER PRIMARY KEY,
    incident_id  INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    text         TEXT
);
CREATE INDEX incident_events_incident ON incident_events(incident_id, id);

CREATE TABLE evaluation_plans (
    record_id        TEXT PRIMARY KEY REFERENCES records(id),
    interval_months  INTEGER NOT NULL,
    next_due         TEXT NOT NULL,
    reminded_for     TEXT,
    updated_at       TEXT NOT NULL,
    updated_by       TEXT NOT NULL
);

CREATE TABLE evaluations (
    id          INTEGER PRIMARY KEY,
    record_id   TEXT NOT NULL REFERENCES records(id),
    date        TEXT NOT NULL,
    by_whom     TEXT NOT NULL,
    findings    TEXT NOT NULL,
    report_url  TEXT,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
);
CREATE INDEX evaluations_record ON evaluations(record_id, date);

-- Outgoing e-mail, written in the transaction of what caused it and sent by a background task.
CREATE TABLE mail_outbox (
    id          INTEGER PRIMARY KEY,
    to_addr     TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT
);
CREATE INDEX mail_outbox_unsent ON mail_outbox(id) WHERE sent_at IS NULL;

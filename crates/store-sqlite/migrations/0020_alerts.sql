-- E-mail alerts of people without an account, and the one-click unsubscribe address of a mail.
CREATE TABLE alerts (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    search        TEXT NOT NULL,
    frequency     TEXT NOT NULL,
    lang          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    confirmed_at  TEXT,
    sent_until    TEXT
);
CREATE INDEX alerts_by_email ON alerts (email);
CREATE INDEX alerts_due ON alerts (frequency, sent_until) WHERE confirmed_at IS NOT NULL;

-- The key that the alerts' confirm and unsubscribe links are derived with (one row).
CREATE TABLE alert_key (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    key  TEXT NOT NULL
);

ALTER TABLE mail_outbox ADD COLUMN unsubscribe TEXT;

-- The reminders sent for the yearly confirmation: per registration, the due date it was reminded of.
CREATE TABLE review_reminders (
    record_id     TEXT PRIMARY KEY REFERENCES records(id),
    reminded_for  TEXT NOT NULL
);

-- What the government's organisation register says of an organisation: its abbreviation, the
-- organisation it is part of and the ministry it belongs to (by code).
ALTER TABLE organisations ADD COLUMN short_name TEXT;
ALTER TABLE organisations ADD COLUMN parent_code TEXT;
ALTER TABLE organisations ADD COLUMN ministry_code TEXT;

-- Links the central operator accepted although the checker finds them gone or private: they no longer
-- hold a publication back. The reason is kept.
CREATE TABLE link_acceptances (
    url          TEXT PRIMARY KEY,
    reason       TEXT NOT NULL,
    accepted_by  TEXT NOT NULL,
    accepted_at  TEXT NOT NULL
);

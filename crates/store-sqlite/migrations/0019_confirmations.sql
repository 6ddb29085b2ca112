-- The yearly "still current" confirmation of a registration: when and by whom it was last confirmed
-- that the public version is still right.
CREATE TABLE confirmations (
    record_id     TEXT PRIMARY KEY REFERENCES records(id),
    confirmed_at  TEXT NOT NULL,
    confirmed_by  TEXT NOT NULL
);

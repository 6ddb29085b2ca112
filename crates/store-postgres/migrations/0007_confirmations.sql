-- The yearly "still current" confirmation of a registration: when and by whom it was last confirmed
-- that the public version is still right.
CREATE TABLE confirmations (
    record_id     TEXT COLLATE "C" PRIMARY KEY REFERENCES records(id),
    confirmed_at  TIMESTAMPTZ NOT NULL,
    confirmed_by  TEXT NOT NULL
);

-- A second factor: a TOTP secret per account (RFC 6238) with the last time step used (a code works
-- once), single-use recovery codes (only their hashes), and organisations that require it.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE organisations ADD COLUMN require_second_factor INTEGER NOT NULL DEFAULT 0;
CREATE TABLE recovery_codes (
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    hash     TEXT NOT NULL,
    used_at  TEXT,
    PRIMARY KEY (user_id, hash)
);

-- Accounts: a temporary password (made by an admin, or for a new account) must be changed at first
-- use and stops working at password_temporary_until.
ALTER TABLE users ADD COLUMN password_temporary_until TEXT;

-- Adding an existing account to an organisation needs the account holder's consent: an invitation
-- that they accept while logged in.
CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role        TEXT NOT NULL,
    invited_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    UNIQUE (org_id, user_id, role)
);
CREATE INDEX invitations_user ON invitations(user_id);

-- Self-service password resets by an e-mailed link; only a hash of the link's secret is kept.
CREATE TABLE password_resets (
    hash        TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX password_resets_user ON password_resets(user_id);

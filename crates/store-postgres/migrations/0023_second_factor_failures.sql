-- Wrong authenticator-app codes given after the right password, since the last right one: from ten on,
-- only a recovery code (or a new password through the mailbox) lets the account in.
ALTER TABLE users ADD COLUMN totp_failures BIGINT NOT NULL DEFAULT 0;

-- Single sign-on: how a session was opened (a password, or an identity provider with or without a
-- second factor there), and organisations whose members log in only through an identity provider.
ALTER TABLE sessions ADD COLUMN method TEXT NOT NULL DEFAULT 'password';
ALTER TABLE organisations ADD COLUMN require_sso INTEGER NOT NULL DEFAULT 0;

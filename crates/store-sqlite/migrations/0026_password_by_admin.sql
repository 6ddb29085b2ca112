-- Whether an admin set the account's password (a new account's, or a reset) and its holder has not
-- since chosen one through a link sent to the mailbox: until then the admin may know it, and the
-- account cannot join another organisation.
ALTER TABLE users ADD COLUMN password_by_admin INTEGER NOT NULL DEFAULT 0;
UPDATE users SET password_by_admin = 1 WHERE password_temporary_until IS NOT NULL;

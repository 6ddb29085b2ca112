-- Addresses are the same account when they differ only in the case of the letters A to Z, as on SQLite
-- (COLLATE NOCASE): lower() would also fold other letters, and how depends on the database's locale.
DROP INDEX users_email_key;
CREATE UNIQUE INDEX users_email_key ON users (translate(email, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'));

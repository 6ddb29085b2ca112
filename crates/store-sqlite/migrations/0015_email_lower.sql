-- The SQL the backends share looks accounts up by lower(email) (PostgreSQL has no NOCASE): an index on it.
CREATE INDEX users_email_lower ON users (lower(email));

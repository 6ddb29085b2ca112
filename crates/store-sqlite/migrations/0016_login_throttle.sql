-- Failed logins counted in the store, so that every node on the same database slows the same account
-- and address down (serve --shared-limits): per key (a hash of an account or an address) the number of
-- failures and the time of the last; and the pairs of account and address that logged in before.
CREATE TABLE login_failures (
    key       TEXT PRIMARY KEY,
    failures  INTEGER NOT NULL,
    last_at   TEXT NOT NULL
);
CREATE TABLE known_logins (
    key    TEXT PRIMARY KEY,
    until  TEXT NOT NULL
);

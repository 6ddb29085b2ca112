-- Runtime state shared by every node on the same database: leases for background jobs that must run on
-- one node at a time, and fixed-window counters for limits that count across nodes.

CREATE TABLE leases (
    job         TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    until       TEXT NOT NULL
);

CREATE TABLE counters (
    key          TEXT NOT NULL,
    window_start TEXT NOT NULL,
    count        INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
);

-- What checking each link found, by URL (a link in several registrations is checked once). Derived
-- state: the link checker fills it again, so `algoreg copy` leaves it behind.
CREATE TABLE link_checks (
    url          TEXT COLLATE "C" PRIMARY KEY,
    outcome      TEXT NOT NULL,
    http_status  BIGINT,
    detail       TEXT NOT NULL,
    checked_at   TIMESTAMPTZ NOT NULL
);

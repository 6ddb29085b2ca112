-- What checking each link found, by URL (a link in several registrations is checked once). Derived
-- state: the link checker fills it again, so `algoreg copy` leaves it behind.
CREATE TABLE link_checks (
    url          TEXT PRIMARY KEY,
    outcome      TEXT NOT NULL,
    http_status  INTEGER,
    detail       TEXT NOT NULL,
    checked_at   TEXT NOT NULL
);

-- Links that show a registration's latest version to anyone who has one, for a while (the live
-- register's preview link). Only a hash of a link's secret is kept.
CREATE TABLE preview_links (
    hash        TEXT PRIMARY KEY,
    record_id   TEXT NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX preview_links_record ON preview_links(record_id, expires_at);
CREATE INDEX preview_links_expiry ON preview_links(expires_at);

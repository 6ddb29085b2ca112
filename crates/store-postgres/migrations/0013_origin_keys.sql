-- The publication-log key of each register that harvested versions first came from (by its log's
-- name), kept the first time it is seen, so a register on the way cannot present another.
CREATE TABLE origin_keys (
    name TEXT PRIMARY KEY,
    key  TEXT NOT NULL
);

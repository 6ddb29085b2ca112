-- The newest publications first (the Atom feeds) without reading every version.
CREATE INDEX versions_published_at ON versions (published_at) WHERE published_at IS NOT NULL;

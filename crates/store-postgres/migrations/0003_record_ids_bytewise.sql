-- Record identifiers compare byte by byte ("C"), as on SQLite: the same order on both backends, and
-- index lookups and bulk loads without the locale's collation rules (about half the cost per key).
ALTER TABLE records ALTER COLUMN id TYPE TEXT COLLATE "C";
ALTER TABLE versions ALTER COLUMN record_id TYPE TEXT COLLATE "C";
ALTER TABLE history ALTER COLUMN record_id TYPE TEXT COLLATE "C";
ALTER TABLE outbox ALTER COLUMN record_id TYPE TEXT COLLATE "C";
ALTER TABLE classifications ALTER COLUMN record_id TYPE TEXT COLLATE "C";
ALTER TABLE compliance ALTER COLUMN record_id TYPE TEXT COLLATE "C";
ALTER TABLE source_records ALTER COLUMN record_id TYPE TEXT COLLATE "C";
ALTER TABLE signals ALTER COLUMN record_id TYPE TEXT COLLATE "C";
ALTER TABLE incidents ALTER COLUMN record_id TYPE TEXT COLLATE "C";
ALTER TABLE evaluation_plans ALTER COLUMN record_id TYPE TEXT COLLATE "C";
ALTER TABLE evaluations ALTER COLUMN record_id TYPE TEXT COLLATE "C";

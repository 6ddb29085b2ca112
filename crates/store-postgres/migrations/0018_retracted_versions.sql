-- A retracted version leaves the public for good: it is marked withdrawn (its publication stays on
-- record, for the publication log), and the public history leaves it out, also after a later version
-- is published. Versions retracted before now are marked too: a version's publication is its last
-- 'publish' (or 'import') entry, and it was retracted when the first of the record's later
-- publications, retractions and archives is a retraction.
ALTER TABLE versions ADD COLUMN withdrawn_at TIMESTAMPTZ;
UPDATE versions SET withdrawn_at = (SELECT n.at FROM history n
       WHERE n.record_id = versions.record_id AND n.action IN ('publish', 'import', 'retract', 'archive')
         AND n.id > (SELECT max(p.id) FROM history p
                     WHERE p.record_id = versions.record_id AND p.action IN ('publish', 'import') AND p.version = versions.number)
       ORDER BY n.id LIMIT 1)
WHERE published_at IS NOT NULL AND state <> 'published'
  AND (SELECT n.action FROM history n
       WHERE n.record_id = versions.record_id AND n.action IN ('publish', 'import', 'retract', 'archive')
         AND n.id > (SELECT max(p.id) FROM history p
                     WHERE p.record_id = versions.record_id AND p.action IN ('publish', 'import') AND p.version = versions.number)
       ORDER BY n.id LIMIT 1) = 'retract';

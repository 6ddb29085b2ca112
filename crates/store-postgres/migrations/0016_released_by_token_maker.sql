-- Four eyes counts an API token as the person who made it: a version released with such a token
-- before now counts as released by that person.
UPDATE records SET released_by = 'user:' || (SELECT t.created_by FROM api_tokens t WHERE 'token:' || t.id = records.released_by)
WHERE released_by LIKE 'token:%'
  AND EXISTS (SELECT 1 FROM api_tokens t WHERE 'token:' || t.id = records.released_by AND t.created_by IS NOT NULL);

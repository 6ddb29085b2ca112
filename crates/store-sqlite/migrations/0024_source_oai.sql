-- The OAI-PMH address a feed source was found to offer (its feed's Link header): harvested there,
-- incrementally, from then on.
ALTER TABLE sources ADD COLUMN oai_url TEXT;

-- Incremental harvesting (OAI-PMH) reads a record's latest outbox entry.
CREATE INDEX outbox_record ON outbox(record_id, id);

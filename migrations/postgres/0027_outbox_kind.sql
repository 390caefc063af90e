-- What an outbox item is about (PostgreSQL). Keep equivalent to
-- migrations/sqlite/0027_outbox_kind.sql.
--
-- The operators' page of deliveries that failed names each item's kind (a message in a
-- conversation, an escalation notice, a request's notice, a loan notice, a ledger notice,
-- a print run's notice). Items queued before this migration: a conversation's message
-- where one is linked, else 'notice' (a notice of an unrecorded kind).
ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'notice';
UPDATE outbox SET kind = 'message' WHERE message_id IS NOT NULL;

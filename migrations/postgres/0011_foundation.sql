-- The foundation for several instances and typed states (PostgreSQL). Keep equivalent to
-- migrations/sqlite/0011_foundation.sql.

-- Every change of a conversation's state bumps its version; a writer that read another
-- version retries (turns of one conversation never interleave, on any instance).
ALTER TABLE conversations ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

-- Outbox items are channel-neutral: `payload` is {"text", "subject"?}; the adapter of the
-- route (`channel`) encodes its own wire format at delivery. `recipient` is the person in
-- the room (a LoGoチャット user id) when there is one. An instance claims an item for a
-- while before trying it, so that two instances never deliver the same item at once.
ALTER TABLE outbox ADD COLUMN recipient TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until TIMESTAMPTZ;
UPDATE outbox SET recipient = payload::json ->> 'user_id'
    WHERE channel IN ('logochat', 'logochat-operators');

-- Bumped with every change to the FAQ entries or the synonyms, in the same transaction:
-- each instance polls it and rebuilds its index when it moves.
CREATE TABLE generations (
    name  TEXT   NOT NULL PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO generations (name, value) VALUES ('knowledge_base', 0);

-- Stored states are checked by the database too. The lists match src/domain; a storage
-- test tries every value of each type and one that is not.
ALTER TABLE tickets ADD CONSTRAINT tickets_status_known
    CHECK (status IN ('new', 'in_progress', 'on_hold', 'resolved', 'closed'));
ALTER TABLE tickets ADD CONSTRAINT tickets_channel_known
    CHECK (channel IN ('logochat', 'widget', 'terminal'));
ALTER TABLE conversations ADD CONSTRAINT conversations_channel_known
    CHECK (channel IN ('logochat', 'widget', 'terminal'));
ALTER TABLE conversations ADD CONSTRAINT conversations_handler_known
    CHECK (handler IN ('bot', 'operator'));
ALTER TABLE messages ADD CONSTRAINT messages_author_known
    CHECK (author IN ('staff', 'bot', 'operator'));
ALTER TABLE messages ADD CONSTRAINT messages_channel_known
    CHECK (channel IN ('logochat', 'widget', 'terminal'));
ALTER TABLE outbox ADD CONSTRAINT outbox_status_known
    CHECK (status IN ('pending', 'delivered', 'failed'));
ALTER TABLE outbox ADD CONSTRAINT outbox_route_known
    CHECK (channel IN ('logochat', 'logochat-operators', 'mail'));

-- The foundation for several instances and typed states (SQLite). Keep equivalent to
-- migrations/postgres/0011_foundation.sql.

-- Every change of a conversation's state bumps its version; a writer that read another
-- version retries (turns of one conversation never interleave, on any instance).
ALTER TABLE conversations ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

-- Outbox items are channel-neutral: `payload` is {"text", "subject"?}; the adapter of the
-- route (`channel`) encodes its own wire format at delivery. `recipient` is the person in
-- the room (a LoGoチャット user id) when there is one. An instance claims an item for a
-- while before trying it, so that two instances never deliver the same item at once.
ALTER TABLE outbox ADD COLUMN recipient TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
UPDATE outbox SET recipient = json_extract(payload, '$.user_id')
    WHERE channel IN ('logochat', 'logochat-operators') AND json_valid(payload);

-- Bumped with every change to the FAQ entries or the synonyms, in the same transaction:
-- each instance polls it and rebuilds its index when it moves.
CREATE TABLE generations (
    name  TEXT    NOT NULL PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO generations (name, value) VALUES ('knowledge_base', 0);

-- Stored states are checked by the database too (SQLite cannot add CHECK constraints to
-- existing tables, so triggers do it). The lists match src/domain; a storage test tries
-- every value of each type and one that is not.
CREATE TRIGGER tickets_typed_insert BEFORE INSERT ON tickets
WHEN NEW.status NOT IN ('new', 'in_progress', 'on_hold', 'resolved', 'closed')
  OR NEW.channel NOT IN ('logochat', 'widget', 'terminal')
BEGIN SELECT RAISE(ABORT, 'tickets: unknown status or channel'); END;
CREATE TRIGGER tickets_typed_update BEFORE UPDATE OF status, channel ON tickets
WHEN NEW.status NOT IN ('new', 'in_progress', 'on_hold', 'resolved', 'closed')
  OR NEW.channel NOT IN ('logochat', 'widget', 'terminal')
BEGIN SELECT RAISE(ABORT, 'tickets: unknown status or channel'); END;

CREATE TRIGGER conversations_typed_insert BEFORE INSERT ON conversations
WHEN NEW.channel NOT IN ('logochat', 'widget', 'terminal')
  OR NEW.handler NOT IN ('bot', 'operator')
BEGIN SELECT RAISE(ABORT, 'conversations: unknown channel or handler'); END;
CREATE TRIGGER conversations_typed_update BEFORE UPDATE OF channel, handler ON conversations
WHEN NEW.channel NOT IN ('logochat', 'widget', 'terminal')
  OR NEW.handler NOT IN ('bot', 'operator')
BEGIN SELECT RAISE(ABORT, 'conversations: unknown channel or handler'); END;

CREATE TRIGGER messages_typed_insert BEFORE INSERT ON messages
WHEN NEW.author NOT IN ('staff', 'bot', 'operator')
  OR NEW.channel NOT IN ('logochat', 'widget', 'terminal')
BEGIN SELECT RAISE(ABORT, 'messages: unknown author or channel'); END;
CREATE TRIGGER messages_typed_update BEFORE UPDATE OF author, channel ON messages
WHEN NEW.author NOT IN ('staff', 'bot', 'operator')
  OR NEW.channel NOT IN ('logochat', 'widget', 'terminal')
BEGIN SELECT RAISE(ABORT, 'messages: unknown author or channel'); END;

CREATE TRIGGER outbox_typed_insert BEFORE INSERT ON outbox
WHEN NEW.status NOT IN ('pending', 'delivered', 'failed')
  OR NEW.channel NOT IN ('logochat', 'logochat-operators', 'mail')
BEGIN SELECT RAISE(ABORT, 'outbox: unknown status or route'); END;
CREATE TRIGGER outbox_typed_update BEFORE UPDATE OF status, channel ON outbox
WHEN NEW.status NOT IN ('pending', 'delivered', 'failed')
  OR NEW.channel NOT IN ('logochat', 'logochat-operators', 'mail')
BEGIN SELECT RAISE(ABORT, 'outbox: unknown status or route'); END;

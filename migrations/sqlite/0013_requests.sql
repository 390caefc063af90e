-- Requests (申請): typed requests with approval and work orders (SQLite). Keep equivalent
-- to migrations/postgres/0013_requests.sql. State lists match src/domain/request.rs.

-- A request; `definition` is its type as it was when submitted (JSON), so that a later
-- edit of the type does not change what was asked. `fields` holds the validated answers
-- (JSON object), `approvals` the logins that approved so far (JSON array). Every change
-- bumps `version`; a writer that read another version is refused (two operators at once:
-- one wins).
CREATE TABLE requests (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    type_id         TEXT    NOT NULL,
    type_name       TEXT    NOT NULL,
    definition      TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    requester_no    TEXT    NOT NULL,
    requester_name  TEXT    NOT NULL,
    department      TEXT    NOT NULL,
    channel         TEXT    NOT NULL,
    conversation_id INTEGER REFERENCES conversations (id),
    ticket_id       INTEGER REFERENCES tickets (id),
    fields          TEXT    NOT NULL,
    approvals       TEXT    NOT NULL DEFAULT '[]',
    reason          TEXT,
    due_at          TEXT,
    version         INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX requests_status ON requests (status, id);
CREATE INDEX requests_requester ON requests (requester_no, id);
CREATE INDEX requests_ticket ON requests (ticket_id);

-- Every state change of a request, in order (the history the console shows).
CREATE TABLE request_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id  INTEGER NOT NULL REFERENCES requests (id),
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    from_status TEXT,
    to_status   TEXT    NOT NULL,
    note        TEXT
);
CREATE INDEX request_events_request ON request_events (request_id, id);

-- The work order: the type's steps, each marked done or failed with a note and time.
CREATE TABLE request_steps (
    request_id INTEGER NOT NULL REFERENCES requests (id),
    position   INTEGER NOT NULL,
    title      TEXT    NOT NULL,
    ad         TEXT,
    status     TEXT    NOT NULL DEFAULT 'pending',
    note       TEXT,
    done_by    TEXT,
    done_at    TEXT,
    PRIMARY KEY (request_id, position)
);

CREATE TRIGGER requests_typed_insert BEFORE INSERT ON requests
WHEN NEW.status NOT IN ('submitted', 'awaiting_approval', 'approved', 'returned', 'rejected',
                        'in_progress', 'done', 'failed', 'cancelled')
  OR NEW.channel NOT IN ('logochat', 'widget', 'terminal', 'phone', 'counter', 'mail', 'api')
BEGIN SELECT RAISE(ABORT, 'requests: unknown status or channel'); END;
CREATE TRIGGER requests_typed_update BEFORE UPDATE OF status, channel ON requests
WHEN NEW.status NOT IN ('submitted', 'awaiting_approval', 'approved', 'returned', 'rejected',
                        'in_progress', 'done', 'failed', 'cancelled')
  OR NEW.channel NOT IN ('logochat', 'widget', 'terminal', 'phone', 'counter', 'mail', 'api')
BEGIN SELECT RAISE(ABORT, 'requests: unknown status or channel'); END;
CREATE TRIGGER request_events_typed_insert BEFORE INSERT ON request_events
WHEN NEW.action NOT IN ('submit', 'approve', 'return', 'reject', 'start', 'complete', 'fail',
                        'cancel', 'resubmit')
  OR NEW.to_status NOT IN ('submitted', 'awaiting_approval', 'approved', 'returned',
                           'rejected', 'in_progress', 'done', 'failed', 'cancelled')
BEGIN SELECT RAISE(ABORT, 'request_events: unknown action or status'); END;
CREATE TRIGGER request_steps_typed_insert BEFORE INSERT ON request_steps
WHEN NEW.status NOT IN ('pending', 'done', 'failed')
BEGIN SELECT RAISE(ABORT, 'request_steps: unknown status'); END;
CREATE TRIGGER request_steps_typed_update BEFORE UPDATE OF status ON request_steps
WHEN NEW.status NOT IN ('pending', 'done', 'failed')
BEGIN SELECT RAISE(ABORT, 'request_steps: unknown status'); END;

-- Inquiries that came by phone, in person or by mail, and requests from integrations:
-- more channels for tickets, conversations and messages.
DROP TRIGGER tickets_typed_insert;
DROP TRIGGER tickets_typed_update;
CREATE TRIGGER tickets_typed_insert BEFORE INSERT ON tickets
WHEN NEW.status NOT IN ('new', 'in_progress', 'on_hold', 'resolved', 'closed')
  OR NEW.channel NOT IN ('logochat', 'widget', 'terminal', 'phone', 'counter', 'mail', 'api')
BEGIN SELECT RAISE(ABORT, 'tickets: unknown status or channel'); END;
CREATE TRIGGER tickets_typed_update BEFORE UPDATE OF status, channel ON tickets
WHEN NEW.status NOT IN ('new', 'in_progress', 'on_hold', 'resolved', 'closed')
  OR NEW.channel NOT IN ('logochat', 'widget', 'terminal', 'phone', 'counter', 'mail', 'api')
BEGIN SELECT RAISE(ABORT, 'tickets: unknown status or channel'); END;

DROP TRIGGER conversations_typed_insert;
DROP TRIGGER conversations_typed_update;
CREATE TRIGGER conversations_typed_insert BEFORE INSERT ON conversations
WHEN NEW.channel NOT IN ('logochat', 'widget', 'terminal', 'phone', 'counter', 'mail', 'api')
  OR NEW.handler NOT IN ('bot', 'operator')
BEGIN SELECT RAISE(ABORT, 'conversations: unknown channel or handler'); END;
CREATE TRIGGER conversations_typed_update BEFORE UPDATE OF channel, handler ON conversations
WHEN NEW.channel NOT IN ('logochat', 'widget', 'terminal', 'phone', 'counter', 'mail', 'api')
  OR NEW.handler NOT IN ('bot', 'operator')
BEGIN SELECT RAISE(ABORT, 'conversations: unknown channel or handler'); END;

DROP TRIGGER messages_typed_insert;
DROP TRIGGER messages_typed_update;
CREATE TRIGGER messages_typed_insert BEFORE INSERT ON messages
WHEN NEW.author NOT IN ('staff', 'bot', 'operator')
  OR NEW.channel NOT IN ('logochat', 'widget', 'terminal', 'phone', 'counter', 'mail', 'api')
BEGIN SELECT RAISE(ABORT, 'messages: unknown author or channel'); END;
CREATE TRIGGER messages_typed_update BEFORE UPDATE OF author, channel ON messages
WHEN NEW.author NOT IN ('staff', 'bot', 'operator')
  OR NEW.channel NOT IN ('logochat', 'widget', 'terminal', 'phone', 'counter', 'mail', 'api')
BEGIN SELECT RAISE(ABORT, 'messages: unknown author or channel'); END;

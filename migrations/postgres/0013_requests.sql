-- Requests (申請): typed requests with approval and work orders (PostgreSQL). Keep
-- equivalent to migrations/sqlite/0013_requests.sql. State lists match src/domain/request.rs.

-- A request; `definition` is its type as it was when submitted (JSON), so that a later
-- edit of the type does not change what was asked. `fields` holds the validated answers
-- (JSON object), `approvals` the logins that approved so far (JSON array). Every change
-- bumps `version`; a writer that read another version is refused (two operators at once:
-- one wins).
CREATE TABLE requests (
    id              BIGSERIAL PRIMARY KEY,
    type_id         TEXT        NOT NULL,
    type_name       TEXT        NOT NULL,
    definition      TEXT        NOT NULL,
    status          TEXT        NOT NULL CHECK (status IN ('submitted', 'awaiting_approval',
                        'approved', 'returned', 'rejected', 'in_progress', 'done', 'failed',
                        'cancelled')),
    requester_no    TEXT        NOT NULL,
    requester_name  TEXT        NOT NULL,
    department      TEXT        NOT NULL,
    channel         TEXT        NOT NULL CHECK (channel IN ('logochat', 'widget', 'terminal',
                        'phone', 'counter', 'mail', 'api')),
    conversation_id BIGINT REFERENCES conversations (id),
    ticket_id       BIGINT REFERENCES tickets (id),
    fields          TEXT        NOT NULL,
    approvals       TEXT        NOT NULL DEFAULT '[]',
    reason          TEXT,
    due_at          TIMESTAMPTZ,
    version         BIGINT      NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX requests_status ON requests (status, id);
CREATE INDEX requests_requester ON requests (requester_no, id);
CREATE INDEX requests_ticket ON requests (ticket_id);

-- Every state change of a request, in order (the history the console shows).
CREATE TABLE request_events (
    id          BIGSERIAL PRIMARY KEY,
    request_id  BIGINT      NOT NULL REFERENCES requests (id),
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT        NOT NULL,
    action      TEXT        NOT NULL CHECK (action IN ('submit', 'approve', 'return', 'reject',
                    'start', 'complete', 'fail', 'cancel', 'resubmit')),
    from_status TEXT,
    to_status   TEXT        NOT NULL CHECK (to_status IN ('submitted', 'awaiting_approval',
                    'approved', 'returned', 'rejected', 'in_progress', 'done', 'failed',
                    'cancelled')),
    note        TEXT
);
CREATE INDEX request_events_request ON request_events (request_id, id);

-- The work order: the type's steps, each marked done or failed with a note and time.
CREATE TABLE request_steps (
    request_id BIGINT  NOT NULL REFERENCES requests (id),
    position   BIGINT  NOT NULL,
    title      TEXT    NOT NULL,
    ad         TEXT,
    status     TEXT    NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'done', 'failed')),
    note       TEXT,
    done_by    TEXT,
    done_at    TIMESTAMPTZ,
    PRIMARY KEY (request_id, position)
);

-- Inquiries that came by phone, in person or by mail, and requests from integrations:
-- more channels for tickets, conversations and messages.
ALTER TABLE tickets DROP CONSTRAINT tickets_channel_known;
ALTER TABLE tickets ADD CONSTRAINT tickets_channel_known
    CHECK (channel IN ('logochat', 'widget', 'terminal', 'phone', 'counter', 'mail', 'api'));
ALTER TABLE conversations DROP CONSTRAINT conversations_channel_known;
ALTER TABLE conversations ADD CONSTRAINT conversations_channel_known
    CHECK (channel IN ('logochat', 'widget', 'terminal', 'phone', 'counter', 'mail', 'api'));
ALTER TABLE messages DROP CONSTRAINT messages_channel_known;
ALTER TABLE messages ADD CONSTRAINT messages_channel_known
    CHECK (channel IN ('logochat', 'widget', 'terminal', 'phone', 'counter', 'mail', 'api'));

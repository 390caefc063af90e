-- Conversations (PostgreSQL). Keep equivalent to migrations/sqlite/0002_conversations.sql.

-- The staff directory, imported from the personnel CSV (職員番号, 氏名, 所属, メール, 内線,
-- LoGoチャットID). Personal information: read only where a conversation needs it.
CREATE TABLE staff (
    employee_no TEXT NOT NULL PRIMARY KEY,
    name        TEXT NOT NULL,
    department  TEXT NOT NULL,
    email       TEXT,
    extension   TEXT,
    logochat_id TEXT UNIQUE,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX staff_email ON staff (email);

-- One conversation per channel, room and user. `token` is the secret handle the widget
-- keeps; `state` is the in-chat flow's JSON state; `handler` is 'bot' or 'operator'.
-- staff_no has no foreign key: a directory re-import must not rewrite history.
CREATE TABLE conversations (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token      TEXT    NOT NULL UNIQUE,
    channel    TEXT NOT NULL,
    room       TEXT NOT NULL,
    user_ref   TEXT NOT NULL,
    user_name  TEXT,
    staff_no   TEXT,
    contact    TEXT,
    state      TEXT NOT NULL,
    handler    TEXT    NOT NULL DEFAULT 'bot',
    operator   TEXT,
    ticket_id  BIGINT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (channel, room, user_ref)
);

-- Every message in and out. An inbound message keeps the channel's own id, unique per
-- channel, so a retried delivery is recognised; a reply points at what it answers.
CREATE TABLE messages (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id    BIGINT NOT NULL REFERENCES conversations (id),
    channel            TEXT NOT NULL,
    channel_message_id TEXT,
    direction          TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
    author             TEXT NOT NULL,
    author_name        TEXT,
    text               TEXT NOT NULL,
    html               TEXT,
    choices            TEXT    NOT NULL DEFAULT '[]',
    reply_to           BIGINT REFERENCES messages (id),
    faq_id             TEXT,
    created_at         TIMESTAMPTZ NOT NULL,
    UNIQUE (channel, channel_message_id)
);
CREATE INDEX messages_conversation ON messages (conversation_id, id);
CREATE INDEX messages_reply_to ON messages (reply_to);

-- Escalations: the operator queue. `transcript` is the conversation as it was when the
-- staff member asked for a person (JSON); later messages stay in `messages`.
-- request_kind/request carry a typed request for the workflows (accounts, loans, ...).
CREATE TABLE tickets (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    channel         TEXT NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'new',
    subject         TEXT NOT NULL,
    staff_no        TEXT,
    requester_name  TEXT,
    contact         TEXT,
    transcript      TEXT NOT NULL,
    assignee        TEXT,
    category        TEXT,
    faq_id          TEXT,
    request_kind    TEXT,
    request         TEXT,
    opened_at       TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    resolved_at     TIMESTAMPTZ
);
CREATE INDEX tickets_status ON tickets (status, id);

-- 解決した / 解決しなかった, per FAQ entry.
CREATE TABLE feedback (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    faq_id          TEXT NOT NULL,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    question_id     BIGINT,
    resolved        BOOLEAN NOT NULL,
    created_at      TIMESTAMPTZ    NOT NULL
);
CREATE INDEX feedback_faq ON feedback (faq_id);

-- Messages to deliver to outside systems (the LoGoチャット outgoing URL), in order per
-- (channel, room), retried with backoff until delivered or given up ('failed').
CREATE TABLE outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel         TEXT NOT NULL,
    room            TEXT NOT NULL,
    message_id      BIGINT REFERENCES messages (id),
    payload         TEXT NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending',
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    delivered_at    TIMESTAMPTZ
);
CREATE INDEX outbox_pending ON outbox (status, channel, room, id);

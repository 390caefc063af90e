-- The learning loop and the dashboard (SQLite). Keep equivalent to
-- migrations/postgres/0009_learning.sql.

-- Why the engine decided as it did (confident, ambiguous, low_confidence, no_match,
-- greeting, thanks, empty): small talk is logged with decision 'escalate' too, and must
-- count neither as a question on the dashboard nor as a gap in the unanswered report.
-- NULL on rows logged before this column existed.
ALTER TABLE questions ADD COLUMN reason TEXT;

-- The FAQ entries a bot message offered as numbered choices (「もしかして」 lists), in
-- order. The entry a message answers with is messages.faq_id; together they say how often
-- an entry was shown.
CREATE TABLE message_offers (
    message_id INTEGER NOT NULL REFERENCES messages (id),
    position   INTEGER NOT NULL CHECK (position >= 1),
    faq_id     TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (message_id, position)
);
CREATE INDEX message_offers_created_at ON message_offers (created_at, faq_id);

-- A staff member's question proposed as an alternative question of an FAQ entry (when an
-- operator resolves a ticket by linking the entry), until an admin accepts or rejects it.
-- question_key is the question normalised (NFKC, case, spaces and end punctuation), so
-- that the same question is pending at most once per entry however it was typed.
CREATE TABLE faq_proposals (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    faq_id       TEXT    NOT NULL REFERENCES faq_entries (id),
    question     TEXT    NOT NULL,
    question_key TEXT    NOT NULL,
    ticket_id    INTEGER REFERENCES tickets (id),
    proposed_by  TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'proposed'
                 CHECK (status IN ('proposed', 'accepted', 'rejected')),
    decided_by   TEXT,
    decided_at   TEXT,
    created_at   TEXT    NOT NULL,
    CHECK ((status = 'proposed') = (decided_by IS NULL AND decided_at IS NULL))
);
CREATE UNIQUE INDEX faq_proposals_pending ON faq_proposals (faq_id, question_key)
    WHERE status = 'proposed';
CREATE INDEX faq_proposals_status ON faq_proposals (status, id);

-- Reports over a period on 100,000s of rows: each reads a range of one time column.
-- questions: the dashboard's counts and the no-match part of the unanswered report read
-- only these columns (covering).
CREATE INDEX questions_outcomes ON questions (asked_at, decision, reason);
-- The bot's answers, by time (statistics) and per conversation (escalated after it).
CREATE INDEX messages_answers ON messages (created_at, faq_id) WHERE faq_id IS NOT NULL;
CREATE INDEX messages_answers_in_conversation ON messages (conversation_id, id)
    WHERE faq_id IS NOT NULL;
CREATE INDEX feedback_created_at ON feedback (created_at);
CREATE INDEX tickets_opened_at ON tickets (opened_at);

-- Questions learned from resolved tickets (PostgreSQL). Keep equivalent to
-- migrations/sqlite/0020_learned_questions.sql.

-- When an operator resolves a ticket naming the FAQ entry that answers it, the ticket's
-- question is kept here, and its sentence vector joins the entry's vectors (kind
-- 'learned', ordinal = the ticket's id): the next staff member who asks it that way is
-- answered. One per ticket.
CREATE TABLE faq_learned_questions (
    ticket_id  BIGINT      PRIMARY KEY REFERENCES tickets (id),
    faq_id     TEXT        NOT NULL REFERENCES faq_entries (id),
    question   TEXT        NOT NULL,
    learned_by TEXT        NOT NULL,
    learned_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX faq_learned_questions_faq ON faq_learned_questions (faq_id);

ALTER TABLE faq_vectors DROP CONSTRAINT faq_vectors_kind_check;
ALTER TABLE faq_vectors ADD CONSTRAINT faq_vectors_kind_check
    CHECK (kind IN ('question', 'alternative', 'question_answer', 'learned'));

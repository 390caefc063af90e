-- Questions learned from resolved tickets (SQLite). Keep equivalent to
-- migrations/postgres/0020_learned_questions.sql.

-- When an operator resolves a ticket naming the FAQ entry that answers it, the ticket's
-- question is kept here, and its sentence vector joins the entry's vectors (kind
-- 'learned', ordinal = the ticket's id): the next staff member who asks it that way is
-- answered. One per ticket.
CREATE TABLE faq_learned_questions (
    ticket_id  INTEGER PRIMARY KEY REFERENCES tickets (id),
    faq_id     TEXT    NOT NULL REFERENCES faq_entries (id),
    question   TEXT    NOT NULL,
    learned_by TEXT    NOT NULL,
    learned_at TEXT    NOT NULL
);
CREATE INDEX faq_learned_questions_faq ON faq_learned_questions (faq_id);

DROP TRIGGER faq_vectors_typed_insert;
DROP TRIGGER faq_vectors_typed_update;
CREATE TRIGGER faq_vectors_typed_insert BEFORE INSERT ON faq_vectors
WHEN NEW.kind NOT IN ('question', 'alternative', 'question_answer', 'learned')
BEGIN SELECT RAISE(ABORT, 'faq_vectors: unknown kind'); END;
CREATE TRIGGER faq_vectors_typed_update BEFORE UPDATE OF kind ON faq_vectors
WHEN NEW.kind NOT IN ('question', 'alternative', 'question_answer', 'learned')
BEGIN SELECT RAISE(ABORT, 'faq_vectors: unknown kind'); END;

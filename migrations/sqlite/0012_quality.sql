-- Answer quality (SQLite). Keep equivalent to migrations/postgres/0012_quality.sql.

-- When the staff member last wrote to an open ticket's conversation since an operator
-- read the ticket: the queue marks the ticket as updated. Cleared when an operator opens
-- the ticket or acts on it.
ALTER TABLE tickets ADD COLUMN updated_by_staff_at TEXT;

-- Sentence vectors of the entries' texts (the question, each alternative question, the
-- question with its answer), computed once when an entry is saved and read back to build
-- the index; never computed per question. `text_hash` is the sha256 of the encoded text,
-- so an edit re-encodes only the texts that changed; `model_id` names the encoder (its
-- files' hashes and revision): vectors of another model are stale and encoded again.
-- `vector` is little-endian f32, L2-normalised.
CREATE TABLE faq_vectors (
    faq_id     TEXT    NOT NULL REFERENCES faq_entries (id),
    kind       TEXT    NOT NULL,
    ordinal    INTEGER NOT NULL,
    text_hash  TEXT    NOT NULL,
    model_id   TEXT    NOT NULL,
    vector     BLOB    NOT NULL,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (faq_id, kind, ordinal)
);
CREATE TRIGGER faq_vectors_typed_insert BEFORE INSERT ON faq_vectors
WHEN NEW.kind NOT IN ('question', 'alternative', 'question_answer')
BEGIN SELECT RAISE(ABORT, 'faq_vectors: unknown kind'); END;
CREATE TRIGGER faq_vectors_typed_update BEFORE UPDATE OF kind ON faq_vectors
WHEN NEW.kind NOT IN ('question', 'alternative', 'question_answer')
BEGIN SELECT RAISE(ABORT, 'faq_vectors: unknown kind'); END;

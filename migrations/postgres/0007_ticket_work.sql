-- What operators add to a ticket (PostgreSQL). Keep equivalent to
-- migrations/sqlite/0007_ticket_work.sql.

-- Priority decides the SLA together with the category: low, normal, high.
ALTER TABLE tickets ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal'
    CHECK (priority IN ('low', 'normal', 'high'));

-- Internal notes: seen by operators only, never sent to the staff member.
CREATE TABLE ticket_notes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id  BIGINT      NOT NULL REFERENCES tickets (id),
    author     TEXT        NOT NULL,
    text       TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ticket_notes_ticket ON ticket_notes (ticket_id, id);


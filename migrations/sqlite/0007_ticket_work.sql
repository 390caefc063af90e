-- What operators add to a ticket (SQLite). Keep equivalent to
-- migrations/postgres/0007_ticket_work.sql.

-- Priority decides the SLA together with the category: low, normal, high.
ALTER TABLE tickets ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal'
    CHECK (priority IN ('low', 'normal', 'high'));

-- Internal notes: seen by operators only, never sent to the staff member.
CREATE TABLE ticket_notes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
    author     TEXT    NOT NULL,
    text       TEXT    NOT NULL,
    created_at TEXT    NOT NULL
);
CREATE INDEX ticket_notes_ticket ON ticket_notes (ticket_id, id);


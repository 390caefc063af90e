-- Initial schema (SQLite). Keep equivalent to migrations/postgres/0001_init.sql.
-- Timestamps are UTC, stored as RFC 3339 text, so they sort as text and read back as
-- chrono::DateTime<Utc>. Lists are JSON arrays of strings, stored as text.

-- The FAQ entries as they are now. Every save also lands in faq_revisions.
CREATE TABLE faq_entries (
    id           TEXT    NOT NULL PRIMARY KEY,
    title        TEXT    NOT NULL,
    category     TEXT    NOT NULL,
    keywords     TEXT    NOT NULL DEFAULT '[]',
    alternatives TEXT    NOT NULL DEFAULT '[]',
    related      TEXT    NOT NULL DEFAULT '[]',
    body         TEXT    NOT NULL,
    published    BOOLEAN NOT NULL DEFAULT 1,
    revision     INTEGER NOT NULL CHECK (revision >= 1),
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);

-- Every saved version of every entry, for the console's history, diff and restore.
-- No ON DELETE CASCADE: removing an entry must not silently erase its history.
CREATE TABLE faq_revisions (
    faq_id       TEXT    NOT NULL REFERENCES faq_entries (id),
    revision     INTEGER NOT NULL CHECK (revision >= 1),
    title        TEXT    NOT NULL,
    category     TEXT    NOT NULL,
    keywords     TEXT    NOT NULL,
    alternatives TEXT    NOT NULL,
    related      TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    published    BOOLEAN NOT NULL,
    author       TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    PRIMARY KEY (faq_id, revision)
);

-- Questions asked and how the engine decided, for statistics.
-- top_faq_id has no foreign key: the log must outlive edits to the knowledge base.
CREATE TABLE questions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    asked_at   TEXT    NOT NULL,
    channel    TEXT    NOT NULL,
    text       TEXT    NOT NULL,
    decision   TEXT    NOT NULL,
    top_faq_id TEXT,
    top_score  REAL
);
CREATE INDEX questions_asked_at ON questions (asked_at);

-- Small settings, such as whether the knowledge base was seeded.
CREATE TABLE meta (
    key   TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);

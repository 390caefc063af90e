-- Initial schema (PostgreSQL). Keep equivalent to migrations/sqlite/0001_init.sql.
-- Integers are BIGINT to match SQLite's 64-bit INTEGER. Lists are JSON arrays of strings,
-- stored as text like in SQLite, so both backends read them with the same code.

-- The FAQ entries as they are now. Every save also lands in faq_revisions.
CREATE TABLE faq_entries (
    id           TEXT        NOT NULL PRIMARY KEY,
    title        TEXT        NOT NULL,
    category     TEXT        NOT NULL,
    keywords     TEXT        NOT NULL DEFAULT '[]',
    alternatives TEXT        NOT NULL DEFAULT '[]',
    related      TEXT        NOT NULL DEFAULT '[]',
    body         TEXT        NOT NULL,
    published    BOOLEAN     NOT NULL DEFAULT TRUE,
    revision     BIGINT      NOT NULL CHECK (revision >= 1),
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

-- Every saved version of every entry, for the console's history, diff and restore.
-- No ON DELETE CASCADE: removing an entry must not silently erase its history.
CREATE TABLE faq_revisions (
    faq_id       TEXT        NOT NULL REFERENCES faq_entries (id),
    revision     BIGINT      NOT NULL CHECK (revision >= 1),
    title        TEXT        NOT NULL,
    category     TEXT        NOT NULL,
    keywords     TEXT        NOT NULL,
    alternatives TEXT        NOT NULL,
    related      TEXT        NOT NULL,
    body         TEXT        NOT NULL,
    published    BOOLEAN     NOT NULL,
    author       TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (faq_id, revision)
);

-- Questions asked and how the engine decided, for statistics.
-- top_faq_id has no foreign key: the log must outlive edits to the knowledge base.
CREATE TABLE questions (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    asked_at   TIMESTAMPTZ      NOT NULL,
    channel    TEXT             NOT NULL,
    text       TEXT             NOT NULL,
    decision   TEXT             NOT NULL,
    top_faq_id TEXT,
    top_score  DOUBLE PRECISION
);
CREATE INDEX questions_asked_at ON questions (asked_at);

-- Small settings, such as whether the knowledge base was seeded.
CREATE TABLE meta (
    key   TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);

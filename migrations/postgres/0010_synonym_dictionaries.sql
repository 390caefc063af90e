-- Synonym dictionaries (表記ゆれ) saved from the operator console (PostgreSQL). Keep
-- equivalent to migrations/sqlite/0010_synonym_dictionaries.sql. Every save is a new row:
-- the newest is the dictionary in use (it wins over knowledge-base/synonyms.txt), the older
-- ones are its history, with who saved each and when.
CREATE TABLE synonym_dictionaries (
    version    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    text       TEXT        NOT NULL,
    author     TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- Synonym dictionaries (表記ゆれ) saved from the operator console (SQLite). Keep equivalent
-- to migrations/postgres/0010_synonym_dictionaries.sql. Every save is a new row: the newest
-- is the dictionary in use (it wins over knowledge-base/synonyms.txt), the older ones are
-- its history, with who saved each and when.
CREATE TABLE synonym_dictionaries (
    version    INTEGER PRIMARY KEY AUTOINCREMENT,
    text       TEXT NOT NULL,
    author     TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- The print batches' own duties (SQLite). Keep equivalent to
-- migrations/postgres/0024_batch_duties.sql.
--
-- A duty done once per slot: a reminder of the schedule (`due kouki-kettei 2026-12-10`,
-- `run kouki-kettei 2026-12-10`) or the month's selftest (`selftest 2026-12`). The slot is
-- claimed in the transaction that queues the reminder, so it is sent once however often,
-- and by however many instances, duties are looked for.
CREATE TABLE batch_duties (
    slot    TEXT PRIMARY KEY,
    done_at TEXT NOT NULL
);

-- The selftest's result per job (5(3)ア④): the console shows each job's latest.
CREATE TABLE batch_selftests (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id            TEXT    NOT NULL,
    definition_sha256 TEXT    NOT NULL,
    form_sha256       TEXT    NOT NULL,
    passed            INTEGER NOT NULL,
    notes             TEXT    NOT NULL,
    checked_by        TEXT    NOT NULL,
    checked_at        TEXT    NOT NULL
);
CREATE INDEX batch_selftests_job ON batch_selftests (job_id, id);

-- A file whose checks failed can be received again (SQLite). Keep equivalent to
-- migrations/postgres/0030_batch_run_received_again.sql.
--
-- A stopped run (停止: a check failed, the file was not kept) no longer blocks the same
-- bytes: once the job's definition is corrected, the sending system hands the same file
-- over again and it is checked anew, as a run of its own. A file that passed its checks
-- is still received once per job. The inline UNIQUE (job_id, input_sha256) of 0014
-- cannot be dropped on SQLite, so batch_runs is rebuilt, with the same columns, ids and
-- rows. batch_purges refers to it and is rebuilt with it (copied aside first, so that
-- dropping the old batch_runs breaks no reference), ids kept.
CREATE TABLE batch_runs_0030 (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id            TEXT    NOT NULL,
    job_revision      INTEGER NOT NULL,
    definition_sha256 TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    input_name        TEXT    NOT NULL,
    input_sha256      TEXT    NOT NULL,
    input_bytes       INTEGER NOT NULL,
    records           INTEGER NOT NULL,
    total             INTEGER NOT NULL,
    checks            TEXT    NOT NULL,
    received_by       TEXT    NOT NULL,
    received_at       TEXT    NOT NULL,
    override_reason   TEXT,
    overridden_by     TEXT,
    approved_by       TEXT,
    approved_at       TEXT,
    output_sha256     TEXT,
    pages             INTEGER,
    printer_job_ids   TEXT,
    printed_by        TEXT,
    printed_at        TEXT,
    printing_by       TEXT,
    printing_at       TEXT
);
INSERT INTO batch_runs_0030 (id, job_id, job_revision, definition_sha256, status,
    input_name, input_sha256, input_bytes, records, total, checks, received_by,
    received_at, override_reason, overridden_by, approved_by, approved_at, output_sha256,
    pages, printer_job_ids, printed_by, printed_at, printing_by, printing_at)
SELECT id, job_id, job_revision, definition_sha256, status, input_name, input_sha256,
    input_bytes, records, total, checks, received_by, received_at, override_reason,
    overridden_by, approved_by, approved_at, output_sha256, pages, printer_job_ids,
    printed_by, printed_at, printing_by, printing_at
FROM batch_runs;

-- The id counters, so that no id is ever handed out twice (run ids name sealed files
-- and audit lines).
CREATE TABLE batch_sequence_0030 AS
    SELECT name, seq FROM sqlite_sequence WHERE name IN ('batch_runs', 'batch_purges');
CREATE TABLE batch_purges_0030 AS SELECT * FROM batch_purges;

DROP TABLE batch_purges;
DROP TABLE batch_runs;
ALTER TABLE batch_runs_0030 RENAME TO batch_runs;

CREATE TABLE batch_purges (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id      INTEGER NOT NULL UNIQUE REFERENCES batch_runs (id),
    items       TEXT NOT NULL,
    method      TEXT NOT NULL,
    instruction TEXT NOT NULL,
    purged_by   TEXT NOT NULL,
    witness     TEXT NOT NULL,
    purged_at   TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    erased_at   TEXT
);
INSERT INTO batch_purges (id, run_id, items, method, instruction, purged_by, witness,
    purged_at, reason, erased_at)
SELECT id, run_id, items, method, instruction, purged_by, witness, purged_at, reason,
    erased_at
FROM batch_purges_0030;
DROP TABLE batch_purges_0030;

DELETE FROM sqlite_sequence WHERE name IN ('batch_runs', 'batch_purges');
INSERT INTO sqlite_sequence (name, seq) SELECT name, seq FROM batch_sequence_0030;
DROP TABLE batch_sequence_0030;

CREATE INDEX batch_runs_job ON batch_runs (job_id, id);
-- A file is received once per job, unless every earlier run of it stopped.
CREATE UNIQUE INDEX batch_runs_input ON batch_runs (job_id, input_sha256)
    WHERE status <> 'stopped';

CREATE TRIGGER batch_runs_typed_insert BEFORE INSERT ON batch_runs
WHEN NEW.status NOT IN ('stopped', 'warned', 'checked', 'approved', 'printing', 'printed')
BEGIN SELECT RAISE(ABORT, 'batch_runs: unknown status'); END;
CREATE TRIGGER batch_runs_typed_update BEFORE UPDATE OF status ON batch_runs
WHEN NEW.status NOT IN ('stopped', 'warned', 'checked', 'approved', 'printing', 'printed')
BEGIN SELECT RAISE(ABORT, 'batch_runs: unknown status'); END;

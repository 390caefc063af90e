-- Print runs of the 業務要件書's batch jobs (SQLite). Keep equivalent to
-- migrations/postgres/0014_batch_runs.sql. One row per input file received: the data
-- checks' results, who approved, what was printed (output hash, printer job ids). Never
-- any personal data: the file's name, hash, counts and totals only.
CREATE TABLE batch_runs (
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
    -- A file is received once per job: a second upload of the same bytes is refused.
    UNIQUE (job_id, input_sha256)
);
CREATE INDEX batch_runs_job ON batch_runs (job_id, id);

CREATE TRIGGER batch_runs_typed_insert BEFORE INSERT ON batch_runs
WHEN NEW.status NOT IN ('stopped', 'warned', 'checked', 'approved', 'printed')
BEGIN SELECT RAISE(ABORT, 'batch_runs: unknown status'); END;
CREATE TRIGGER batch_runs_typed_update BEFORE UPDATE OF status ON batch_runs
WHEN NEW.status NOT IN ('stopped', 'warned', 'checked', 'approved', 'printed')
BEGIN SELECT RAISE(ABORT, 'batch_runs: unknown status'); END;

-- Deletion records (特記事項 第12-4, 消去証明書): what was erased, when, how, by whom, with
-- which witness, on which instruction of the city. One per run.
CREATE TABLE batch_purges (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id      INTEGER NOT NULL UNIQUE REFERENCES batch_runs (id),
    items       TEXT NOT NULL,
    method      TEXT NOT NULL,
    instruction TEXT NOT NULL,
    purged_by   TEXT NOT NULL,
    witness     TEXT NOT NULL,
    purged_at   TEXT NOT NULL
);

-- Print runs of the 業務要件書's batch jobs (PostgreSQL). Keep equivalent to
-- migrations/sqlite/0014_batch_runs.sql. One row per input file received: the data
-- checks' results, who approved, what was printed (output hash, printer job ids). Never
-- any personal data: the file's name, hash, counts and totals only.
CREATE TABLE batch_runs (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id            TEXT        NOT NULL,
    job_revision      BIGINT      NOT NULL,
    definition_sha256 TEXT        NOT NULL,
    status            TEXT        NOT NULL
        CHECK (status IN ('stopped', 'warned', 'checked', 'approved', 'printed')),
    input_name        TEXT        NOT NULL,
    input_sha256      TEXT        NOT NULL,
    input_bytes       BIGINT      NOT NULL,
    records           BIGINT      NOT NULL,
    total             BIGINT      NOT NULL,
    checks            TEXT        NOT NULL,
    received_by       TEXT        NOT NULL,
    received_at       TIMESTAMPTZ NOT NULL,
    override_reason   TEXT,
    overridden_by     TEXT,
    approved_by       TEXT,
    approved_at       TIMESTAMPTZ,
    output_sha256     TEXT,
    pages             BIGINT,
    printer_job_ids   TEXT,
    printed_by        TEXT,
    printed_at        TIMESTAMPTZ,
    -- A file is received once per job: a second upload of the same bytes is refused.
    UNIQUE (job_id, input_sha256)
);
CREATE INDEX batch_runs_job ON batch_runs (job_id, id);

-- Deletion records (特記事項 第12-4, 消去証明書): what was erased, when, how, by whom, with
-- which witness, on which instruction of the city. One per run.
CREATE TABLE batch_purges (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id      BIGINT NOT NULL UNIQUE REFERENCES batch_runs (id),
    items       TEXT NOT NULL,
    method      TEXT NOT NULL,
    instruction TEXT NOT NULL,
    purged_by   TEXT NOT NULL,
    witness     TEXT NOT NULL,
    purged_at   TIMESTAMPTZ NOT NULL
);

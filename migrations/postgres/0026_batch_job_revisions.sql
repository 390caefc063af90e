-- The print-job catalogue's revisions, and the purge's reason (PostgreSQL). Keep
-- equivalent to migrations/sqlite/0026_batch_job_revisions.sql.
--
-- Jobs are added, changed and retired on the city's request (5(3)ア③): every change is a
-- new revision of one job, with who, when, why, the definition's TOML text and its
-- SHA-256. A job's current definition is its newest revision; a retired job's newest
-- revision says so (its text is the last definition in force). The bundled files of
-- integrations/print-batches/ seed revision 1 of each job the table does not hold yet.
CREATE TABLE batch_job_revisions (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id     TEXT        NOT NULL,
    revision   BIGINT      NOT NULL,
    change     TEXT        NOT NULL
        CHECK (change IN ('seeded', 'added', 'changed', 'retired', 'restored')),
    definition TEXT        NOT NULL,
    sha256     TEXT        NOT NULL,
    reason     TEXT        NOT NULL,
    changed_by TEXT        NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    -- Two admins changing one job at once: the second insert is refused.
    UNIQUE (job_id, revision)
);

-- Revisions are history: never rewritten.
CREATE FUNCTION batch_job_revisions_kept() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'batch_job_revisions: a revision is never changed';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER batch_job_revisions_kept BEFORE UPDATE ON batch_job_revisions
FOR EACH ROW EXECUTE FUNCTION batch_job_revisions_kept();

-- Why the files of a run were purged (the city's reason, on the 消去証明書).
ALTER TABLE batch_purges ADD COLUMN reason TEXT NOT NULL DEFAULT '';

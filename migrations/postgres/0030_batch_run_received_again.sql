-- A file whose checks failed can be received again (PostgreSQL). Keep equivalent to
-- migrations/sqlite/0030_batch_run_received_again.sql.
--
-- A stopped run (停止: a check failed, the file was not kept) no longer blocks the same
-- bytes: once the job's definition is corrected, the sending system hands the same file
-- over again and it is checked anew, as a run of its own. A file that passed its checks
-- is still received once per job.
ALTER TABLE batch_runs DROP CONSTRAINT batch_runs_job_id_input_sha256_key;
CREATE UNIQUE INDEX batch_runs_input ON batch_runs (job_id, input_sha256)
    WHERE status <> 'stopped';

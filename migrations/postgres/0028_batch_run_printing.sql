-- Print runs claimed for printing (PostgreSQL). Keep equivalent to
-- migrations/sqlite/0028_batch_run_printing.sql.
--
-- A run is claimed (承認済 → 印刷中, who and when) in a transaction of its own before
-- anything is sent to the printer, and the printer's job id is recorded as soon as the
-- printer took the job; only the printer's report that the job completed makes it 印刷済.
-- So two operators (or instances) never both send it, and a job slower than the wait is
-- asked about again rather than sent a second time.
ALTER TABLE batch_runs ADD COLUMN printing_by TEXT;
ALTER TABLE batch_runs ADD COLUMN printing_at TIMESTAMPTZ;

ALTER TABLE batch_runs DROP CONSTRAINT batch_runs_status_check;
ALTER TABLE batch_runs ADD CONSTRAINT batch_runs_status_check
    CHECK (status IN ('stopped', 'warned', 'checked', 'approved', 'printing', 'printed'));

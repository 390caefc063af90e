-- Print runs claimed for printing (SQLite). Keep equivalent to
-- migrations/postgres/0028_batch_run_printing.sql.
--
-- A run is claimed (承認済 → 印刷中, who and when) in a transaction of its own before
-- anything is sent to the printer, and the printer's job id is recorded as soon as the
-- printer took the job; only the printer's report that the job completed makes it 印刷済.
-- So two operators (or instances) never both send it, and a job slower than the wait is
-- asked about again rather than sent a second time.
ALTER TABLE batch_runs ADD COLUMN printing_by TEXT;
ALTER TABLE batch_runs ADD COLUMN printing_at TEXT;

DROP TRIGGER batch_runs_typed_insert;
DROP TRIGGER batch_runs_typed_update;
CREATE TRIGGER batch_runs_typed_insert BEFORE INSERT ON batch_runs
WHEN NEW.status NOT IN ('stopped', 'warned', 'checked', 'approved', 'printing', 'printed')
BEGIN SELECT RAISE(ABORT, 'batch_runs: unknown status'); END;
CREATE TRIGGER batch_runs_typed_update BEFORE UPDATE OF status ON batch_runs
WHEN NEW.status NOT IN ('stopped', 'warned', 'checked', 'approved', 'printing', 'printed')
BEGIN SELECT RAISE(ABORT, 'batch_runs: unknown status'); END;

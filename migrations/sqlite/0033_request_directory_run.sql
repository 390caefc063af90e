-- Who is carrying out a request's directory steps, until when (sqlite). Keep equivalent to
-- migrations/postgres/0033_request_directory_run.sql.
--
-- The directory (AD) part of 作業開始 runs after its transaction, one operation at a time.
-- A run claims the request (a token and a lease, renewed before each operation) so that a
-- second run (another operator, another instance) never performs the same operations
-- again, and 失敗 / 完了 wait until the run has ended.
ALTER TABLE requests ADD COLUMN directory_run TEXT;
ALTER TABLE requests ADD COLUMN directory_run_until TEXT;

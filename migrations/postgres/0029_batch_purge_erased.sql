-- Purges in two steps (PostgreSQL). Keep equivalent to
-- migrations/sqlite/0029_batch_purge_erased.sql.
--
-- The deletion record is written, with what is to be erased, before any file is
-- touched; erased_at is set once the files are gone. A record without erased_at is a
-- purge under way or one an instance stopped in the middle of: the server's duties
-- finish it, so a purge once ordered is never lost and never reported as "no files".
-- purged_at stays the time the purge was ordered. Records made before this migration
-- were written after their files were erased: they are done.
ALTER TABLE batch_purges ADD COLUMN erased_at TIMESTAMPTZ;
UPDATE batch_purges SET erased_at = purged_at;

-- One apply run per personnel plan at a time (SQLite). Keep equivalent to
-- migrations/postgres/0023_personnel_runs.sql.

-- The run that holds the plan: its token and the end of its lease, renewed after every
-- item. Another run is refused while the lease lasts; a run that stopped (crash, kill)
-- lets go when its lease runs out, or is taken over on purpose.
ALTER TABLE personnel_plans ADD COLUMN run_token TEXT;
ALTER TABLE personnel_plans ADD COLUMN run_until TEXT;

-- A planned stop can be called off (PostgreSQL). Keep equivalent to
-- migrations/sqlite/0032_outage_cancelled.sql.
--
-- 中止 ('cancelled'): a planned stop called off before it began, with the reason in its
-- timeline. Before, the only way out of 予定 was to close it as recovered, which told the
-- city 【障害復旧】 and reported it as 復旧.
ALTER TABLE outages DROP CONSTRAINT outages_state_check;
ALTER TABLE outages ADD CONSTRAINT outages_state_check
    CHECK (state IN ('planned', 'ongoing', 'recovered', 'cancelled'));

-- A planned stop can be called off (SQLite). Keep equivalent to
-- migrations/postgres/0032_outage_cancelled.sql.
--
-- 中止 ('cancelled'): a planned stop called off before it began, with the reason in its
-- timeline. Before, the only way out of 予定 was to close it as recovered, which told the
-- city 【障害復旧】 and reported it as 復旧. The state's inline CHECK cannot be altered on
-- SQLite, so outages is rebuilt (same columns, ids and rows); outage_timeline refers to it
-- and is rebuilt with it (copied aside first, so that dropping the old table breaks no
-- reference), ids and id counters kept.
CREATE TABLE outages_0032 (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    title         TEXT    NOT NULL,
    systems       TEXT    NOT NULL,
    faq_ids       TEXT    NOT NULL,
    network       TEXT    CHECK (network IS NULL OR network IN ('mynumber', 'lgwan', 'internet')),
    place         TEXT,
    since         TEXT    NOT NULL,
    planned       INTEGER NOT NULL,
    checklist     TEXT,
    vendor        TEXT,
    vendor_ticket TEXT,
    state         TEXT    NOT NULL
        CHECK (state IN ('planned', 'ongoing', 'recovered', 'cancelled')),
    cause         TEXT,
    measures      TEXT,
    recovered_at  TEXT,
    declared_by   TEXT    NOT NULL,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    CHECK ((state = 'recovered') = (recovered_at IS NOT NULL))
);
INSERT INTO outages_0032 (id, title, systems, faq_ids, network, place, since, planned,
    checklist, vendor, vendor_ticket, state, cause, measures, recovered_at, declared_by,
    created_at, updated_at)
SELECT id, title, systems, faq_ids, network, place, since, planned, checklist, vendor,
    vendor_ticket, state, cause, measures, recovered_at, declared_by, created_at, updated_at
FROM outages;

CREATE TABLE outage_sequence_0032 AS
    SELECT name, seq FROM sqlite_sequence WHERE name IN ('outages', 'outage_timeline');
CREATE TABLE outage_timeline_0032 AS SELECT * FROM outage_timeline;

DROP TABLE outage_timeline;
DROP TABLE outages;
ALTER TABLE outages_0032 RENAME TO outages;
CREATE INDEX outages_state ON outages (state, id);

CREATE TABLE outage_timeline (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    outage_id INTEGER NOT NULL REFERENCES outages (id),
    at        TEXT    NOT NULL,
    note      TEXT    NOT NULL,
    actor     TEXT    NOT NULL
);
INSERT INTO outage_timeline (id, outage_id, at, note, actor)
SELECT id, outage_id, at, note, actor FROM outage_timeline_0032;
DROP TABLE outage_timeline_0032;
CREATE INDEX outage_timeline_outage ON outage_timeline (outage_id, id);

DELETE FROM sqlite_sequence WHERE name IN ('outages', 'outage_timeline');
INSERT INTO sqlite_sequence (name, seq) SELECT name, seq FROM outage_sequence_0032;
DROP TABLE outage_sequence_0032;

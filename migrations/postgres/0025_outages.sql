-- Outages (PostgreSQL). Keep equivalent to migrations/sqlite/0025_outages.sql.

-- An outage (障害, 5(2)オ) or a planned stop (停電, ア⑭). `systems` and `faq_ids` are
-- lists, one item a line: the words staff use for what is affected (メール) and FAQ entry
-- ids; a question matching either while the outage is ongoing gets its notice first.
CREATE TABLE outages (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title         TEXT    NOT NULL,
    systems       TEXT    NOT NULL,
    faq_ids       TEXT    NOT NULL,
    network       TEXT    CHECK (network IS NULL OR network IN ('mynumber', 'lgwan', 'internet')),
    place         TEXT,
    since         TIMESTAMPTZ NOT NULL,
    planned       BOOLEAN NOT NULL,
    checklist     TEXT,
    vendor        TEXT,
    vendor_ticket TEXT,
    state         TEXT    NOT NULL CHECK (state IN ('planned', 'ongoing', 'recovered')),
    cause         TEXT,
    measures      TEXT,
    recovered_at  TIMESTAMPTZ,
    declared_by   TEXT    NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    CHECK ((state = 'recovered') = (recovered_at IS NOT NULL))
);
CREATE INDEX outages_state ON outages (state, id);

-- What happened, in order: declared, vendor called, notes, replies to everyone, recovered.
CREATE TABLE outage_timeline (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    outage_id BIGINT  NOT NULL REFERENCES outages (id),
    at        TIMESTAMPTZ NOT NULL,
    note      TEXT    NOT NULL,
    actor     TEXT    NOT NULL
);
CREATE INDEX outage_timeline_outage ON outage_timeline (outage_id, id);

-- Conversations told of an outage: replies to everyone and the recovery notice go to
-- each. `escalated` marks those who asked for a person (attached here, no ticket). No
-- foreign keys: a turn links its conversation while holding the conversation's lock, and
-- must never wait for a lock on the outage (an operator's action on it holds that lock
-- and waits for the conversation's, to write into it).
CREATE TABLE outage_links (
    outage_id       BIGINT  NOT NULL,
    conversation_id BIGINT  NOT NULL,
    linked_at       TIMESTAMPTZ NOT NULL,
    escalated       BOOLEAN NOT NULL,
    PRIMARY KEY (outage_id, conversation_id)
);
CREATE INDEX outage_links_conversation ON outage_links (conversation_id);

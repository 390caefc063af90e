-- The helpdesk's ledgers (SQLite). Keep equivalent to migrations/postgres/0015_ledgers.sql.

-- IP address segments: one block per network (三層) and place. Addresses are kept as the
-- integers they are (`*_number`), so "next free" and "inside" are comparisons of numbers.
CREATE TABLE ip_segments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    network         TEXT    NOT NULL CHECK (network IN ('mynumber', 'lgwan', 'internet')),
    cidr            TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    first_number    INTEGER NOT NULL,
    last_number     INTEGER NOT NULL,
    gateway         TEXT,
    vlan            INTEGER,
    department      TEXT,
    building        TEXT,
    quarantine_days INTEGER NOT NULL,
    created_at      TEXT    NOT NULL
);

-- Ranges of a segment never handed out by the ledger (DHCP pools).
CREATE TABLE ip_segment_exclusions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    segment_id   INTEGER NOT NULL REFERENCES ip_segments (id),
    first_number INTEGER NOT NULL,
    last_number  INTEGER NOT NULL,
    reason       TEXT    NOT NULL
);
CREATE INDEX ip_segment_exclusions_segment ON ip_segment_exclusions (segment_id);

-- Addresses someone has held: an address without a row is free. A released address
-- is `free` with `quarantine_until` (not handed out before then).
CREATE TABLE ip_addresses (
    number           INTEGER PRIMARY KEY,
    address          TEXT    NOT NULL UNIQUE,
    segment_id       INTEGER NOT NULL REFERENCES ip_segments (id),
    state            TEXT    NOT NULL CHECK (state IN ('free', 'reserved', 'in_use', 'retired')),
    host             TEXT,
    computer_name    TEXT,
    device           TEXT,
    department       TEXT,
    person           TEXT,
    requester        TEXT,
    note             TEXT,
    since            TEXT,
    quarantine_until TEXT,
    updated_at       TEXT    NOT NULL,
    updated_by       TEXT    NOT NULL
);
CREATE INDEX ip_addresses_segment ON ip_addresses (segment_id, number);

-- Every change to a ledger line: issued, reserved, released, retired, deleted, imported.
CREATE TABLE ledger_history (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    ledger TEXT    NOT NULL CHECK (ledger IN ('ip_address', 'computer_name')),
    item   TEXT    NOT NULL,
    action TEXT    NOT NULL,
    state  TEXT    NOT NULL,
    host   TEXT,
    actor  TEXT    NOT NULL,
    at     TEXT    NOT NULL
);
CREATE INDEX ledger_history_item ON ledger_history (ledger, item, id);

-- Computer names issued by the city's naming rule: 所属コード, kind and serial.
CREATE TABLE computer_names (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL UNIQUE,
    department_code TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    serial          INTEGER NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('issued', 'deleted')),
    device          TEXT,
    person          TEXT,
    issued_at       TEXT    NOT NULL,
    issued_by       TEXT    NOT NULL,
    deleted_at      TEXT,
    UNIQUE (department_code, kind, serial)
);

-- Virus incidents (5(2)ア⑦ インシデント管理簿): each one is reported to the city at once.
CREATE TABLE virus_incidents (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    occurred_at    TEXT    NOT NULL,
    device         TEXT    NOT NULL,
    person         TEXT,
    department     TEXT,
    detection_name TEXT    NOT NULL,
    found_by       TEXT    NOT NULL,
    actions        TEXT,
    isolated       INTEGER NOT NULL,
    result         TEXT,
    reported_at    TEXT,
    reported_to    TEXT,
    recorded_by    TEXT    NOT NULL,
    created_at     TEXT    NOT NULL
);
CREATE INDEX virus_incidents_occurred ON virus_incidents (occurred_at);

-- Consumables (5(2)イ②③): LAN cables by length, hubs, toner per printer model, others.
-- `short_since` is set when the quantity falls below the threshold (the notice goes out
-- then, once) and cleared when it is back at or above it.
CREATE TABLE stock_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL CHECK (kind IN ('lan_cable', 'hub', 'toner', 'other')),
    name        TEXT    NOT NULL UNIQUE,
    quantity    INTEGER NOT NULL CHECK (quantity >= 0),
    threshold   INTEGER NOT NULL CHECK (threshold >= 0),
    short_since TEXT,
    updated_at  TEXT    NOT NULL
);
CREATE TABLE stock_moves (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id        INTEGER NOT NULL REFERENCES stock_items (id),
    delta          INTEGER NOT NULL,
    quantity_after INTEGER NOT NULL,
    person         TEXT    NOT NULL,
    reason         TEXT    NOT NULL,
    at             TEXT    NOT NULL
);
CREATE INDEX stock_moves_item ON stock_moves (item_id, id);

-- Work that is not a ticket (5(1)オ① 毎月実施した作業).
CREATE TABLE work_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    done_at     TEXT    NOT NULL,
    operator    TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    description TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE INDEX work_log_done ON work_log (done_at);

-- The reports ask, per conversation, whether it became a ticket (by 所属).
CREATE INDEX tickets_conversation ON tickets (conversation_id);

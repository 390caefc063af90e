-- The equipment register (SQLite). Keep equivalent to migrations/postgres/0016_equipment.sql.

-- Every device the helpdesk manages (機器台帳). `person_no` is a 職員番号 checked against
-- the staff directory when it is written (no foreign key: the directory is replaced
-- whole by the personnel import). `version` grows with every change.
CREATE TABLE equipment (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    asset_no        TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL CHECK (kind IN ('pc', 'tablet', 'web_meeting', 'projector',
                                                     'printer', 'mobile_phone', 'network', 'cable')),
    model           TEXT,
    serial          TEXT,
    department_code TEXT,
    department      TEXT,
    person_no       TEXT,
    state           TEXT    NOT NULL CHECK (state IN ('in_stock', 'for_loan', 'deployed',
                                                      'in_repair', 'disposed')),
    note            TEXT,
    version         INTEGER NOT NULL,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    updated_by      TEXT    NOT NULL,
    CHECK (person_no IS NULL OR state IN ('deployed', 'in_repair'))
);
CREATE INDEX equipment_department ON equipment (department_code, asset_no);
CREATE INDEX equipment_person ON equipment (person_no, asset_no);
CREATE INDEX equipment_kind_state ON equipment (kind, state, asset_no);

-- Every change to a device: who, when, why, and the line before and after (JSON).
CREATE TABLE equipment_history (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    asset_no TEXT    NOT NULL,
    action   TEXT    NOT NULL,
    reason   TEXT    NOT NULL,
    before_line TEXT,
    after_line  TEXT    NOT NULL,
    actor    TEXT    NOT NULL,
    at       TEXT    NOT NULL
);
CREATE INDEX equipment_history_asset ON equipment_history (asset_no, id);

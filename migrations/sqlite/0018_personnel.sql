-- The April personnel switch (SQLite). Keep equivalent to migrations/postgres/0018_personnel.sql.

-- A plan made from the personnel system's change file: stored only when the files had no
-- problem. The people of the file are kept so that the staff directory can follow on the
-- 発令日.
CREATE TABLE personnel_plans (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    status      TEXT    NOT NULL CHECK (status IN ('draft', 'partly_approved', 'approved', 'applying', 'done')),
    source      TEXT    NOT NULL,
    people      INTEGER NOT NULL,
    created_by  TEXT    NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE personnel_plan_people (
    plan_id         INTEGER NOT NULL REFERENCES personnel_plans (id),
    employee_no     TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    reason          TEXT    NOT NULL CHECK (reason IN ('new_hire', 'transfer', 'retirement', 'leave', 'return', 'reappointment', 'fixed_term')),
    department_code TEXT,
    department      TEXT,
    effective       TEXT NOT NULL,
    staff_updated   TEXT,
    PRIMARY KEY (plan_id, employee_no)
);

-- One change to one account. A run claims an item (approved -> applying) in its own
-- transaction before acting on it, and records the result (done / failed) in another:
-- an item left `applying` by a run that stopped is checked against the directory
-- before it is acted on again.
CREATE TABLE personnel_plan_items (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id         INTEGER NOT NULL REFERENCES personnel_plans (id),
    seq             INTEGER NOT NULL,
    employee_no     TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    department_code TEXT,
    reason          TEXT    NOT NULL CHECK (reason IN ('new_hire', 'transfer', 'retirement', 'leave', 'return', 'reappointment', 'fixed_term')),
    system          TEXT    NOT NULL CHECK (system IN ('ad_mynumber', 'ad_lgwan', 'ad_internet', 'mail', 'logochat', 'logoform', 'chatgpt', 'ai_minutes', 'documents')),
    kind            TEXT    NOT NULL CHECK (kind IN ('create', 'move_ou', 'department', 'group_add', 'group_remove', 'disable', 'enable')),
    before_value    TEXT,
    after_value     TEXT,
    detail          TEXT,
    effective       TEXT NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('proposed', 'approved', 'applying', 'done', 'failed')),
    attempts        INTEGER NOT NULL,
    error           TEXT,
    outcome         TEXT,
    updated_at      TEXT NOT NULL,
    UNIQUE (plan_id, seq)
);
CREATE INDEX personnel_plan_items_status ON personnel_plan_items (plan_id, status, seq);

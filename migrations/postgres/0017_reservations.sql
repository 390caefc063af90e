-- Loans and reservations (PostgreSQL). Keep equivalent to migrations/sqlite/0017_reservations.sql.

-- What can be reserved: one device, a pool of interchangeable ones, a kit, a resource
-- booked by the hour, or a pool of licences granted per day.
CREATE TABLE reservable_items (
    id         TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('device', 'pool', 'kit', 'time_slot', 'licence_pool')),
    quantity   BIGINT NOT NULL CHECK (quantity > 0),
    -- The longest period one reservation may take.
    max_days   BIGINT NOT NULL CHECK (max_days > 0),
    created_at TIMESTAMPTZ  NOT NULL
);

-- A reservation holds `quantity` units of an item over [starts_at, ends_at) while it is
-- pending, approved or checked out. `asked_ends_at` is the return the requester asked
-- for when it fell outside opening hours and was moved.
CREATE TABLE reservations (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id         TEXT    NOT NULL REFERENCES reservable_items (id),
    quantity        BIGINT NOT NULL CHECK (quantity > 0),
    starts_at       TIMESTAMPTZ  NOT NULL,
    ends_at         TIMESTAMPTZ  NOT NULL,
    asked_ends_at   TIMESTAMPTZ,
    requester_no    TEXT    NOT NULL,
    requester_name  TEXT    NOT NULL,
    department      TEXT    NOT NULL,
    purpose         TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled', 'checked_out', 'returned')),
    channel         TEXT    NOT NULL CHECK (channel IN ('logochat', 'widget', 'terminal', 'phone', 'counter', 'mail', 'api')),
    conversation_id BIGINT,
    -- Checkout: the asset numbers handed out (a JSON list of text), their condition, the
    -- borrower-specific settings done.
    asset_numbers   TEXT,
    condition_out   TEXT,
    settings_done   TEXT,
    checked_out_at  TIMESTAMPTZ,
    -- Return: condition, damage, minutes late.
    returned_at     TIMESTAMPTZ,
    condition_in    TEXT,
    damage          TEXT,
    late_minutes    BIGINT,
    version         BIGINT NOT NULL,
    created_at      TIMESTAMPTZ  NOT NULL,
    updated_at      TIMESTAMPTZ  NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX reservations_item_period ON reservations (item_id, ends_at, starts_at);
CREATE INDEX reservations_status ON reservations (status, ends_at);

-- Every change to a reservation, oldest first.
CREATE TABLE reservation_events (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reservation_id BIGINT NOT NULL REFERENCES reservations (id),
    action         TEXT    NOT NULL CHECK (action IN ('reserve', 'approve', 'reject', 'cancel', 'checkout', 'return', 'extend')),
    status         TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled', 'checked_out', 'returned')),
    actor          TEXT    NOT NULL,
    note           TEXT,
    at             TIMESTAMPTZ  NOT NULL
);
CREATE INDEX reservation_events_reservation ON reservation_events (reservation_id, id);

-- Reminders sent, one row per slot (`L-12 overdue 2026-12-14`): a slot is sent once,
-- however many instances look at the same time.
CREATE TABLE reservation_reminders (
    slot           TEXT    PRIMARY KEY,
    reservation_id BIGINT REFERENCES reservations (id),
    sent_at        TIMESTAMPTZ  NOT NULL
);

-- 所属 with an account in the web-meeting system (a licence is granted to it).
CREATE TABLE web_meeting_accounts (
    department    TEXT   PRIMARY KEY,
    registered_by TEXT   NOT NULL,
    registered_at TIMESTAMPTZ NOT NULL
);

-- Calendar feed tokens (the .ics URL): only a hash is kept; a revoked token stays.
CREATE TABLE calendar_feeds (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash TEXT   NOT NULL UNIQUE,
    item_id    TEXT   REFERENCES reservable_items (id),
    created_by TEXT   NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);

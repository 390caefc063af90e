-- Operator console accounts (PostgreSQL). Keep equivalent to migrations/sqlite/0003_users.sql.

-- Local sign-in accounts for the operator console. `password_hash` is an argon2id PHC
-- string (never the password); a disabled account cannot sign in but keeps its history.
CREATE TABLE users (
    login         TEXT    NOT NULL PRIMARY KEY
                  CHECK (login ~ '^[A-Za-z0-9._-]{1,64}$'),
    display_name  TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('operator', 'admin', 'viewer')),
    password_hash TEXT    NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT false,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

-- Operator console accounts (SQLite). Keep equivalent to migrations/postgres/0003_users.sql.

-- Local sign-in accounts for the operator console. `password_hash` is an argon2id PHC
-- string (never the password); a disabled account cannot sign in but keeps its history.
CREATE TABLE users (
    login         TEXT    NOT NULL PRIMARY KEY
                  CHECK (length(login) BETWEEN 1 AND 64 AND login NOT GLOB '*[^A-Za-z0-9._-]*'),
    display_name  TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('operator', 'admin', 'viewer')),
    password_hash TEXT    NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT 0,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL
);

-- Console sessions and sign-in throttling (PostgreSQL). Keep equivalent to
-- migrations/sqlite/0006_sessions.sql.

-- A signed-in browser. Only the SHA-256 of the cookie's token is stored, so a copy of
-- the database does not let anyone sign in. The CSRF token is per session.
CREATE TABLE sessions (
    token_hash   TEXT        NOT NULL PRIMARY KEY,
    login        TEXT        NOT NULL REFERENCES users (login),
    csrf_token   TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_login ON sessions (login);

-- Failed sign-ins, counted per login and per remote address over a recent window.
CREATE TABLE sign_in_failures (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login  TEXT        NOT NULL,
    remote TEXT        NOT NULL,
    at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX sign_in_failures_login ON sign_in_failures (login, at);
CREATE INDEX sign_in_failures_remote ON sign_in_failures (remote, at);

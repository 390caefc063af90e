-- Console sessions and sign-in throttling (SQLite). Keep equivalent to
-- migrations/postgres/0006_sessions.sql.

-- A signed-in browser. Only the SHA-256 of the cookie's token is stored, so a copy of
-- the database does not let anyone sign in. The CSRF token is per session.
CREATE TABLE sessions (
    token_hash   TEXT NOT NULL PRIMARY KEY,
    login        TEXT NOT NULL REFERENCES users (login),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX sessions_login ON sessions (login);

-- Failed sign-ins, counted per login and per remote address over a recent window.
CREATE TABLE sign_in_failures (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    login  TEXT NOT NULL,
    remote TEXT NOT NULL,
    at     TEXT NOT NULL
);
CREATE INDEX sign_in_failures_login ON sign_in_failures (login, at);
CREATE INDEX sign_in_failures_remote ON sign_in_failures (remote, at);

//! Console sessions (only a hash of each token is kept) and failed sign-ins.

use chrono::{DateTime, Utc};

use super::{sql, Conn, Result, Store, Tx};

/// A signed-in browser as stored (the token itself is never stored, only its hash).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SessionRecord {
    pub token_hash: String,
    pub login: String,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub async fn create(tx: &mut Tx, session: &SessionRecord) -> Result<()> {
    sql(
        "INSERT INTO sessions (token_hash, login, csrf_token, created_at, last_seen_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&session.token_hash)
    .bind(&session.login)
    .bind(&session.csrf_token)
    .bind(session.created_at)
    .bind(session.last_seen_at)
    .bind(session.expires_at)
    .execute(&mut tx.conn())
    .await?;
    Ok(())
}

pub async fn get(c: &mut Conn<'_>, token_hash: &str) -> Result<Option<SessionRecord>> {
    sql("SELECT * FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(c)
        .await
}

/// Ends one session, and every session expired by the transaction's time.
pub async fn end(tx: &mut Tx, token_hash: &str) -> Result<()> {
    let now = tx.now();
    sql("DELETE FROM sessions WHERE token_hash = $1 OR expires_at < $2")
        .bind(token_hash)
        .bind(now)
        .execute(&mut tx.conn())
        .await?;
    Ok(())
}

/// Ends every session of `login` (after a password change or when disabled).
pub async fn end_all_of(tx: &mut Tx, login: &str) -> Result<()> {
    sql("DELETE FROM sessions WHERE login = $1")
        .bind(login)
        .execute(&mut tx.conn())
        .await?;
    Ok(())
}

/// Records use of a session and moves its expiry.
pub async fn touch(tx: &mut Tx, token_hash: &str, expires_at: DateTime<Utc>) -> Result<()> {
    let now = tx.now();
    sql("UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(now)
        .bind(expires_at)
        .execute(&mut tx.conn())
        .await?;
    Ok(())
}

pub async fn record_failure(tx: &mut Tx, login: &str, remote: &str) -> Result<()> {
    let now = tx.now();
    sql("INSERT INTO sign_in_failures (login, remote, at) VALUES ($1, $2, $3)")
        .bind(login)
        .bind(remote)
        .bind(now)
        .execute(&mut tx.conn())
        .await?;
    Ok(())
}

/// Takes `login`'s and `remote`'s sign-in attempts for the rest of the transaction, so
/// attempts at once are counted one after the other. PostgreSQL: transaction-scoped
/// advisory locks (login first, then the address, always in that order); SQLite has one
/// writer already.
pub async fn lock_attempts(tx: &mut Tx, login: &str, remote: &str) -> Result<()> {
    if tx.is_postgres() {
        for key in [
            format!("sign_in:login:{login}"),
            format!("sign_in:remote:{remote}"),
        ] {
            sql("SELECT pg_advisory_xact_lock(hashtext($1)::bigint)")
                .bind(key)
                .execute(&mut tx.conn())
                .await?;
        }
    }
    Ok(())
}

/// (failures for `login`, failures from `remote`) since `since`.
pub async fn failures(
    c: &mut Conn<'_>,
    login: &str,
    remote: &str,
    since: DateTime<Utc>,
) -> Result<(i64, i64)> {
    sql(
        "SELECT (SELECT COUNT(*) FROM sign_in_failures WHERE login = $1 AND at >= $3), \
         (SELECT COUNT(*) FROM sign_in_failures WHERE remote = $2 AND at >= $3)",
    )
    .bind(login)
    .bind(remote)
    .bind(since)
    .fetch_one(c)
    .await
}

/// Forgets `login`'s failures (after a successful sign-in) and everyone's before `before`.
pub async fn clear_failures(tx: &mut Tx, login: &str, before: DateTime<Utc>) -> Result<()> {
    sql("DELETE FROM sign_in_failures WHERE login = $1 OR at < $2")
        .bind(login)
        .bind(before)
        .execute(&mut tx.conn())
        .await?;
    Ok(())
}

impl Store {
    /// The session whose token hashes to `token_hash`, expired or not.
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>> {
        get(&mut self.conn(), token_hash).await
    }
}

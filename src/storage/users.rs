//! Operator-console accounts. Passwords arrive hashed ([`HashedPassword`]); hashes leave
//! only through [`Store::user`], for signing in.

use chrono::{DateTime, Utc};

use super::{sessions, sql, Conn, Result, StorageError, Store, Tx};
use crate::domain::account::{self, HashedPassword, NewUser, StoredUser, User};
use crate::domain::Role;

/// A `users` row as stored.
#[derive(sqlx::FromRow)]
struct Row {
    login: String,
    display_name: String,
    role: Role,
    password_hash: String,
    disabled: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Row {
    fn into_stored(self) -> StoredUser {
        StoredUser {
            user: User {
                login: self.login,
                display_name: self.display_name,
                role: self.role,
                disabled: self.disabled,
                created_at: self.created_at,
                updated_at: self.updated_at,
            },
            password_hash: self.password_hash,
        }
    }
}

/// The account `login` with its password hash, disabled or not.
pub async fn get(c: &mut Conn<'_>, login: &str) -> Result<Option<StoredUser>> {
    let row: Option<Row> = sql("SELECT * FROM users WHERE login = $1")
        .bind(login)
        .fetch_optional(c)
        .await?;
    Ok(row.map(Row::into_stored))
}

/// Creates an account, enabled, inside `tx`. A login already taken, an invalid login or a
/// blank display name is [`StorageError::Invalid`] and nothing is written.
pub async fn create(tx: &mut Tx, user: &NewUser) -> Result<()> {
    account::validate_login(&user.login)
        .and_then(|()| account::validate_display_name(&user.display_name))
        .map_err(|e| StorageError::Invalid(e.to_string()))?;
    let now = tx.now();
    // One statement: a login already taken is left alone and reported.
    let done = sql(
        "INSERT INTO users (login, display_name, role, password_hash, disabled, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (login) DO NOTHING",
    )
    .bind(&user.login)
    .bind(&user.display_name)
    .bind(user.role)
    .bind(user.password.as_str())
    .bind(false)
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    if done == 0 {
        return Err(StorageError::Invalid(format!(
            "a user with login {:?} already exists",
            user.login
        )));
    }
    Ok(())
}

/// Replaces an account's password and ends its console sessions; `false` when there is
/// no such account.
pub async fn set_password(tx: &mut Tx, login: &str, password: &HashedPassword) -> Result<bool> {
    let now = tx.now();
    let changed = sql("UPDATE users SET password_hash = $2, updated_at = $3 WHERE login = $1")
        .bind(login)
        .bind(password.as_str())
        .bind(now)
        .execute(&mut tx.conn())
        .await?;
    sessions::end_all_of(tx, login).await?;
    Ok(changed == 1)
}

/// Disables (or enables again) an account; disabling ends its console sessions. `false`
/// when there is no such account.
pub async fn set_disabled(tx: &mut Tx, login: &str, disabled: bool) -> Result<bool> {
    let now = tx.now();
    let changed = sql("UPDATE users SET disabled = $2, updated_at = $3 WHERE login = $1")
        .bind(login)
        .bind(disabled)
        .bind(now)
        .execute(&mut tx.conn())
        .await?;
    if disabled {
        sessions::end_all_of(tx, login).await?;
    }
    Ok(changed == 1)
}

impl Store {
    /// Creates an account, enabled (see [`create`]).
    pub async fn create_user(&self, user: &NewUser) -> Result<()> {
        let mut tx = self.begin().await?;
        create(&mut tx, user).await?;
        tx.commit().await
    }

    /// The account `login` with its password hash, disabled or not.
    pub async fn user(&self, login: &str) -> Result<Option<StoredUser>> {
        get(&mut self.conn(), login).await
    }

    /// Every account, ordered by login; no hashes.
    pub async fn users(&self) -> Result<Vec<User>> {
        let rows: Vec<Row> = sql("SELECT * FROM users")
            .fetch_all(&mut self.conn())
            .await?;
        let mut users: Vec<User> = rows.into_iter().map(|r| r.into_stored().user).collect();
        // Sorted here: byte order on both backends, whatever PostgreSQL's locale.
        users.sort_by(|a, b| a.login.cmp(&b.login));
        Ok(users)
    }

    /// Replaces an account's password and ends its console sessions.
    pub async fn set_user_password(&self, login: &str, password: &HashedPassword) -> Result<bool> {
        let mut tx = self.begin().await?;
        let changed = set_password(&mut tx, login, password).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// Disables (or enables again) an account.
    pub async fn set_user_disabled(&self, login: &str, disabled: bool) -> Result<bool> {
        let mut tx = self.begin().await?;
        let changed = set_disabled(&mut tx, login, disabled).await?;
        tx.commit().await?;
        Ok(changed)
    }
}

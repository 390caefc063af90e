//! Operator-console accounts: login names, the password policy and password hashing.
//!
//! Passwords are hashed with argon2id (the `argon2` crate's default parameters and a
//! random salt) into a PHC string; only that string is stored. Hashing and verifying take
//! tens of milliseconds on purpose: async code calls [`hash_password_async`] and
//! [`verify_password_async`], which run on the blocking thread pool.

use std::fmt;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Utc};
use serde::Serialize;

pub use super::role::Role;

/// The fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The most characters a password may have (hashing time grows with the length).
pub const MAX_PASSWORD_CHARS: usize = 1024;
/// The most characters a login may have.
pub const MAX_LOGIN_CHARS: usize = 64;
/// The most characters a display name may have.
pub const MAX_DISPLAY_NAME_CHARS: usize = 100;

/// Why an account could not be created or changed. Messages never repeat a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error(
        "invalid login {0:?}: use 1 to {MAX_LOGIN_CHARS} characters of A-Z, a-z, 0-9, '.', '_' and '-'"
    )]
    InvalidLogin(String),
    #[error("invalid display name: {0}")]
    InvalidDisplayName(&'static str),
    #[error("unknown role {0:?}: use operator, admin or viewer")]
    UnknownRole(String),
    #[error("password refused: {0}")]
    WeakPassword(String),
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

/// Checks a login: 1 to 64 characters of `[A-Za-z0-9._-]`.
pub fn validate_login(login: &str) -> Result<(), AccountError> {
    let ok = !login.is_empty()
        && login.len() <= MAX_LOGIN_CHARS
        && login
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(AccountError::InvalidLogin(login.to_owned()))
    }
}

/// Checks a display name: not blank, at most 100 characters, no control characters.
pub fn validate_display_name(name: &str) -> Result<(), AccountError> {
    if name.trim().is_empty() {
        Err(AccountError::InvalidDisplayName("it is empty"))
    } else if name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        Err(AccountError::InvalidDisplayName(
            "it is longer than 100 characters",
        ))
    } else if name.chars().any(char::is_control) {
        Err(AccountError::InvalidDisplayName(
            "it contains control characters",
        ))
    } else {
        Ok(())
    }
}

/// The password policy: at least 12 characters (and at most 1024), not only whitespace.
pub fn check_password_policy(password: &str) -> Result<(), AccountError> {
    let chars = password.chars().count();
    if password.trim().is_empty() {
        Err(AccountError::WeakPassword(
            "the password is empty or only whitespace".into(),
        ))
    } else if chars < MIN_PASSWORD_CHARS {
        Err(AccountError::WeakPassword(format!(
            "the password has {chars} characters; it needs at least {MIN_PASSWORD_CHARS}"
        )))
    } else if chars > MAX_PASSWORD_CHARS {
        Err(AccountError::WeakPassword(format!(
            "the password is longer than {MAX_PASSWORD_CHARS} characters"
        )))
    } else {
        Ok(())
    }
}

/// A password that passed the policy, hashed (argon2id PHC string). The only way to
/// store a password; `Debug` never shows the hash.
#[derive(Clone, PartialEq, Eq)]
pub struct HashedPassword(String);

impl HashedPassword {
    /// Checks `password` against the policy and hashes it. Blocks for tens of
    /// milliseconds: from async code use [`hash_password_async`].
    pub fn new(password: &str) -> Result<HashedPassword, AccountError> {
        check_password_policy(password)?;
        let salt = SaltString::generate(&mut OsRng);
        let hash = Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| AccountError::Hashing(e.to_string()))?;
        Ok(HashedPassword(hash.to_string()))
    }

    /// The PHC string (`$argon2id$v=19$...`), for storage.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for HashedPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HashedPassword(secret)")
    }
}

/// [`HashedPassword::new`] on the blocking thread pool, for async code.
pub async fn hash_password_async(password: String) -> Result<HashedPassword, AccountError> {
    tokio::task::spawn_blocking(move || HashedPassword::new(&password))
        .await
        .map_err(|e| AccountError::Hashing(e.to_string()))?
}

/// Whether `password` matches the PHC string `hash`. The comparison is constant-time (the
/// crate's verifier); an unreadable hash matches nothing. Blocks for tens of milliseconds:
/// from async code use [`verify_password_async`].
pub fn verify_password(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// [`verify_password`] on the blocking thread pool, for async code.
pub async fn verify_password_async(hash: String, password: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&hash, &password))
        .await
        .unwrap_or(false)
}

/// An account to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub password: HashedPassword,
}

/// An account as the console and `madoguchi user list` show it: never the hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An account with its stored password hash, for signing in. `Debug` hides the hash.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredUser {
    pub user: User,
    /// The argon2id PHC string; check a password with [`StoredUser::verify`].
    pub password_hash: String,
}

impl StoredUser {
    /// Whether `password` is this account's password (disabled or not: the caller decides).
    pub fn verify(&self, password: &str) -> bool {
        verify_password(&self.password_hash, password)
    }
}

impl fmt::Debug for StoredUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredUser")
            .field("user", &self.user)
            .field("password_hash", &"(secret)")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TextEnum;

    const GOOD: &str = "correct horse battery";

    #[test]
    fn a_hash_is_argon2id_salted_and_verifies_only_its_password() {
        let a = HashedPassword::new(GOOD).unwrap();
        let b = HashedPassword::new(GOOD).unwrap();
        assert!(a.as_str().starts_with("$argon2id$v=19$"), "{}", a.as_str());
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify_password(a.as_str(), GOOD));
        assert!(verify_password(b.as_str(), GOOD));
        assert!(!verify_password(a.as_str(), "correct horse batterY"));
        assert!(!verify_password(a.as_str(), ""));
    }

    #[test]
    fn an_unreadable_hash_matches_nothing() {
        assert!(!verify_password("", GOOD));
        assert!(!verify_password("plain text", GOOD));
        assert!(!verify_password(GOOD, GOOD));
    }

    #[test]
    fn the_policy_wants_twelve_characters_and_not_only_whitespace() {
        assert!(check_password_policy("abcdefghijkl").is_ok());
        // Characters, not bytes: 12 kana pass, 11 do not.
        assert!(check_password_policy("あいうえおかきくけこさし").is_ok());
        let short = check_password_policy("あいうえおかきくけこさ").unwrap_err();
        assert!(short.to_string().contains("at least 12"), "{short}");
        assert!(matches!(
            check_password_policy(""),
            Err(AccountError::WeakPassword(_))
        ));
        let blank = check_password_policy("              ").unwrap_err();
        assert!(blank.to_string().contains("whitespace"), "{blank}");
        assert!(check_password_policy(&"x".repeat(MAX_PASSWORD_CHARS + 1)).is_err());
        assert!(HashedPassword::new("short").is_err());
    }

    #[test]
    fn errors_and_debug_output_never_show_the_password_or_hash() {
        let err = check_password_policy("hunter2").unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
        let hash = HashedPassword::new(GOOD).unwrap();
        assert!(!format!("{hash:?}").contains("argon2"));
        let stored = StoredUser {
            user: User {
                login: "yamada".into(),
                display_name: "山田 太郎".into(),
                role: Role::Operator,
                disabled: false,
                created_at: chrono::DateTime::UNIX_EPOCH,
                updated_at: chrono::DateTime::UNIX_EPOCH,
            },
            password_hash: hash.as_str().to_owned(),
        };
        assert!(!format!("{stored:?}").contains("argon2"));
        let json = serde_json::to_string(&stored.user).unwrap();
        assert!(!json.contains("argon2") && json.contains(r#""role":"operator""#));
        assert!(stored.verify(GOOD));
    }

    #[test]
    fn logins_are_short_plain_ascii() {
        for ok in ["yamada", "t.yamada", "ict_01", "a-b", "A", &"a".repeat(64)] {
            assert!(validate_login(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "山田",
            "yamada taro",
            "a/b",
            "a@b",
            "a\n",
            &"a".repeat(65),
        ] {
            assert!(
                matches!(validate_login(bad), Err(AccountError::InvalidLogin(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn display_names_are_not_blank() {
        assert!(validate_display_name("山田 太郎").is_ok());
        assert!(validate_display_name("  ").is_err());
        assert!(validate_display_name("a\tb").is_err());
        assert!(validate_display_name(&"名".repeat(101)).is_err());
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(*role));
            assert_eq!(role.as_str().parse::<Role>(), Ok(*role));
        }
        assert!(Role::parse("Admin").is_err());
        assert!(Role::parse("root").is_err());
    }

    #[tokio::test]
    async fn async_hashing_runs_off_the_executor_and_agrees() {
        let hash = hash_password_async(GOOD.to_owned()).await.unwrap();
        assert!(verify_password_async(hash.as_str().to_owned(), GOOD.to_owned()).await);
        assert!(!verify_password_async(hash.as_str().to_owned(), "nope".to_owned()).await);
    }
}

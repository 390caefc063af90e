//! Signing in to the operator console: sessions, their expiry, CSRF tokens and the
//! throttle on repeated failures.
//!
//! The browser holds a random 256-bit token in an HttpOnly cookie; the database holds only
//! its SHA-256, so a copy of the database signs no one in. Each session has its own CSRF
//! token, which every form carries. After [`MAX_FAILURES_PER_LOGIN`] failed sign-ins for one
//! login (or [`MAX_FAILURES_PER_REMOTE`] from one address) within [`FAILURE_WINDOW_MINUTES`],
//! sign-in is refused without checking the password until the window has passed.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::{verify_password_async, Accounts, BindOutcome, Role, StoredUser, User};
use crate::storage::{audit, sessions, AuditEntry, SessionRecord};

pub const FAILURE_WINDOW_MINUTES: i64 = 15;
pub const MAX_FAILURES_PER_LOGIN: i64 = 5;
pub const MAX_FAILURES_PER_REMOTE: i64 = 20;

/// Sessions are touched (expiry moved) at most this often, not on every request.
const TOUCH_EVERY_SECS: i64 = 60;

/// A verified session: who is signed in and the token their forms must carry.
#[derive(Clone)]
pub struct SignedIn {
    pub user: User,
    pub csrf_token: String,
    pub(crate) token_hash: String,
}

/// The user only: a printed session must not carry what signs in or posts as them.
impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl SignedIn {
    pub fn login(&self) -> &str {
        &self.user.login
    }

    /// Operators and admins work tickets; viewers only read.
    pub fn can_work_tickets(&self) -> bool {
        self.user.role.works_tickets()
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    /// Whether `given` is this session's CSRF token (constant time).
    pub fn csrf_matches(&self, given: &str) -> bool {
        use subtle::ConstantTimeEq;
        !given.is_empty() && bool::from(given.as_bytes().ct_eq(self.csrf_token.as_bytes()))
    }
}

/// A new session: the cookie's value (shown once, never stored) and who it is.
#[derive(Clone)]
pub struct NewSession {
    pub token: String,
    pub signed_in: SignedIn,
}

impl std::fmt::Debug for NewSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSession")
            .field("signed_in", &self.signed_in)
            .finish_non_exhaustive()
    }
}

/// Why sign-in was refused. The message never says whether the login exists.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("ログインIDまたはパスワードが違います。")]
    Refused,
    #[error("失敗が続いたため、しばらくサインインできません。{minutes}分ほど待ってから、もう一度お試しください。")]
    Throttled { minutes: i64 },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// A random 256-bit value as 64 hex digits.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    hex::encode(bytes)
}

/// How a cookie token is stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A hash that no password matches (of a random value, made once, with the same
/// parameters as real ones), verified against when the login does not exist, so that
/// answering takes as long as for a real account.
static NO_SUCH_ACCOUNT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    super::HashedPassword::new(&random_token())
        .expect("a 64-character password passes the policy")
        .as_str()
        .to_owned()
});

impl Accounts {
    /// Signs `login` in with `password`, from `remote` (the client's address). Every
    /// outcome is written to the audit log, in the transaction of what it records.
    pub async fn sign_in(
        &self,
        login: &str,
        password: &str,
        remote: &str,
    ) -> Result<NewSession, SignInError> {
        self.sign_in_replacing(login, password, remote, None).await
    }

    /// [`Accounts::sign_in`] from a browser that still carries the cookie `replaced` of an
    /// earlier session: that session ends in the same transaction as the new one begins,
    /// so signing in again leaves no second valid session behind.
    pub async fn sign_in_replacing(
        &self,
        login: &str,
        password: &str,
        remote: &str,
        replaced: Option<&str>,
    ) -> Result<NewSession, SignInError> {
        let now = self.store.now();
        let login = login.trim();
        let window_start = now - Duration::minutes(FAILURE_WINDOW_MINUTES);
        let audit_line = |action: &str| AuditEntry::new(login, action, "user", login);
        // Counted, and recorded as a failure until the password proves right, before the
        // password is checked, in one transaction under the login's and the address's
        // lock: attempts sent at once each see the ones before them, so a burst of
        // guesses is not all checked while the count still reads low.
        let mut tx = self.store.begin().await.map_err(anyhow::Error::from)?;
        sessions::lock_attempts(&mut tx, login, remote)
            .await
            .map_err(anyhow::Error::from)?;
        let (by_login, by_remote) = sessions::failures(&mut tx.conn(), login, remote, window_start)
            .await
            .map_err(anyhow::Error::from)?;
        if by_login >= MAX_FAILURES_PER_LOGIN || by_remote >= MAX_FAILURES_PER_REMOTE {
            audit::append(&mut tx, &audit_line("session.throttled"))
                .await
                .map_err(anyhow::Error::from)?;
            tx.commit().await.map_err(anyhow::Error::from)?;
            return Err(SignInError::Throttled {
                minutes: FAILURE_WINDOW_MINUTES,
            });
        }
        sessions::record_failure(&mut tx, login, remote)
            .await
            .map_err(anyhow::Error::from)?;
        tx.commit().await.map_err(anyhow::Error::from)?;
        let account = self.store.user(login).await.map_err(anyhow::Error::from)?;
        let way = self.check_password(account.as_ref(), login, password).await;
        let mut tx = self.store.begin().await.map_err(anyhow::Error::from)?;
        let (account, way) = match (account, way) {
            (Some(a), Some(way)) if !a.user.disabled => (a, way),
            _ => {
                audit::append(&mut tx, &audit_line("session.refused"))
                    .await
                    .map_err(anyhow::Error::from)?;
                tx.commit().await.map_err(anyhow::Error::from)?;
                return Err(SignInError::Refused);
            }
        };
        sessions::clear_failures(&mut tx, login, window_start)
            .await
            .map_err(anyhow::Error::from)?;
        if let Some(old) = replaced.filter(|t| t.len() == 64) {
            sessions::end(&mut tx, &token_hash(old))
                .await
                .map_err(anyhow::Error::from)?;
        }
        let token = random_token();
        let record = SessionRecord {
            token_hash: token_hash(&token),
            login: account.user.login.clone(),
            csrf_token: random_token(),
            created_at: now,
            last_seen_at: now,
            expires_at: self.session_expiry(now, now),
        };
        sessions::create(&mut tx, &record)
            .await
            .map_err(anyhow::Error::from)?;
        audit::append(&mut tx, &audit_line("session.sign_in").detail(way))
            .await
            .map_err(anyhow::Error::from)?;
        tx.commit().await.map_err(anyhow::Error::from)?;
        Ok(NewSession {
            token,
            signed_in: SignedIn {
                user: account.user,
                csrf_token: record.csrf_token,
                token_hash: record.token_hash,
            },
        })
    }

    /// Which way `password` is right for `account`: `"ldap"` when the directory accepts
    /// it (only for an enabled local account, never with an empty password), else
    /// `"local"` when it matches the local hash; `None` when neither. A directory that
    /// refuses the password or cannot be reached leaves the local hash (an admin's
    /// break-glass password) to decide.
    async fn check_password(
        &self,
        account: Option<&StoredUser>,
        login: &str,
        password: &str,
    ) -> Option<&'static str> {
        let bindable = account.is_some_and(|a| !a.user.disabled)
            && !password.is_empty()
            && super::validate_login(login).is_ok();
        if self.directory.enabled() && bindable {
            match self.directory.bind(login, password).await {
                BindOutcome::Accepted => return Some("ldap"),
                BindOutcome::Refused => {}
                BindOutcome::Unavailable(reason) => {
                    // Not the login: a list of who tried to sign in when is personal
                    // information, and while the directory is down it would hold everyone.
                    tracing::warn!(%reason, "LDAP sign-in: directory unavailable, trying the local password");
                }
            }
        }
        let hash = account.map_or_else(|| NO_SUCH_ACCOUNT.clone(), |a| a.password_hash.clone());
        verify_password_async(hash, password.to_owned())
            .await
            .then_some("local")
    }

    /// The session a cookie token names, if it is still valid and its account enabled.
    /// Use moves the idle expiry (at most once a minute).
    pub async fn session(&self, token: &str) -> anyhow::Result<Option<SignedIn>> {
        if token.len() != 64 {
            return Ok(None);
        }
        let now = self.store.now();
        let hash = token_hash(token);
        let Some(record) = self.store.session(&hash).await? else {
            return Ok(None);
        };
        if record.expires_at <= now {
            let mut tx = self.store.begin().await?;
            sessions::end(&mut tx, &hash).await?;
            tx.commit().await?;
            return Ok(None);
        }
        let Some(account) = self.store.user(&record.login).await? else {
            return Ok(None);
        };
        if account.user.disabled {
            return Ok(None);
        }
        if (now - record.last_seen_at).num_seconds() >= TOUCH_EVERY_SECS {
            let expires = self.session_expiry(record.created_at, now);
            let mut tx = self.store.begin().await?;
            sessions::touch(&mut tx, &hash, expires).await?;
            tx.commit().await?;
        }
        Ok(Some(SignedIn {
            user: account.user,
            csrf_token: record.csrf_token,
            token_hash: hash,
        }))
    }

    /// Ends the session.
    pub async fn sign_out(&self, session: &SignedIn) -> anyhow::Result<()> {
        let mut tx = self.store.begin().await?;
        sessions::end(&mut tx, &session.token_hash).await?;
        let login = session.login();
        audit::append(
            &mut tx,
            &AuditEntry::new(login, "session.sign_out", "user", login),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Idle expiry from `now`, but never past the session's maximum age.
    fn session_expiry(&self, created: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
        let console = self.console;
        let idle = now + Duration::minutes(i64::from(console.session_idle_minutes));
        let max = created + Duration::hours(i64::from(console.session_max_hours));
        idle.min(max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_is_a_valid_argon2id_hash_that_matches_nothing() {
        assert!(argon2::PasswordHash::new(&NO_SUCH_ACCOUNT).is_ok());
        assert!(!crate::accounts::verify_password(&NO_SUCH_ACCOUNT, ""));
        assert!(!crate::accounts::verify_password(
            &NO_SUCH_ACCOUNT,
            "correct horse battery"
        ));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let a = random_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_token());
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
    }

    #[test]
    fn a_printed_session_shows_who_and_never_its_tokens() {
        let now: DateTime<Utc> = "2026-12-07T09:00:00Z".parse().unwrap();
        let session = NewSession {
            token: "cookie-token-1".into(),
            signed_in: SignedIn {
                user: User {
                    login: "sato".into(),
                    display_name: "佐藤".into(),
                    role: Role::Operator,
                    disabled: false,
                    created_at: now,
                    updated_at: now,
                },
                csrf_token: "csrf-token-2".into(),
                token_hash: "hash-3".into(),
            },
        };
        let printed = format!("{session:?}");
        assert!(printed.contains("sato"), "{printed}");
        for secret in ["cookie-token-1", "csrf-token-2", "hash-3"] {
            assert!(!printed.contains(secret), "{printed}");
        }
    }
}

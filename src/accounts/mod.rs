//! The operator console's accounts as a service: signing in (sessions, CSRF tokens, the
//! throttle on failures, the optional directory bind) and the changes admins make.
//! The rules for logins, passwords and roles are in [`crate::domain::account`].

mod audit_log;
mod manage;
mod sessions;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub use self::manage::ManageError;
pub use self::sessions::{
    random_token, token_hash, NewSession, SignInError, SignedIn, FAILURE_WINDOW_MINUTES,
    MAX_FAILURES_PER_LOGIN, MAX_FAILURES_PER_REMOTE,
};
pub use crate::domain::account::*;

use crate::config::ConsoleSettings;
use crate::storage::Store;

/// What the directory said to one bind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindOutcome {
    /// The directory accepts the password.
    Accepted,
    /// Wrong password or no such entry.
    Refused,
    /// Not reached, timed out, or another answer: the reason (never the password).
    Unavailable(String),
}

/// A directory that can check a console password (the city's LDAP, see
/// `src/adapters/ldap.rs`). Roles stay local: it is asked only for enabled local accounts.
pub trait PasswordDirectory: Send + Sync {
    fn enabled(&self) -> bool;
    /// One bind as `login` with `password` (never empty: the caller refuses that).
    fn bind<'a>(
        &'a self,
        login: &'a str,
        password: &'a str,
    ) -> Pin<Box<dyn Future<Output = BindOutcome> + Send + 'a>>;
}

/// No directory: local passwords only.
pub struct NoDirectory;

impl PasswordDirectory for NoDirectory {
    fn enabled(&self) -> bool {
        false
    }

    fn bind<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
    ) -> Pin<Box<dyn Future<Output = BindOutcome> + Send + 'a>> {
        Box::pin(async { BindOutcome::Unavailable("no directory configured".into()) })
    }
}

/// The account service.
pub struct Accounts {
    store: Store,
    console: ConsoleSettings,
    directory: Arc<dyn PasswordDirectory>,
}

impl Accounts {
    pub fn new(
        store: Store,
        console: ConsoleSettings,
        directory: Arc<dyn PasswordDirectory>,
    ) -> Self {
        Self {
            store,
            console,
            directory,
        }
    }

    /// Every account, ordered by login.
    pub async fn list(&self) -> Result<Vec<User>, crate::storage::StorageError> {
        self.store.users().await
    }

    /// The account `login`, without its hash.
    pub async fn get(&self, login: &str) -> Result<Option<User>, crate::storage::StorageError> {
        Ok(self.store.user(login).await?.map(|u| u.user))
    }
}

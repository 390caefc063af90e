//! The optional LDAP bind against the city's directory for console sign-in (contract:
//! integrations/ldap/README.md).
//!
//! One simple bind, with the DN built from the `[ldap] bind_dn` template and the login
//! escaped per RFC 4514; nothing is searched, read or written. Roles stay local: the
//! caller binds only for an enabled local account.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use ldap3::{LdapConnAsync, LdapConnSettings};

use crate::accounts::{BindOutcome, PasswordDirectory};
use crate::config::LdapSettings;

/// LDAP's result code for a refused password (RFC 4511 `invalidCredentials`).
pub const INVALID_CREDENTIALS: u32 = 49;

/// The city's directory, as `[ldap]` names it.
pub struct LdapDirectory {
    settings: LdapSettings,
}

impl LdapDirectory {
    pub fn new(settings: LdapSettings) -> Self {
        Self { settings }
    }
}

impl PasswordDirectory for LdapDirectory {
    fn enabled(&self) -> bool {
        self.settings.enabled()
    }

    fn bind<'a>(
        &'a self,
        login: &'a str,
        password: &'a str,
    ) -> Pin<Box<dyn Future<Output = BindOutcome> + Send + 'a>> {
        Box::pin(bind(&self.settings, login, password))
    }
}

/// One simple bind as `login` with `password`, then unbind. The password must not be
/// empty (an empty simple bind is an anonymous bind that succeeds): the caller refuses it.
pub async fn bind(settings: &LdapSettings, login: &str, password: &str) -> BindOutcome {
    debug_assert!(!password.is_empty());
    let (Some(url), Some(dn)) = (settings.url.as_deref(), settings.dn_for(login)) else {
        return BindOutcome::Unavailable("LDAP is not configured".into());
    };
    let timeout = Duration::from_secs(settings.timeout_secs);
    match tokio::time::timeout(timeout, bind_once(settings, url, &dn, password)).await {
        Ok(outcome) => outcome,
        Err(_) => BindOutcome::Unavailable(format!("no answer within {}s", settings.timeout_secs)),
    }
}

async fn bind_once(settings: &LdapSettings, url: &str, dn: &str, password: &str) -> BindOutcome {
    let conn_settings = LdapConnSettings::new()
        .set_conn_timeout(Duration::from_secs(settings.timeout_secs))
        .set_starttls(settings.starttls);
    let (conn, mut ldap) = match LdapConnAsync::with_settings(conn_settings, url).await {
        Ok(pair) => pair,
        Err(e) => return BindOutcome::Unavailable(format!("connecting: {e}")),
    };
    let driver = tokio::spawn(async move {
        let _ = conn.drive().await;
    });
    let outcome = match ldap.simple_bind(dn, password).await {
        Ok(result) if result.rc == 0 => BindOutcome::Accepted,
        Ok(result) if result.rc == INVALID_CREDENTIALS => BindOutcome::Refused,
        Ok(result) => BindOutcome::Unavailable(format!("bind result {}", result.rc)),
        Err(e) => BindOutcome::Unavailable(format!("binding: {e}")),
    };
    let _ = ldap.unbind().await;
    driver.abort();
    outcome
}

//! `[notify]` settings: where operators hear of a new escalation. Everything is off by
//! default; each way of notifying turns on with its own setting, and is checked at start.
//!
//! | setting | TOML | environment |
//! | --- | --- | --- |
//! | console address for links | `[notify] console_base_url` | `MADOGUCHI_NOTIFY_CONSOLE_BASE_URL` |
//! | operators' LoGo room (turns room notices on) | `[notify] logochat_room` | `MADOGUCHI_NOTIFY_LOGOCHAT_ROOM` |
//! | URL for room notices | `[notify] logochat_url` | `MADOGUCHI_NOTIFY_LOGOCHAT_URL` (default: `[logochat] outgoing_url`) |
//! | mail server (turns e-mail on) | `[notify.smtp] host` | `MADOGUCHI_NOTIFY_SMTP_HOST` |
//! | port | `[notify.smtp] port` | `MADOGUCHI_NOTIFY_SMTP_PORT` (default 25) |
//! | sign-in | `[notify.smtp] username`, `password` | `MADOGUCHI_NOTIFY_SMTP_USERNAME`, `MADOGUCHI_NOTIFY_SMTP_PASSWORD` |
//! | sender | `[notify.smtp] from` | `MADOGUCHI_NOTIFY_SMTP_FROM` |
//! | recipients | `[notify.smtp] to` (a list) | `MADOGUCHI_NOTIFY_SMTP_TO` (comma-separated) |
//! | STARTTLS required | `[notify.smtp] require_starttls` | `MADOGUCHI_NOTIFY_SMTP_REQUIRE_STARTTLS` (`true`/`false`) |

use lettre::message::Mailbox;
use serde::Deserialize;

use super::{ConfigError, LogoChatSettings, Secret};

/// Notices of new escalations to the operators.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifySettings {
    /// The console's address as operators reach it (`https://madoguchi.example.lg.jp`):
    /// notices link to `{console_base_url}/operator/tickets/{id}`.
    pub console_base_url: Option<String>,
    /// The operators' LoGoチャット room id; room notices are off without it.
    pub logochat_room: Option<String>,
    /// Where room notices are POSTed, when not the LoGo outgoing URL.
    pub logochat_url: Option<String>,
    pub smtp: SmtpSettings,
}

/// The mail server notices are sent through; e-mail is off without a host.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: Option<String>,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// The sender, `窓口 <helpdesk@example.lg.jp>` or a bare address.
    pub from: Option<String>,
    /// The operators' addresses.
    pub to: Vec<String>,
    /// Refuse to send unless the server offers STARTTLS (certificates checked against
    /// the system's CA store). Off: plain SMTP, as to a relay inside the LGWAN.
    pub require_starttls: bool,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        Self {
            host: None,
            port: 25,
            username: None,
            password: None,
            from: None,
            to: Vec::new(),
            require_starttls: false,
        }
    }
}

impl NotifySettings {
    /// Whether operators' room notices are on.
    pub fn room_notices(&self) -> bool {
        self.logochat_room.is_some()
    }

    /// Whether e-mail notices are on.
    pub fn mail_notices(&self) -> bool {
        self.smtp.host.is_some()
    }

    /// The link to ticket `id` in the console.
    pub fn ticket_link(&self, id: i64) -> String {
        let base = self.console_base_url.as_deref().unwrap_or_default();
        format!("{}/operator/tickets/{id}", base.trim_end_matches('/'))
    }

    /// Applies the `MADOGUCHI_NOTIFY_*` variables (an empty one is ignored).
    pub(crate) fn apply_env(
        &mut self,
        env: &impl Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        if let Some(v) = var("MADOGUCHI_NOTIFY_CONSOLE_BASE_URL") {
            self.console_base_url = Some(v);
        }
        if let Some(v) = var("MADOGUCHI_NOTIFY_LOGOCHAT_ROOM") {
            self.logochat_room = Some(v);
        }
        if let Some(v) = var("MADOGUCHI_NOTIFY_LOGOCHAT_URL") {
            self.logochat_url = Some(v);
        }
        let smtp = &mut self.smtp;
        if let Some(v) = var("MADOGUCHI_NOTIFY_SMTP_HOST") {
            smtp.host = Some(v);
        }
        if let Some(v) = var("MADOGUCHI_NOTIFY_SMTP_PORT") {
            smtp.port = v.trim().parse().map_err(|_| {
                ConfigError::Env("MADOGUCHI_NOTIFY_SMTP_PORT", format!("not a port: {v:?}"))
            })?;
        }
        if let Some(v) = var("MADOGUCHI_NOTIFY_SMTP_USERNAME") {
            smtp.username = Some(v);
        }
        if let Some(v) = var("MADOGUCHI_NOTIFY_SMTP_PASSWORD") {
            smtp.password = Some(Secret(v));
        }
        if let Some(v) = var("MADOGUCHI_NOTIFY_SMTP_FROM") {
            smtp.from = Some(v);
        }
        if let Some(v) = var("MADOGUCHI_NOTIFY_SMTP_TO") {
            smtp.to = v.split(',').map(|a| a.trim().to_owned()).collect();
        }
        if let Some(v) = var("MADOGUCHI_NOTIFY_SMTP_REQUIRE_STARTTLS") {
            smtp.require_starttls = match v.trim() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                _ => {
                    return Err(ConfigError::Env(
                        "MADOGUCHI_NOTIFY_SMTP_REQUIRE_STARTTLS",
                        format!("not true or false: {v:?}"),
                    ))
                }
            };
        }
        Ok(())
    }

    /// Checks that each way of notifying that is on can work. The error names the setting.
    pub(crate) fn validate(&self, logochat: &LogoChatSettings) -> Result<(), ConfigError> {
        let bad = |setting: &'static str, why: String| Err(ConfigError::Setting(setting, why));
        if let Some(url) = &self.console_base_url {
            if !is_http_url(url) {
                // Not the URL itself: it may carry credentials.
                return bad(CONSOLE, "not an http(s) URL".into());
            }
        } else if self.room_notices() || self.mail_notices() {
            return bad(CONSOLE, "needed for the link in notices".into());
        }
        if let Some(url) = &self.logochat_url {
            if !is_http_url(url) {
                return bad(ROOM_URL, "not an http(s) URL".into());
            }
        }
        if let Some(room) = &self.logochat_room {
            if room.trim().is_empty() {
                return bad(ROOM, "empty room id".into());
            }
            if self.logochat_url.is_none() && logochat.outgoing_url.is_none() {
                return bad(
                    ROOM_URL,
                    "room notices need it or [logochat] outgoing_url \
                     (MADOGUCHI_LOGOCHAT_OUTGOING_URL)"
                        .into(),
                );
            }
        }
        if self.mail_notices() {
            self.smtp.validate()?;
        }
        Ok(())
    }
}

impl SmtpSettings {
    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |setting: &'static str, why: String| Err(ConfigError::Setting(setting, why));
        let host = self.host.as_deref().unwrap_or_default();
        if host.trim().is_empty() || host.contains(['/', ':', ' ']) {
            return bad(SMTP_HOST, format!("not a host name: {host:?}"));
        }
        if self.port == 0 {
            return bad(SMTP_PORT, "port 0".into());
        }
        if self.username.is_some() != self.password.is_some() {
            return bad(SMTP_AUTH, "give both, or neither".into());
        }
        match &self.from {
            None => return bad(SMTP_FROM, "needed to send e-mail".into()),
            Some(from) => {
                if let Err(e) = from.parse::<Mailbox>() {
                    return bad(SMTP_FROM, format!("not an e-mail address: {from:?} ({e})"));
                }
            }
        }
        if self.to.is_empty() {
            return bad(SMTP_TO, "no recipients".into());
        }
        for to in &self.to {
            if let Err(e) = to.parse::<Mailbox>() {
                return bad(SMTP_TO, format!("not an e-mail address: {to:?} ({e})"));
            }
        }
        Ok(())
    }
}

const CONSOLE: &str = "[notify] console_base_url (MADOGUCHI_NOTIFY_CONSOLE_BASE_URL)";
const ROOM: &str = "[notify] logochat_room (MADOGUCHI_NOTIFY_LOGOCHAT_ROOM)";
const ROOM_URL: &str = "[notify] logochat_url (MADOGUCHI_NOTIFY_LOGOCHAT_URL)";
const SMTP_HOST: &str = "[notify.smtp] host (MADOGUCHI_NOTIFY_SMTP_HOST)";
const SMTP_PORT: &str = "[notify.smtp] port (MADOGUCHI_NOTIFY_SMTP_PORT)";
const SMTP_AUTH: &str = "[notify.smtp] username and password \
                         (MADOGUCHI_NOTIFY_SMTP_USERNAME, MADOGUCHI_NOTIFY_SMTP_PASSWORD)";
const SMTP_FROM: &str = "[notify.smtp] from (MADOGUCHI_NOTIFY_SMTP_FROM)";
const SMTP_TO: &str = "[notify.smtp] to (MADOGUCHI_NOTIFY_SMTP_TO)";

fn is_http_url(url: &str) -> bool {
    (url.starts_with("http://") || url.starts_with("https://"))
        && !url.contains(char::is_whitespace)
}

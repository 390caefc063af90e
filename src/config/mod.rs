//! Settings: defaults, then a TOML file, then environment variables.
//!
//! | setting | TOML key | environment | default |
//! | --- | --- | --- | --- |
//! | listen address | `listen` | `MADOGUCHI_LISTEN` | `127.0.0.1:8080` |
//! | slow or idle clients, connections at once | `[server]` | `MADOGUCHI_SERVER_*` | headers 10 s, body 30 s, 1,024 connections (see [`ServerSettings`]) |
//! | data folder | `data_dir` | `MADOGUCHI_DATA_DIR` | `./data` |
//! | database | `database_url` | `MADOGUCHI_DATABASE_URL` | SQLite file in the data folder |
//! | knowledge base | `kb_dir` | `MADOGUCHI_KB_DIR` | `./knowledge-base` |
//! | engine thresholds | `[engine.thresholds]` | - | calibrated defaults |
//! | sentence encoder (semantic retrieval) | `[semantic] model` | `MADOGUCHI_SEMANTIC_MODEL` (`off` turns it off) | `models/use-multilingual-v3` |
//! | query adapter (moves a question's vector) | `[semantic] query_adapter` | `MADOGUCHI_QUERY_ADAPTER` (`off`, or a file from `scripts/fit-adapter`) | built into the binary |
//! | bot sentences | `prompts_dir` | `MADOGUCHI_PROMPTS_DIR` | `./prompts` |
//! | office hours, closures | `[calendar]` | - | 8:30-17:15, no one-off days |
//! | LoGoチャット token | `[logochat] token` | `MADOGUCHI_LOGOCHAT_TOKEN` | none: webhook off |
//! | LoGoチャット signing secret | `[logochat] signing_secret` | `MADOGUCHI_LOGOCHAT_SIGNING_SECRET` | none |
//! | LoGoチャット outgoing URL | `[logochat] outgoing_url` | `MADOGUCHI_LOGOCHAT_OUTGOING_URL` | none |
//! | widget identity header | `[widget] identity_header` | `MADOGUCHI_WIDGET_IDENTITY_HEADER` | none: anonymous |
//! | widget origins (CORS) | `[widget] allowed_origins` | - | any |
//! | widget rate limits | `[widget] conversation_messages_per_minute`, `address_messages_per_minute` | `MADOGUCHI_WIDGET_CONVERSATION_MESSAGES_PER_MINUTE`, `MADOGUCHI_WIDGET_ADDRESS_MESSAGES_PER_MINUTE` | 10, 20 (0: no limit) |
//! | hosts FAQ answers may show images from | `[faq] image_hosts` | `MADOGUCHI_FAQ_IMAGE_HOSTS` (comma-separated) | none: this server's own images only |
//! | operator API token | `operator_token` | `MADOGUCHI_OPERATOR_TOKEN` | none: API off |
//! | outbox retries | `[outbox]` | - | 20 attempts, 0.5 s doubling to 5 min |
//! | SLA targets | `[sla]`, `[[sla.rules]]` | - | first response 60, resolution 1,050 business minutes (two days) |
//! | console sessions | `[console]` | `MADOGUCHI_CONSOLE_SECURE_COOKIE` | idle 120 min, at most 12 h, cookie not `Secure` |
//! | notices of new escalations | `[notify]`, `[notify.smtp]` | `MADOGUCHI_NOTIFY_*` | off (see [`NotifySettings`]) |
//! | request types (申請) | `[requests] dir` | - | `./integrations/requests`, else the bundled types |
//! | IP and computer-name ledgers, city contact | `[ledgers]` | - | 30 days quarantine (see [`LedgerSettings`]) |
//! | console sign-in against the directory | `[ldap]` | `MADOGUCHI_LDAP_URL`, `MADOGUCHI_LDAP_BIND_DN` | off (see [`LdapSettings`]) |
//! | print batches: job catalogue, form font | `[batches]` `catalogue_dir`, `font` | `MADOGUCHI_BATCHES_CATALOGUE_DIR`, `MADOGUCHI_BATCHES_FONT` | `integrations/print-batches`, IPAex Gothic from Debian |
//! | print runs: printer, files at rest | `[batches]` `cups_server`, `cups_queue`, `spool_dir`, `output_route`, `runs_dir`, `file_key` | `MADOGUCHI_BATCHES_CUPS_SERVER`, `_CUPS_QUEUE`, `_SPOOL_DIR`, `_OUTPUT_ROUTE`, `_RUNS_DIR`, `_FILE_KEY` | `localhost:631`, the job's queue, `data/spool`, the job's route, `print-runs` in the data folder, none (print runs unavailable) |
//! | print runs: retention, reminders, watched folder | `[batches]` `retention_days`, `department_mail` (担当課 name = address), `remind_business_days`, `watch_dir` | `MADOGUCHI_BATCHES_RETENTION_DAYS`, `_WATCH_DIR` | none (kept until purged on instruction), none (the operators are told), 2, none (uploads only) |

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

mod batches;
mod ldap;
mod ledgers;
mod notify;
mod personnel;
mod requests;
mod semantic;
mod server;

pub use self::batches::{BatchSettings, DEFAULT_FONT};
pub use self::ldap::{escape_dn_value, LdapSettings, LOGIN_PLACEHOLDER};
pub use self::ledgers::{CityContact, LedgerSettings};
pub use self::notify::{NotifySettings, SmtpSettings};
pub use self::personnel::{DirectorySettings, PersonnelSettings};
pub use self::requests::{NetworkDirectory, RequestDirectories, RequestSettings};
pub use self::semantic::{QueryAdapterSetting, SemanticSettings};
pub use self::server::ServerSettings;
use crate::calendar::CalendarConfig;
use crate::domain::Priority;
use crate::engine::EngineConfig;

/// The settings file read when `--config` is not given and it exists.
pub const DEFAULT_CONFIG_FILE: &str = "madoguchi.toml";

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub listen: SocketAddr,
    pub server: ServerSettings,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub kb_dir: PathBuf,
    pub engine: EngineConfig,
    pub semantic: SemanticSettings,
    pub prompts_dir: PathBuf,
    pub calendar: CalendarConfig,
    pub logochat: LogoChatSettings,
    pub widget: WidgetSettings,
    pub faq: FaqSettings,
    /// Bearer token for the operator JSON API (integrations; people use the console).
    pub operator_token: Option<Secret>,
    pub outbox: OutboxSettings,
    pub sla: SlaSettings,
    pub console: ConsoleSettings,
    pub notify: NotifySettings,
    pub ldap: LdapSettings,
    pub requests: RequestSettings,
    pub batches: BatchSettings,
    pub ledgers: LedgerSettings,
    pub personnel: PersonnelSettings,
}

/// A secret (a setting, a password typed in a form): never printed.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\"(secret)\"")
    }
}

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The LoGoチャット channel (see integrations/logochat/README.md).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogoChatSettings {
    /// The shared token the platform sends; without one the webhook is off.
    pub token: Option<Secret>,
    /// When set, every webhook call must carry a valid HMAC-SHA256 signature.
    pub signing_secret: Option<Secret>,
    /// Where replies sent later (operators' messages) are POSTed.
    pub outgoing_url: Option<String>,
}

/// The portal widget.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WidgetSettings {
    /// A header the portal's reverse proxy sets to the signed-in user's 職員番号 or
    /// e-mail. Off by default: only enable it behind a proxy that strips it from clients.
    pub identity_header: Option<String>,
    /// Origins allowed to call the chat API from a browser; empty means any. With a list,
    /// a page on any other origin may not post (403), whatever CORS lets it send.
    pub allowed_origins: Vec<String>,
    /// Messages one conversation may send a minute (as many at once, then one every
    /// 60/N seconds); more get 429. 0: no limit.
    pub conversation_messages_per_minute: u32,
    /// Messages one client address may send a minute, across its conversations. Behind a
    /// reverse proxy every browser has the proxy's address: raise it, or 0 for no limit.
    pub address_messages_per_minute: u32,
}

impl Default for WidgetSettings {
    fn default() -> Self {
        Self {
            identity_header: None,
            allowed_origins: Vec::new(),
            conversation_messages_per_minute: 10,
            address_messages_per_minute: 20,
        }
    }
}

/// How FAQ answers are shown.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaqSettings {
    /// Hosts (`name`, or `name:port` for one port) answers may show images from, besides
    /// this server's own (relative URLs); an image from anywhere else is shown as its alt
    /// text, so that answers on the portal load nothing from outside.
    pub image_hosts: Vec<String>,
}

/// How long a person may take on a ticket, in business minutes (office hours on the
/// business calendar): the queue shows the due times and what is overdue.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlaSettings {
    /// Until the first answer from a person (default one business hour).
    pub first_response_minutes: u32,
    /// Until the ticket is resolved (default two business days of 8 h 45 min).
    pub resolution_minutes: u32,
    /// Targets for a category and/or priority; the first rule that matches wins, else the
    /// defaults above.
    pub rules: Vec<SlaRule>,
}

/// SLA targets for tickets of one category and/or priority.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaRule {
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub priority: Option<Priority>,
    pub first_response_minutes: u32,
    pub resolution_minutes: u32,
}

impl Default for SlaSettings {
    fn default() -> Self {
        Self {
            first_response_minutes: 60,
            resolution_minutes: 2 * 525,
            rules: Vec::new(),
        }
    }
}

impl SlaSettings {
    /// (first response, resolution) minutes for a ticket of `category` and `priority`.
    pub fn targets(&self, category: Option<&str>, priority: Priority) -> (u32, u32) {
        self.rules
            .iter()
            .find(|r| {
                r.category.as_deref().is_none_or(|c| Some(c) == category)
                    && r.priority.is_none_or(|p| p == priority)
            })
            .map_or(
                (self.first_response_minutes, self.resolution_minutes),
                |r| (r.first_response_minutes, r.resolution_minutes),
            )
    }
}

/// The operator console's sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsoleSettings {
    /// A session unused this long ends.
    pub session_idle_minutes: u32,
    /// A session ends this long after sign-in, used or not.
    pub session_max_hours: u32,
    /// Marks the session cookie `Secure`: set it when the console is served over TLS.
    pub secure_cookie: bool,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        Self {
            session_idle_minutes: 120,
            session_max_hours: 12,
            secure_cookie: false,
        }
    }
}

/// Retries of messages to outside systems.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboxSettings {
    pub max_attempts: u32,
    pub first_delay_ms: u64,
    pub max_delay_secs: u64,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        Self {
            max_attempts: 20,
            first_delay_ms: 500,
            max_delay_secs: 300,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: ([127, 0, 0, 1], 8080).into(),
            server: ServerSettings::default(),
            data_dir: PathBuf::from("data"),
            database_url: None,
            kb_dir: PathBuf::from("knowledge-base"),
            engine: EngineConfig::default(),
            semantic: SemanticSettings::default(),
            prompts_dir: PathBuf::from("prompts"),
            calendar: CalendarConfig::default(),
            logochat: LogoChatSettings::default(),
            widget: WidgetSettings::default(),
            faq: FaqSettings::default(),
            operator_token: None,
            outbox: OutboxSettings::default(),
            sla: SlaSettings::default(),
            console: ConsoleSettings::default(),
            notify: NotifySettings::default(),
            ldap: LdapSettings::default(),
            requests: RequestSettings::default(),
            batches: BatchSettings::default(),
            ledgers: LedgerSettings::default(),
            personnel: PersonnelSettings::default(),
        }
    }
}

/// A setting that cannot be used; the message names it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}: {1}")]
    File(PathBuf, String),
    #[error("{0}: {1}")]
    Env(&'static str, String),
    /// A value (from the file or the environment) that cannot be used.
    #[error("{0}: {1}")]
    Setting(&'static str, String),
}

/// A TOML error as "line L, column C: message". Never the error's own `Display`: that
/// quotes the offending line, and the line may hold a password or a token (a misspelt
/// key under `[notify.smtp]` is refused, and would be printed whole, at start-up).
fn toml_error(text: &str, error: &toml::de::Error) -> String {
    match error.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            format!("line {line}, column {column}: {}", error.message())
        }
        None => error.message().to_owned(),
    }
}

impl Settings {
    /// Loads settings: `file` if given (it must exist), else `madoguchi.toml` if present;
    /// then environment variables from `env`.
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let path = match file {
            Some(p) => Some(p.to_path_buf()),
            None => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|p| p.exists()),
        };
        let mut settings = match path {
            Some(path) => Self::from_file(&path)?,
            None => Settings::default(),
        };
        settings.apply_env(&env)?;
        settings.server.apply_env(&env)?;
        settings.notify.apply_env(&env)?;
        settings.ldap.apply_env(&env);
        settings.personnel.apply_env(&env);
        settings.semantic.apply_env(&env);
        settings.batches.apply_env(&env);
        settings.validate()?;
        Ok(settings)
    }

    /// The settings of a TOML file, over the defaults.
    fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::File(path.to_path_buf(), e.to_string()))?;
        toml::from_str(&text)
            .map_err(|e| ConfigError::File(path.to_path_buf(), toml_error(&text, &e)))
    }

    /// The environment variables of the table in the module documentation.
    fn apply_env(&mut self, env: &impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(v) = env("MADOGUCHI_LISTEN") {
            self.listen = v.parse().map_err(|_| {
                ConfigError::Env("MADOGUCHI_LISTEN", format!("not an address: {v:?}"))
            })?;
        }
        let text = |name: &str| env(name).filter(|v| !v.is_empty());
        if let Some(v) = env("MADOGUCHI_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = text("MADOGUCHI_DATABASE_URL") {
            self.database_url = Some(v);
        }
        if let Some(v) = env("MADOGUCHI_KB_DIR") {
            self.kb_dir = PathBuf::from(v);
        }
        if let Some(v) = env("MADOGUCHI_PROMPTS_DIR") {
            self.prompts_dir = PathBuf::from(v);
        }
        if let Some(v) = text("MADOGUCHI_LOGOCHAT_TOKEN") {
            self.logochat.token = Some(Secret(v));
        }
        if let Some(v) = text("MADOGUCHI_LOGOCHAT_SIGNING_SECRET") {
            self.logochat.signing_secret = Some(Secret(v));
        }
        if let Some(v) = text("MADOGUCHI_LOGOCHAT_OUTGOING_URL") {
            self.logochat.outgoing_url = Some(v);
        }
        if let Some(v) = text("MADOGUCHI_WIDGET_IDENTITY_HEADER") {
            self.widget.identity_header = Some(v);
        }
        for (name, setting) in [
            (
                "MADOGUCHI_WIDGET_CONVERSATION_MESSAGES_PER_MINUTE",
                &mut self.widget.conversation_messages_per_minute,
            ),
            (
                "MADOGUCHI_WIDGET_ADDRESS_MESSAGES_PER_MINUTE",
                &mut self.widget.address_messages_per_minute,
            ),
        ] {
            if let Some(v) = env(name).filter(|v| !v.is_empty()) {
                *setting = v
                    .parse()
                    .map_err(|_| ConfigError::Env(name, format!("not a whole number: {v:?}")))?;
            }
        }
        if let Some(v) = text("MADOGUCHI_FAQ_IMAGE_HOSTS") {
            self.faq.image_hosts = v.split(',').map(|h| h.trim().to_owned()).collect();
        }
        if let Some(v) = text("MADOGUCHI_OPERATOR_TOKEN") {
            self.operator_token = Some(Secret(v));
        }
        if let Some(v) = text("MADOGUCHI_CONSOLE_SECURE_COOKIE") {
            self.console.secure_cookie = match v.as_str() {
                "1" | "true" => true,
                "0" | "false" => false,
                _ => {
                    return Err(ConfigError::Env(
                        "MADOGUCHI_CONSOLE_SECURE_COOKIE",
                        format!("use true or false, not {v:?}"),
                    ))
                }
            };
        }
        Ok(())
    }

    /// Checks what cannot be used, naming the setting.
    fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.logochat.outgoing_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError::Env(
                    "MADOGUCHI_LOGOCHAT_OUTGOING_URL",
                    // Not the URL itself: it may carry credentials.
                    "not an http(s) URL".into(),
                ));
            }
        }
        self.notify.validate(&self.logochat)?;
        self.personnel.validate()?;
        self.requests.validate()?;
        self.ldap.validate()
    }

    /// The database URL: the configured one, or a SQLite file in the data folder.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("madoguchi.db").display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_without_file_or_environment() {
        let s = Settings::load(None, |_| None).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.database_url(), "sqlite://data/madoguchi.db");
    }

    #[test]
    fn environment_overrides_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("m.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\nkb_dir = \"kb\"\n[engine.thresholds]\nanswer = 0.7\n",
        )
        .unwrap();
        let s = Settings::load(Some(&file), |k| {
            (k == "MADOGUCHI_LISTEN").then(|| "127.0.0.1:9100".into())
        })
        .unwrap();
        assert_eq!(s.listen.port(), 9100);
        assert_eq!(s.kb_dir, PathBuf::from("kb"));
        assert_eq!(s.engine.thresholds.answer, 0.7);
    }

    #[test]
    fn sla_rules_pick_the_first_match_by_category_and_priority() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("m.toml");
        std::fs::write(
            &file,
            "[sla]\nfirst_response_minutes = 60\nresolution_minutes = 1050\n\
             [[sla.rules]]\npriority = \"high\"\nfirst_response_minutes = 15\nresolution_minutes = 120\n\
             [[sla.rules]]\ncategory = \"アカウント\"\nfirst_response_minutes = 30\nresolution_minutes = 525\n",
        )
        .unwrap();
        let s = Settings::load(Some(&file), |_| None).unwrap();
        assert_eq!(s.sla.targets(Some("アカウント"), Priority::High), (15, 120));
        assert_eq!(
            s.sla.targets(Some("アカウント"), Priority::Normal),
            (30, 525)
        );
        assert_eq!(
            s.sla.targets(Some("プリンター"), Priority::Normal),
            (60, 1050)
        );
        assert_eq!(s.sla.targets(None, Priority::Low), (60, 1050));
        std::fs::write(
            &file,
            "[[sla.rules]]\npriority = \"urgent\"\nfirst_response_minutes = 1\nresolution_minutes = 2\n",
        )
        .unwrap();
        let err = Settings::load(Some(&file), |_| None).unwrap_err();
        assert!(err.to_string().contains("priority"), "{err}");
    }

    #[test]
    fn a_file_error_names_the_place_and_never_repeats_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("m.toml");
        for (text, place) in [
            // A misspelt key beside a secret: refused, the line not quoted.
            (
                "listen = \"127.0.0.1:9000\"\n[notify.smtp]\nhost = \"mail\"\npasword = \"S3cret-Pw\"\n",
                "line 4, column 1",
            ),
            // A syntax error on a secret's line (the closing quote forgotten).
            (
                "[notify.smtp]\nhost = \"mail\"\npassword = \"S3cret-Pw\n",
                "line 3",
            ),
        ] {
            std::fs::write(&file, text).unwrap();
            let err = Settings::load(Some(&file), |_| None).unwrap_err().to_string();
            assert!(err.contains(place), "{err}");
            assert!(!err.contains("S3cret"), "{err}");
        }
    }

    #[test]
    fn widget_rate_limits_come_from_the_file_or_the_environment() {
        let s = Settings::load(None, |_| None).unwrap();
        assert_eq!(
            (
                s.widget.conversation_messages_per_minute,
                s.widget.address_messages_per_minute
            ),
            (10, 20)
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("m.toml");
        std::fs::write(
            &file,
            "[widget]\nconversation_messages_per_minute = 5\naddress_messages_per_minute = 0\n",
        )
        .unwrap();
        let s = Settings::load(Some(&file), |_| None).unwrap();
        assert_eq!(s.widget.conversation_messages_per_minute, 5);
        assert_eq!(s.widget.address_messages_per_minute, 0);
        let s = Settings::load(Some(&file), |k| {
            (k == "MADOGUCHI_WIDGET_ADDRESS_MESSAGES_PER_MINUTE").then(|| "120".into())
        })
        .unwrap();
        assert_eq!(s.widget.address_messages_per_minute, 120);
        let err = Settings::load(None, |k| {
            (k == "MADOGUCHI_WIDGET_CONVERSATION_MESSAGES_PER_MINUTE").then(|| "many".into())
        })
        .unwrap_err();
        assert!(err
            .to_string()
            .contains("MADOGUCHI_WIDGET_CONVERSATION_MESSAGES_PER_MINUTE"));
    }

    #[test]
    fn image_hosts_come_from_the_file_or_the_environment() {
        assert!(Settings::load(None, |_| None)
            .unwrap()
            .faq
            .image_hosts
            .is_empty());
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("m.toml");
        std::fs::write(
            &file,
            "[faq]\nimage_hosts = [\"intranet.city.numazu.lg.jp\"]\n",
        )
        .unwrap();
        let s = Settings::load(Some(&file), |_| None).unwrap();
        assert_eq!(s.faq.image_hosts, ["intranet.city.numazu.lg.jp"]);
        let s = Settings::load(Some(&file), |k| {
            (k == "MADOGUCHI_FAQ_IMAGE_HOSTS").then(|| "a.lgwan.local, b.lgwan.local:8443".into())
        })
        .unwrap();
        assert_eq!(s.faq.image_hosts, ["a.lgwan.local", "b.lgwan.local:8443"]);
    }

    #[test]
    fn secrets_never_print() {
        let s = Settings::load(None, |k| {
            (k == "MADOGUCHI_LOGOCHAT_TOKEN").then(|| "hunter2".into())
        })
        .unwrap();
        assert_eq!(s.logochat.token.as_ref().unwrap().expose(), "hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn bad_values_name_the_setting() {
        let err =
            Settings::load(None, |k| (k == "MADOGUCHI_LISTEN").then(|| "nope".into())).unwrap_err();
        assert!(err.to_string().contains("MADOGUCHI_LISTEN"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("m.toml");
        std::fs::write(&file, "colour = 1\n").unwrap();
        assert!(Settings::load(Some(&file), |_| None)
            .unwrap_err()
            .to_string()
            .contains("colour"));
    }
}

//! `[server]`: what the HTTP server grants one connection.

use serde::Deserialize;

use super::ConfigError;

/// What the server grants one connection: it is closed when a request's headers (or, on
/// a kept-alive connection, the next request) do not arrive within `header_timeout_secs`;
/// a request whose body has not arrived within `body_timeout_secs` of its headers gets
/// 408 (uploads too: a 5 MB FAQ import needs about 1.4 Mbit/s at the default). At most
/// `max_connections` are served at once; more wait to be accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub header_timeout_secs: u64,
    pub body_timeout_secs: u64,
    pub max_connections: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            header_timeout_secs: 10,
            body_timeout_secs: 30,
            max_connections: 1024,
        }
    }
}

impl ServerSettings {
    /// Reads `MADOGUCHI_SERVER_HEADER_TIMEOUT_SECS`, `MADOGUCHI_SERVER_BODY_TIMEOUT_SECS`
    /// and `MADOGUCHI_SERVER_MAX_CONNECTIONS`, then checks that none is 0.
    pub(crate) fn apply_env(
        &mut self,
        env: &impl Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        fn number<T: std::str::FromStr>(
            env: &impl Fn(&str) -> Option<String>,
            name: &'static str,
            setting: &mut T,
        ) -> Result<(), ConfigError> {
            if let Some(v) = env(name).filter(|v| !v.is_empty()) {
                *setting = v
                    .parse()
                    .map_err(|_| ConfigError::Env(name, format!("not a whole number: {v:?}")))?;
            }
            Ok(())
        }
        number(
            env,
            "MADOGUCHI_SERVER_HEADER_TIMEOUT_SECS",
            &mut self.header_timeout_secs,
        )?;
        number(
            env,
            "MADOGUCHI_SERVER_BODY_TIMEOUT_SECS",
            &mut self.body_timeout_secs,
        )?;
        number(
            env,
            "MADOGUCHI_SERVER_MAX_CONNECTIONS",
            &mut self.max_connections,
        )?;
        for (name, value) in [
            ("[server] header_timeout_secs", self.header_timeout_secs),
            ("[server] body_timeout_secs", self.body_timeout_secs),
            ("[server] max_connections", self.max_connections as u64),
        ] {
            if value == 0 {
                return Err(ConfigError::Setting(name, "must be at least 1".into()));
            }
        }
        Ok(())
    }
}

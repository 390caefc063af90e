//! Settings: defaults, then a TOML file, then environment variables.
//!
//! | setting | TOML key | environment | default |
//! | --- | --- | --- | --- |
//! | listen address | `listen` | `MADOGUCHI_LISTEN` | `127.0.0.1:8080` |
//! | data folder | `data_dir` | `MADOGUCHI_DATA_DIR` | `./data` |
//! | database | `database_url` | `MADOGUCHI_DATABASE_URL` | SQLite file in the data folder |
//! | knowledge base | `kb_dir` | `MADOGUCHI_KB_DIR` | `./knowledge-base` |
//! | engine thresholds | `[engine.thresholds]` | - | calibrated defaults |

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::engine::EngineConfig;

/// The settings file read when `--config` is not given and it exists.
pub const DEFAULT_CONFIG_FILE: &str = "madoguchi.toml";

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub kb_dir: PathBuf,
    pub engine: EngineConfig,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: ([127, 0, 0, 1], 8080).into(),
            data_dir: PathBuf::from("data"),
            database_url: None,
            kb_dir: PathBuf::from("knowledge-base"),
            engine: EngineConfig::default(),
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
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| ConfigError::File(path.clone(), e.to_string()))?;
                toml::from_str(&text).map_err(|e| ConfigError::File(path.clone(), e.to_string()))?
            }
            None => Settings::default(),
        };
        if let Some(v) = env("MADOGUCHI_LISTEN") {
            settings.listen = v.parse().map_err(|_| {
                ConfigError::Env("MADOGUCHI_LISTEN", format!("not an address: {v:?}"))
            })?;
        }
        if let Some(v) = env("MADOGUCHI_DATA_DIR") {
            settings.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env("MADOGUCHI_DATABASE_URL").filter(|v| !v.is_empty()) {
            settings.database_url = Some(v);
        }
        if let Some(v) = env("MADOGUCHI_KB_DIR") {
            settings.kb_dir = PathBuf::from(v);
        }
        Ok(settings)
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

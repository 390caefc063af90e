//! `[personnel.directory]`: the Active Directory the April switch may write into itself
//! (contract: integrations/directory/README.md). Off while `url` is unset: every item then
//! goes to the work order.

use serde::Deserialize;

use super::{ConfigError, Secret};

/// `[personnel]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PersonnelSettings {
    pub directory: DirectorySettings,
}

/// `[personnel.directory]`: one Active Directory (one network of the 三層).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DirectorySettings {
    /// `ldaps://host[:port]` (Active Directory refuses simple binds without TLS).
    pub url: Option<String>,
    /// Who binds (`Administrator@city.test`, or a DN).
    pub bind_dn: Option<String>,
    pub password: Option<Secret>,
    /// Which system of the plan this directory is: `ad_lgwan`, `ad_internet` or
    /// `ad_mynumber`.
    pub system: String,
    /// The organisation table's OUs end with this (`DC=lgwan,DC=numazu,DC=local`) ...
    pub plan_suffix: String,
    /// ... and in this directory they end with this instead (`DC=city,DC=test`).
    pub directory_suffix: String,
    /// Accept the directory's certificate without checking it (a test DC's
    /// self-signed one).
    pub tls_no_verify: bool,
    pub timeout_secs: u64,
}

impl Default for DirectorySettings {
    fn default() -> Self {
        Self {
            url: None,
            bind_dn: None,
            password: None,
            system: "ad_lgwan".into(),
            plan_suffix: String::new(),
            directory_suffix: String::new(),
            tls_no_verify: false,
            timeout_secs: 10,
        }
    }
}

impl PersonnelSettings {
    /// Applies `MADOGUCHI_PERSONNEL_AD_URL`, `_BIND_DN` and `_PASSWORD`.
    pub fn apply_env(&mut self, env: &impl Fn(&str) -> Option<String>) {
        let d = &mut self.directory;
        if let Some(v) = env("MADOGUCHI_PERSONNEL_AD_URL").filter(|v| !v.is_empty()) {
            d.url = Some(v);
        }
        if let Some(v) = env("MADOGUCHI_PERSONNEL_AD_BIND_DN").filter(|v| !v.is_empty()) {
            d.bind_dn = Some(v);
        }
        if let Some(v) = env("MADOGUCHI_PERSONNEL_AD_PASSWORD").filter(|v| !v.is_empty()) {
            d.password = Some(Secret(v));
        }
    }

    /// Checks the settings at start; the error names the setting.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let d = &self.directory;
        if d.url.is_none() {
            return Ok(());
        }
        if !d.url.as_deref().is_some_and(|u| u.starts_with("ldaps://")) {
            let reason = "use ldaps://host[:port]".to_owned();
            return Err(ConfigError::Setting("[personnel.directory] url", reason));
        }
        if d.bind_dn.is_none() || d.password.is_none() {
            let reason = "bind_dn and password are required with url".to_owned();
            return Err(ConfigError::Setting(
                "[personnel.directory] bind_dn",
                reason,
            ));
        }
        if !["ad_lgwan", "ad_internet", "ad_mynumber"].contains(&d.system.as_str()) {
            let reason = format!("ad_lgwan, ad_internet or ad_mynumber, not {:?}", d.system);
            return Err(ConfigError::Setting("[personnel.directory] system", reason));
        }
        Ok(())
    }
}

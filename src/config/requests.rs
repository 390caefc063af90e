//! Requests (申請): where the request types are defined, and the networks whose Active
//! Directory carries out account steps itself (`[requests.directory.<network>]`, off by
//! default: every network gets the work order's PowerShell script instead).

use std::path::PathBuf;

use serde::Deserialize;

use super::{ConfigError, Secret};
use crate::domain::Network;

/// `[requests]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RequestSettings {
    /// The folder of request type definitions (`*.toml`); when it does not exist, the
    /// bundled types are used.
    pub dir: PathBuf,
    /// Per network, the directory the helpdesk may write account steps into.
    pub directory: RequestDirectories,
}

impl Default for RequestSettings {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("integrations/requests"),
            directory: RequestDirectories::default(),
        }
    }
}

/// `[requests.directory]`: one table per network the city allows; a network left out
/// stays with the work order (the default for every network, 三層の構え).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RequestDirectories {
    pub mynumber: Option<NetworkDirectory>,
    pub lgwan: Option<NetworkDirectory>,
    pub internet: Option<NetworkDirectory>,
}

/// `[requests.directory.<network>]`: an Active Directory over LDAPS.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkDirectory {
    /// `ldaps://host[:port]` (unicodePwd is only set over TLS).
    pub url: String,
    /// Who binds (`Administrator@city.test`, or a DN).
    pub bind_dn: String,
    pub password: Secret,
    /// New accounts go to `OU=<所属>,<users_ou>`; a move to another 所属 too.
    pub users_ou: String,
    /// Where a disabled account is moved.
    pub disabled_ou: String,
    /// The 所属's groups are `CN=<group>,<groups_ou>`.
    pub groups_ou: String,
    /// `userPrincipalName` is `<login>@<upn_suffix>`.
    pub upn_suffix: String,
    /// Accept the directory's certificate without checking it (a test DC's
    /// self-signed one).
    pub tls_no_verify: bool,
    pub timeout_secs: u64,
}

impl Default for NetworkDirectory {
    fn default() -> Self {
        Self {
            url: String::new(),
            bind_dn: String::new(),
            password: Secret(String::new()),
            users_ou: String::new(),
            disabled_ou: String::new(),
            groups_ou: String::new(),
            upn_suffix: String::new(),
            tls_no_verify: false,
            timeout_secs: 10,
        }
    }
}

impl RequestDirectories {
    /// The networks configured, with their directory.
    pub fn enabled(&self) -> Vec<(Network, &NetworkDirectory)> {
        [
            (Network::Mynumber, &self.mynumber),
            (Network::Lgwan, &self.lgwan),
            (Network::Internet, &self.internet),
        ]
        .into_iter()
        .filter_map(|(n, d)| d.as_ref().map(|d| (n, d)))
        .collect()
    }
}

impl RequestSettings {
    /// Checks the settings at start; the error names the setting.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (network, d) in self.directory.enabled() {
            let missing = [
                ("bind_dn", d.bind_dn.as_str()),
                ("password", d.password.expose()),
                ("users_ou", d.users_ou.as_str()),
                ("disabled_ou", d.disabled_ou.as_str()),
                ("groups_ou", d.groups_ou.as_str()),
                ("upn_suffix", d.upn_suffix.as_str()),
            ]
            .into_iter()
            .find(|(_, v)| v.trim().is_empty());
            let problem = if !d.url.starts_with("ldaps://") {
                Some("url: use ldaps://host[:port]".to_owned())
            } else {
                missing.map(|(name, _)| format!("{name} is required"))
            };
            if let Some(reason) = problem {
                let setting = match network {
                    Network::Mynumber => "[requests.directory.mynumber]",
                    Network::Lgwan => "[requests.directory.lgwan]",
                    Network::Internet => "[requests.directory.internet]",
                };
                return Err(ConfigError::Setting(setting, reason));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_by_default_and_a_network_needs_every_setting() {
        let s = RequestSettings::default();
        assert!(s.directory.enabled().is_empty());
        assert!(s.validate().is_ok());
        let text = r#"
[directory.lgwan]
url = "ldaps://dc.city.test"
bind_dn = "Administrator@city.test"
password = "x"
users_ou = "OU=職員,DC=city,DC=test"
disabled_ou = "OU=無効,DC=city,DC=test"
groups_ou = "OU=グループ,DC=city,DC=test"
upn_suffix = "city.test"
"#;
        let s: RequestSettings = toml::from_str(text).unwrap();
        assert_eq!(s.directory.enabled()[0].0, Network::Lgwan);
        assert!(s.validate().is_ok());
        let bad: RequestSettings = toml::from_str(&text.replace("ldaps://", "ldap://")).unwrap();
        let err = bad.validate().unwrap_err().to_string();
        assert!(err.contains("[requests.directory.lgwan]"), "{err}");
        let bad: RequestSettings =
            toml::from_str(&text.replace("upn_suffix = \"city.test\"", "")).unwrap();
        assert!(bad
            .validate()
            .unwrap_err()
            .to_string()
            .contains("upn_suffix"));
    }
}

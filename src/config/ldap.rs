//! `[ldap]`: the directory console sign-in binds against (contract:
//! integrations/ldap/README.md), and how a login becomes the DN to bind as.

use serde::Deserialize;

use super::ConfigError;

/// The placeholder in `bind_dn` replaced by the escaped login.
pub const LOGIN_PLACEHOLDER: &str = "{login}";

/// `[ldap]`: the directory console sign-in binds against. Off while `url` is unset.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LdapSettings {
    /// `ldap://host[:port]` or `ldaps://host[:port]`.
    pub url: Option<String>,
    /// The DN to bind as, with `{login}` where the login goes, e.g.
    /// `uid={login},ou=people,dc=city,dc=numazu,dc=lg,dc=jp`.
    pub bind_dn: Option<String>,
    /// How long connecting and binding may take before the directory counts as unreachable.
    pub timeout_secs: u64,
    /// Upgrade an `ldap://` connection with STARTTLS before binding.
    pub starttls: bool,
}

impl Default for LdapSettings {
    fn default() -> Self {
        Self {
            url: None,
            bind_dn: None,
            timeout_secs: 5,
            starttls: false,
        }
    }
}

impl LdapSettings {
    /// Applies `MADOGUCHI_LDAP_URL` and `MADOGUCHI_LDAP_BIND_DN`.
    pub fn apply_env(&mut self, env: &impl Fn(&str) -> Option<String>) {
        if let Some(v) = env("MADOGUCHI_LDAP_URL").filter(|v| !v.is_empty()) {
            self.url = Some(v);
        }
        if let Some(v) = env("MADOGUCHI_LDAP_BIND_DN").filter(|v| !v.is_empty()) {
            self.bind_dn = Some(v);
        }
    }

    /// Checks the settings at start; the error names the setting.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let Some(url) = &self.url else {
            return Ok(());
        };
        let rest = url
            .strip_prefix("ldap://")
            .or_else(|| url.strip_prefix("ldaps://"));
        let host = rest.map(|r| r.trim_end_matches('/')).unwrap_or_default();
        if host.is_empty() || host.contains(['/', ' ', '?']) {
            return Err(ConfigError::Setting(
                "[ldap] url (MADOGUCHI_LDAP_URL)",
                format!("use ldap://host[:port] or ldaps://host[:port], not {url:?}"),
            ));
        }
        if self.starttls && url.starts_with("ldaps://") {
            return Err(ConfigError::Setting(
                "[ldap] starttls",
                "STARTTLS is for ldap:// URLs; ldaps:// is already TLS".into(),
            ));
        }
        match &self.bind_dn {
            Some(dn) if dn.matches(LOGIN_PLACEHOLDER).count() == 1 => {}
            _ => {
                return Err(ConfigError::Setting(
                    "[ldap] bind_dn (MADOGUCHI_LDAP_BIND_DN)",
                    format!(
                        "a DN with {LOGIN_PLACEHOLDER} once is required when [ldap] url is set"
                    ),
                ))
            }
        }
        if self.timeout_secs == 0 {
            return Err(ConfigError::Setting(
                "[ldap] timeout_secs",
                "use at least 1 second".into(),
            ));
        }
        Ok(())
    }

    /// Whether sign-in binds against a directory.
    pub fn enabled(&self) -> bool {
        self.url.is_some()
    }

    /// The DN for `login`: the template with the login escaped.
    pub fn dn_for(&self, login: &str) -> Option<String> {
        let template = self.bind_dn.as_deref()?;
        Some(template.replacen(LOGIN_PLACEHOLDER, &escape_dn_value(login), 1))
    }
}

/// `value` escaped as an RFC 4514 attribute value: letters, digits, `.`, `_` and `-` as
/// they are, every other byte as `\hh`, so no character can end the value or the RDN.
pub fn escape_dn_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("\\{b:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> LdapSettings {
        LdapSettings {
            url: Some("ldap://127.0.0.1:389".into()),
            bind_dn: Some("uid={login},ou=people,dc=city".into()),
            ..LdapSettings::default()
        }
    }

    #[test]
    fn plain_logins_go_into_the_dn_unchanged() {
        assert_eq!(
            settings().dn_for("yamada.h_2-x").unwrap(),
            "uid=yamada.h_2-x,ou=people,dc=city"
        );
    }

    #[test]
    fn characters_that_could_change_the_dn_are_hex_escaped() {
        assert_eq!(
            escape_dn_value("a,ou=admins+cn=*\\\"<>;# "),
            "a\\2cou\\3dadmins\\2bcn\\3d\\2a\\5c\\22\\3c\\3e\\3b\\23\\20"
        );
        assert_eq!(escape_dn_value("山"), "\\e5\\b1\\b1");
        assert_eq!(escape_dn_value("x\0y"), "x\\00y");
        assert_eq!(
            settings().dn_for("*,dc=city").unwrap(),
            "uid=\\2a\\2cdc\\3dcity,ou=people,dc=city"
        );
    }

    #[test]
    fn off_without_a_url_and_bad_settings_name_themselves() {
        assert!(LdapSettings::default().validate().is_ok());
        assert!(!LdapSettings::default().enabled());
        assert!(settings().validate().is_ok());
        for (s, named) in [
            (
                LdapSettings {
                    url: Some("http://dir".into()),
                    ..settings()
                },
                "[ldap] url",
            ),
            (
                LdapSettings {
                    url: Some("ldap://".into()),
                    ..settings()
                },
                "[ldap] url",
            ),
            (
                LdapSettings {
                    bind_dn: Some("uid=yamada,dc=city".into()),
                    ..settings()
                },
                "[ldap] bind_dn",
            ),
            (
                LdapSettings {
                    bind_dn: None,
                    ..settings()
                },
                "[ldap] bind_dn",
            ),
            (
                LdapSettings {
                    url: Some("ldaps://dir".into()),
                    starttls: true,
                    ..settings()
                },
                "[ldap] starttls",
            ),
        ] {
            let err = s.validate().unwrap_err().to_string();
            assert!(err.starts_with(named), "{err}");
        }
    }

    #[test]
    fn environment_variables_set_the_url_and_the_dn() {
        let mut s = LdapSettings::default();
        s.apply_env(&|k: &str| match k {
            "MADOGUCHI_LDAP_URL" => Some("ldaps://dir.city".into()),
            "MADOGUCHI_LDAP_BIND_DN" => Some("uid={login},dc=city".into()),
            _ => None,
        });
        assert_eq!(s.url.as_deref(), Some("ldaps://dir.city"));
        assert!(s.validate().is_ok());
    }
}

//! The account steps of approved requests, written into a network's Active Directory over
//! LDAPS (`[requests.directory.<network>]`). The account is found by `employeeNumber`
//! (the 職員番号), never by a filter built from names; it is `CN=<職員番号>` in
//! `OU=<所属>,<users_ou>`. Every operation can be asked again and does nothing the
//! second time (an account already there, a member already in the group), so a retry
//! after a crash between acting and recording is safe.

use std::collections::HashSet;

use ldap3::{Ldap, Mod};

use super::{failure, rdn_value, Found, Link, ACCOUNT_DISABLED};
use crate::config::{NetworkDirectory, RequestDirectories};
use crate::domain::Network;
use crate::requests::ad_script::AdTarget;
use crate::requests::{AccountOp, AccountWriter, WriterFailure, WriterFuture};

/// LDAP's result code for a value already there (`attributeOrValueExists`).
const VALUE_EXISTS: u32 = 20;
const NORMAL_ACCOUNT: u32 = 0x200;

/// One network's directory.
struct NetworkAd {
    network: Network,
    settings: NetworkDirectory,
    link: Link,
}

/// The networks whose directory the city lets the helpdesk write into.
pub struct RequestDirectory {
    networks: Vec<NetworkAd>,
}

impl RequestDirectory {
    /// `None` when no network is configured.
    pub fn new(settings: &RequestDirectories) -> Option<Self> {
        let networks: Vec<NetworkAd> = settings
            .enabled()
            .into_iter()
            .map(|(network, d)| NetworkAd {
                network,
                link: Link::new(
                    &d.url,
                    &d.bind_dn,
                    d.password.expose(),
                    d.tls_no_verify,
                    d.timeout_secs,
                ),
                settings: d.clone(),
            })
            .collect();
        (!networks.is_empty()).then_some(Self { networks })
    }

    fn of(&self, network: Network) -> Option<&NetworkAd> {
        self.networks.iter().find(|n| n.network == network)
    }
}

/// A DN's parent.
fn parent(dn: &str) -> &str {
    dn.split_once(',').map(|(_, p)| p).unwrap_or("")
}

/// `"password"` as `unicodePwd` wants it: quoted, UTF-16LE.
fn unicode_pwd(password: &str) -> Vec<u8> {
    format!("\"{password}\"")
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect()
}

impl NetworkAd {
    fn ou_of(&self, department: &str) -> String {
        format!("OU={},{}", rdn_value(department), self.settings.users_ou)
    }

    fn login(t: &AdTarget) -> &str {
        t.login.as_deref().unwrap_or(&t.employee_no)
    }

    fn upn(&self, t: &AdTarget) -> String {
        format!("{}@{}", Self::login(t), self.settings.upn_suffix)
    }

    fn target_ou(&self, department: &Option<String>) -> String {
        match department {
            Some(d) => self.ou_of(d),
            None => self.settings.disabled_ou.clone(),
        }
    }

    fn group_dn(&self, group: &str) -> String {
        format!("CN={},{}", rdn_value(group), self.settings.groups_ou)
    }

    fn preview(&self, t: &AdTarget, op: &AccountOp) -> String {
        let no = &t.employee_no;
        match op {
            AccountOp::Create => format!(
                "作成 CN={no},{} sAMAccountName={} userPrincipalName={} department={} \
                 employeeNumber={no} userAccountControl=514",
                self.ou_of(&t.department),
                Self::login(t),
                self.upn(t),
                t.department
            ),
            AccountOp::SetPassword => {
                format!("職員番号 {no} の unicodePwd に初期パスワード（生成）を設定")
            }
            AccountOp::Enable => format!("職員番号 {no} を userAccountControl=512 で有効化"),
            AccountOp::Update {
                display_name,
                department,
            } => {
                let mut parts = Vec::new();
                if let Some(n) = display_name {
                    parts.push(format!("displayName={n}"));
                }
                if let Some(d) = department {
                    parts.push(format!("department={d}"));
                }
                format!("職員番号 {no} を変更 {}", parts.join(" "))
            }
            AccountOp::Move { department } => {
                format!("職員番号 {no} を {} へ移動", self.target_ou(department))
            }
            AccountOp::AddGroup { group } => {
                format!("職員番号 {no} を {} に追加", self.group_dn(group))
            }
            AccountOp::Disable => format!("職員番号 {no} を無効化（userAccountControl に 2）"),
        }
    }

    async fn found(&self, ldap: &mut Ldap, no: &str) -> Result<Found, WriterFailure> {
        let base = parent_of_all(&self.settings);
        self.link
            .find(ldap, base, no)
            .await?
            .ok_or_else(|| format!("職員番号 {no} のアカウントがありません"))
    }

    async fn act(
        &self,
        t: &AdTarget,
        op: &AccountOp,
        password: Option<&str>,
    ) -> Result<String, WriterFailure> {
        let mut ldap = self.link.connection().await?;
        let no = t.employee_no.as_str();
        if *op == AccountOp::Create {
            let base = parent_of_all(&self.settings);
            if let Some(found) = self.link.find(&mut ldap, base, no).await? {
                return Ok(format!("既にあります {}", found.dn));
            }
            let ou = self.ou_of(&t.department);
            self.link.ensure_ou(&mut ldap, base, &ou).await?;
            let dn = format!("CN={no},{ou}");
            let upn = self.upn(t);
            let attrs = vec![
                ("objectClass", HashSet::from(["user"])),
                ("sAMAccountName", HashSet::from([Self::login(t)])),
                ("userPrincipalName", HashSet::from([upn.as_str()])),
                ("displayName", HashSet::from([t.name.as_str()])),
                ("department", HashSet::from([t.department.as_str()])),
                ("employeeNumber", HashSet::from([no])),
                ("userAccountControl", HashSet::from(["514"])),
            ];
            ldap.add(&dn, attrs)
                .await
                .and_then(|r| r.success())
                .map_err(failure)?;
            return Ok(format!("作成 {dn}"));
        }
        let found = self.found(&mut ldap, no).await?;
        match op {
            AccountOp::Create => unreachable!("handled above"),
            AccountOp::SetPassword => {
                let value = unicode_pwd(password.unwrap_or_default());
                let change = vec![
                    Mod::Replace(b"unicodePwd".to_vec(), HashSet::from([value])),
                    Mod::Replace(b"pwdLastSet".to_vec(), HashSet::from([b"0".to_vec()])),
                ];
                modify(&mut ldap, &found.dn, change).await?;
                Ok("初期パスワードを設定（次回サインイン時に変更）".into())
            }
            AccountOp::Enable => {
                let control = (found.control & !ACCOUNT_DISABLED) | NORMAL_ACCOUNT;
                self.link.set_control(&mut ldap, &found.dn, control).await?;
                Ok(format!("有効化 userAccountControl={control}"))
            }
            AccountOp::Disable => {
                let control = found.control | ACCOUNT_DISABLED;
                self.link.set_control(&mut ldap, &found.dn, control).await?;
                Ok(format!("無効化 userAccountControl={control}"))
            }
            AccountOp::Update {
                display_name,
                department,
            } => {
                let mut change = Vec::new();
                for (name, value) in [("displayName", display_name), ("department", department)] {
                    if let Some(v) = value {
                        let v = v.as_bytes().to_vec();
                        change.push(Mod::Replace(name.as_bytes().to_vec(), HashSet::from([v])));
                    }
                }
                modify(&mut ldap, &found.dn, change).await?;
                Ok("登録内容を変更".into())
            }
            AccountOp::Move { department } => {
                let ou = self.target_ou(department);
                if parent(&found.dn).eq_ignore_ascii_case(&ou) {
                    return Ok(format!("既に {ou} にあります"));
                }
                self.link
                    .ensure_ou(&mut ldap, parent_of_all(&self.settings), &ou)
                    .await?;
                ldap.modifydn(&found.dn, &format!("CN={no}"), true, Some(&ou))
                    .await
                    .and_then(|r| r.success())
                    .map_err(failure)?;
                Ok(format!("移動 {ou}"))
            }
            AccountOp::AddGroup { group } => {
                let dn = self.group_dn(group);
                let member = found.dn.as_bytes().to_vec();
                let change = vec![Mod::Add(b"member".to_vec(), HashSet::from([member]))];
                let result = ldap.modify(&dn, change).await.map_err(failure)?;
                if result.rc != 0 && result.rc != VALUE_EXISTS {
                    return Err(result.to_string());
                }
                Ok(format!("{dn} に追加"))
            }
        }
    }
}

/// The part of the DN the directory's OUs share (the domain): where accounts are looked
/// for and under which OUs are created.
fn parent_of_all(settings: &NetworkDirectory) -> &str {
    let ou = &settings.users_ou;
    ou.find("DC=")
        .or_else(|| ou.find("dc="))
        .map(|at| &ou[at..])
        .unwrap_or(ou)
}

async fn modify(ldap: &mut Ldap, dn: &str, change: Vec<Mod<Vec<u8>>>) -> Result<(), WriterFailure> {
    ldap.modify(dn, change)
        .await
        .and_then(|r| r.success())
        .map_err(failure)?;
    Ok(())
}

impl AccountWriter for RequestDirectory {
    fn handles(&self, network: Network) -> bool {
        self.of(network).is_some()
    }

    fn preview(&self, network: Network, target: &AdTarget, op: &AccountOp) -> String {
        self.of(network)
            .map(|n| n.preview(target, op))
            .unwrap_or_default()
    }

    fn perform<'a>(
        &'a self,
        network: Network,
        target: &'a AdTarget,
        op: &'a AccountOp,
        password: Option<&'a str>,
    ) -> WriterFuture<'a, String> {
        Box::pin(async move {
            let Some(ad) = self.of(network) else {
                return Err(format!(
                    "{} のディレクトリは設定されていません",
                    network.label()
                ));
            };
            let answer = ad.act(target, op, password).await;
            if answer.is_err() {
                ad.link.forget().await;
            }
            answer
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_quoted_utf16le_and_the_domain_is_the_dc_part() {
        assert_eq!(unicode_pwd("a"), vec![b'"', 0, b'a', 0, b'"', 0]);
        let settings = NetworkDirectory {
            users_ou: "OU=職員,OU=本庁,DC=city,DC=test".into(),
            ..NetworkDirectory::default()
        };
        assert_eq!(parent_of_all(&settings), "DC=city,DC=test");
        assert_eq!(parent("CN=1,OU=a,DC=x"), "OU=a,DC=x");
    }
}

#[cfg(test)]
mod rdn_tests {
    use super::super::{rdn_value, unescape_rdn};

    #[test]
    fn rdn_values_keep_japanese_and_escape_what_could_end_them() {
        assert_eq!(rdn_value("財政課"), "財政課");
        assert_eq!(rdn_value("a,OU=b"), "a\\2cOU\\3db");
        assert_eq!(rdn_value(" #x "), "\\20#x\\20");
        for v in ["財政課", "a,OU=b+c", " #x ", "q\"\\"] {
            assert_eq!(unescape_rdn(&rdn_value(v)), v);
        }
    }
}

//! The April switch written into an Active Directory over LDAPS (contract:
//! integrations/directory/README.md; tested against a Samba AD DC). An account is found by
//! `employeeNumber` (the 職員番号), never by a filter built from names. New accounts are
//! created disabled (`userAccountControl` 514) with `CN=<職員番号>` in the OU, which is
//! created when missing; the plan's OUs are mapped from `plan_suffix` to
//! `directory_suffix`.

use std::collections::HashSet;
use std::time::Duration;

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, Mod, Scope, SearchEntry};
use tokio::sync::Mutex;

use crate::config::DirectorySettings;
use crate::domain::{AccountSystem, ChangeKind};
use crate::personnel::plan::new_account_ou;
use crate::personnel::{AccountDirectory, DirectoryFailure, DirectoryFuture};
use crate::requests::ad_script::ldap_filter_value;
use crate::storage::personnel_plans::ItemRow;

const ACCOUNT_DISABLED: u32 = 0x2;

/// One Active Directory of the 三層.
pub struct ActiveDirectory {
    settings: DirectorySettings,
    system: AccountSystem,
    ldap: Mutex<Option<Ldap>>,
}

/// An account as the directory holds it.
struct Found {
    dn: String,
    department: Option<String>,
    control: u32,
}

fn failure(e: impl std::fmt::Display) -> DirectoryFailure {
    e.to_string()
}

impl ActiveDirectory {
    /// `None` when `[personnel.directory]` is off.
    pub fn new(settings: &DirectorySettings) -> Option<Self> {
        settings.url.as_ref()?;
        let system = AccountSystem::from_name_or_label(&settings.system)?;
        Some(Self {
            settings: settings.clone(),
            system,
            ldap: Mutex::new(None),
        })
    }

    /// The bound connection, opened on first use and again after a failure.
    async fn connection(&self) -> Result<Ldap, DirectoryFailure> {
        let mut held = self.ldap.lock().await;
        if let Some(ldap) = held.as_ref() {
            return Ok(ldap.clone());
        }
        let s = &self.settings;
        let conn = LdapConnSettings::new()
            .set_conn_timeout(Duration::from_secs(s.timeout_secs))
            .set_no_tls_verify(s.tls_no_verify);
        let url = s.url.as_deref().unwrap_or_default();
        let (driver, mut ldap) = LdapConnAsync::with_settings(conn, url)
            .await
            .map_err(|e| format!("connecting: {e}"))?;
        ldap3::drive!(driver);
        let password = s.password.as_ref().map(|p| p.expose()).unwrap_or_default();
        ldap.simple_bind(s.bind_dn.as_deref().unwrap_or_default(), password)
            .await
            .and_then(|r| r.success())
            .map_err(|e| format!("binding: {e}"))?;
        *held = Some(ldap.clone());
        Ok(ldap)
    }

    async fn forget(&self) {
        *self.ldap.lock().await = None;
    }

    /// The plan's OU as this directory spells it.
    fn ou(&self, plan_ou: &str) -> String {
        let s = &self.settings;
        match plan_ou.strip_suffix(&s.plan_suffix) {
            Some(head) if !s.plan_suffix.is_empty() => format!("{head}{}", s.directory_suffix),
            _ => plan_ou.to_owned(),
        }
    }

    async fn find(
        &self,
        ldap: &mut Ldap,
        employee_no: &str,
    ) -> Result<Option<Found>, DirectoryFailure> {
        let filter = format!(
            "(&(objectClass=user)(employeeNumber={}))",
            ldap_filter_value(employee_no)
        );
        let (entries, _) = ldap
            .search(
                &self.settings.directory_suffix,
                Scope::Subtree,
                &filter,
                vec!["department", "userAccountControl"],
            )
            .await
            .and_then(|r| r.success())
            .map_err(failure)?;
        Ok(entries.into_iter().next().map(|e| {
            let e = SearchEntry::construct(e);
            let first = |name: &str| e.attrs.get(name).and_then(|v| v.first()).cloned();
            Found {
                department: first("department"),
                control: first("userAccountControl")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0),
                dn: e.dn,
            }
        }))
    }

    /// Creates the OU and the OUs above it that are missing.
    async fn ensure_ou(&self, ldap: &mut Ldap, ou: &str) -> Result<(), DirectoryFailure> {
        let suffix = &self.settings.directory_suffix;
        let head = ou.strip_suffix(suffix).unwrap_or(ou).trim_end_matches(',');
        let rdns: Vec<&str> = head.split(',').filter(|r| !r.is_empty()).collect();
        for i in (0..rdns.len()).rev() {
            let dn = format!("{},{suffix}", rdns[i..].join(","));
            let name = rdns[i].trim_start_matches("OU=");
            let attrs = vec![
                ("objectClass", HashSet::from(["organizationalUnit"])),
                ("ou", HashSet::from([name])),
            ];
            let result = ldap.add(&dn, attrs).await.map_err(failure)?;
            // 68: entryAlreadyExists.
            if result.rc != 0 && result.rc != 68 {
                return Err(format!("creating {dn}: {}", result));
            }
        }
        Ok(())
    }

    async fn act(&self, item: &ItemRow) -> Result<String, DirectoryFailure> {
        let mut ldap = self.connection().await?;
        let found = self.find(&mut ldap, &item.employee_no).await?;
        let after = item.after_value.as_deref().unwrap_or_default();
        if item.kind == ChangeKind::Create {
            if found.is_some() {
                return Ok("既にあります".into());
            }
            let ou = self.ou(new_account_ou(item.detail.as_deref()).unwrap_or_default());
            self.ensure_ou(&mut ldap, &ou).await?;
            let dn = format!("CN={},{ou}", item.employee_no);
            let no = item.employee_no.as_str();
            let attrs = vec![
                ("objectClass", HashSet::from(["user"])),
                ("sAMAccountName", HashSet::from([no])),
                ("employeeNumber", HashSet::from([no])),
                ("displayName", HashSet::from([item.name.as_str()])),
                ("department", HashSet::from([after])),
                ("userAccountControl", HashSet::from(["514"])),
            ];
            ldap.add(&dn, attrs)
                .await
                .and_then(|r| r.success())
                .map_err(failure)?;
            return Ok(format!("作成 {dn}"));
        }
        let Some(found) = found else {
            return Err(format!(
                "職員番号 {} のアカウントがありません",
                item.employee_no
            ));
        };
        match item.kind {
            ChangeKind::MoveOu => {
                let ou = self.ou(after);
                self.ensure_ou(&mut ldap, &ou).await?;
                let rdn = format!("CN={}", item.employee_no);
                ldap.modifydn(&found.dn, &rdn, true, Some(&ou))
                    .await
                    .and_then(|r| r.success())
                    .map_err(failure)?;
                Ok(format!("移動 {ou}"))
            }
            ChangeKind::Department => {
                let change = vec![Mod::Replace("department", HashSet::from([after]))];
                ldap.modify(&found.dn, change)
                    .await
                    .and_then(|r| r.success())
                    .map_err(failure)?;
                Ok("所属属性を更新".into())
            }
            ChangeKind::Disable | ChangeKind::Enable => {
                let control = if item.kind == ChangeKind::Disable {
                    found.control | ACCOUNT_DISABLED
                } else {
                    found.control & !ACCOUNT_DISABLED
                };
                let control = control.to_string();
                let change = vec![Mod::Replace(
                    "userAccountControl",
                    HashSet::from([control.as_str()]),
                )];
                ldap.modify(&found.dn, change)
                    .await
                    .and_then(|r| r.success())
                    .map_err(failure)?;
                Ok(item.kind.label().to_owned())
            }
            ChangeKind::GroupAdd | ChangeKind::GroupRemove | ChangeKind::Create => {
                Ok("対象外".into())
            }
        }
    }

    async fn check(&self, item: &ItemRow) -> Result<bool, DirectoryFailure> {
        let mut ldap = self.connection().await?;
        let Some(found) = self.find(&mut ldap, &item.employee_no).await? else {
            return Ok(false);
        };
        let after = item.after_value.as_deref().unwrap_or_default();
        Ok(match item.kind {
            ChangeKind::Create => true,
            ChangeKind::MoveOu => {
                let parent = found.dn.split_once(',').map(|(_, p)| p);
                parent.is_some_and(|p| p.eq_ignore_ascii_case(&self.ou(after)))
            }
            ChangeKind::Department => found.department.as_deref() == Some(after),
            ChangeKind::Disable => found.control & ACCOUNT_DISABLED != 0,
            ChangeKind::Enable => found.control & ACCOUNT_DISABLED == 0,
            ChangeKind::GroupAdd | ChangeKind::GroupRemove => true,
        })
    }
}

impl AccountDirectory for ActiveDirectory {
    fn handles(&self, system: AccountSystem) -> bool {
        system == self.system
    }

    fn shows<'a>(&'a self, item: &'a ItemRow) -> DirectoryFuture<'a, bool> {
        Box::pin(async move {
            let answer = self.check(item).await;
            if answer.is_err() {
                self.forget().await;
            }
            answer
        })
    }

    fn apply<'a>(&'a self, item: &'a ItemRow) -> DirectoryFuture<'a, String> {
        Box::pin(async move {
            let answer = self.act(item).await;
            if answer.is_err() {
                self.forget().await;
            }
            answer
        })
    }
}

//! The April switch written into an Active Directory over LDAPS (contract:
//! integrations/directory/README.md; tested against a Samba AD DC). An account is found by
//! `employeeNumber` (the 職員番号), never by a filter built from names. New accounts are
//! created disabled (`userAccountControl` 514) with `CN=<職員番号>` in the OU, which is
//! created when missing; the plan's OUs are mapped from `plan_suffix` to
//! `directory_suffix`. The same connection ([`Link`]) also carries out the account steps
//! of approved requests ([`RequestDirectory`], in `active_directory/requests.rs`).

mod requests;

pub use self::requests::RequestDirectory;

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
    link: Link,
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

/// `value` as an RDN value (RFC 4514): the characters that could end it or the RDN
/// (`, + " \ < > ; =`, a leading `#` or space, a trailing space, control characters) as
/// `\hh`; everything else, Japanese included, as it is.
pub(crate) fn rdn_value(value: &str) -> String {
    let last = value.chars().count().saturating_sub(1);
    let mut out = String::with_capacity(value.len());
    for (i, c) in value.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=')
            || c.is_control()
            || (i == 0 && matches!(c, '#' | ' '))
            || (i == last && c == ' ');
        if special {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\{b:02x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// An RDN value with its `\hh` and `\c` escapes undone (the attribute's value).
fn unescape_rdn(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'\\', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'\\', None) if i + 1 < bytes.len() => {
                out.push(bytes[i + 1]);
                i += 2;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Where and as whom to bind: one LDAPS connection, opened on first use and again after
/// a failure.
pub(crate) struct Link {
    url: String,
    bind_dn: String,
    password: String,
    tls_no_verify: bool,
    timeout: Duration,
    ldap: Mutex<Option<Ldap>>,
}

impl Link {
    pub(crate) fn new(
        url: &str,
        bind_dn: &str,
        password: &str,
        tls_no_verify: bool,
        timeout_secs: u64,
    ) -> Self {
        Self {
            url: url.to_owned(),
            bind_dn: bind_dn.to_owned(),
            password: password.to_owned(),
            tls_no_verify,
            timeout: Duration::from_secs(timeout_secs),
            ldap: Mutex::new(None),
        }
    }

    /// The bound connection.
    async fn connection(&self) -> Result<Ldap, DirectoryFailure> {
        let mut held = self.ldap.lock().await;
        if let Some(ldap) = held.as_ref() {
            return Ok(ldap.clone());
        }
        let conn = LdapConnSettings::new()
            .set_conn_timeout(self.timeout)
            .set_no_tls_verify(self.tls_no_verify);
        let (driver, mut ldap) = LdapConnAsync::with_settings(conn, &self.url)
            .await
            .map_err(|e| format!("connecting: {e}"))?;
        ldap3::drive!(driver);
        ldap.simple_bind(&self.bind_dn, &self.password)
            .await
            .and_then(|r| r.success())
            .map_err(|e| format!("binding: {e}"))?;
        *held = Some(ldap.clone());
        Ok(ldap)
    }

    /// Drops the connection (after a failure, the next use opens a new one).
    async fn forget(&self) {
        *self.ldap.lock().await = None;
    }

    /// The account with `employeeNumber` `employee_no` under `base`.
    async fn find(
        &self,
        ldap: &mut Ldap,
        base: &str,
        employee_no: &str,
    ) -> Result<Option<Found>, DirectoryFailure> {
        let filter = format!(
            "(&(objectClass=user)(employeeNumber={}))",
            ldap_filter_value(employee_no)
        );
        let (entries, _) = ldap
            .search(
                base,
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

    /// Creates the OU `ou` (ending in `suffix`) and the OUs above it that are missing.
    async fn ensure_ou(
        &self,
        ldap: &mut Ldap,
        suffix: &str,
        ou: &str,
    ) -> Result<(), DirectoryFailure> {
        let head = ou.strip_suffix(suffix).unwrap_or(ou).trim_end_matches(',');
        let rdns: Vec<&str> = head.split(',').filter(|r| !r.is_empty()).collect();
        for i in (0..rdns.len()).rev() {
            let dn = format!("{},{suffix}", rdns[i..].join(","));
            let name = unescape_rdn(rdns[i].trim_start_matches("OU="));
            let attrs = vec![
                ("objectClass", HashSet::from(["organizationalUnit"])),
                ("ou", HashSet::from([name.as_str()])),
            ];
            let result = ldap.add(&dn, attrs).await.map_err(failure)?;
            // 68: entryAlreadyExists.
            if result.rc != 0 && result.rc != 68 {
                return Err(format!("creating {dn}: {}", result));
            }
        }
        Ok(())
    }

    /// Sets `userAccountControl` to `control`.
    async fn set_control(
        &self,
        ldap: &mut Ldap,
        dn: &str,
        control: u32,
    ) -> Result<(), DirectoryFailure> {
        let control = control.to_string();
        let change = vec![Mod::Replace(
            "userAccountControl",
            HashSet::from([control.as_str()]),
        )];
        ldap.modify(dn, change)
            .await
            .and_then(|r| r.success())
            .map_err(failure)?;
        Ok(())
    }
}

impl ActiveDirectory {
    /// `None` when `[personnel.directory]` is off.
    pub fn new(settings: &DirectorySettings) -> Option<Self> {
        let url = settings.url.as_ref()?;
        let system = AccountSystem::from_name_or_label(&settings.system)?;
        let password = settings.password.as_ref().map(|p| p.expose());
        let link = Link::new(
            url,
            settings.bind_dn.as_deref().unwrap_or_default(),
            password.unwrap_or_default(),
            settings.tls_no_verify,
            settings.timeout_secs,
        );
        Some(Self {
            settings: settings.clone(),
            system,
            link,
        })
    }

    async fn connection(&self) -> Result<Ldap, DirectoryFailure> {
        self.link.connection().await
    }

    async fn forget(&self) {
        self.link.forget().await
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
        let base = &self.settings.directory_suffix;
        self.link.find(ldap, base, employee_no).await
    }

    async fn ensure_ou(&self, ldap: &mut Ldap, ou: &str) -> Result<(), DirectoryFailure> {
        let suffix = &self.settings.directory_suffix;
        self.link.ensure_ou(ldap, suffix, ou).await
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
                self.link.set_control(&mut ldap, &found.dn, control).await?;
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

//! The plan (dry run) as a pure function: for each person of the change file and each
//! directory and system, what must change so that the account matches the new year's
//! organisation, compared with what the directory export holds now. An account that
//! already matches gives no item.
//!
//! What a person should have, by 区分:
//! - 退職, 休職: every account they have, disabled; nothing else.
//! - the others: an account on each network whose OU the new 所属 has (会計年度任用:
//!   LGWAN接続系 only), mail and LoGoチャット with the 所属's groups, 文書管理・財務会計
//!   (not 会計年度任用), and LoGoフォーム, ChatGPT, AI議事録 only where they hold one
//!   already (those are granted one by one, and follow the person). Each is enabled, in
//!   the new OU, with the new 所属名 as its department; an account the person has but
//!   should not have any more is disabled.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::files::{Account, CurrentAccounts, OrgTable, OrgUnit, PersonnelChange, CHANGE_COLUMNS};
use super::table::problem;
use crate::domain::{AccountSystem, ChangeKind, ChangeReason, Network, TextEnum};
use crate::ledgers::CsvProblem;

/// How new accounts are made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanPolicy {
    /// The initial password rule, as the operator reads it in the plan.
    pub initial_password: String,
    /// New accounts stay disabled until the 発令日.
    pub disabled_until_effective: bool,
}

impl Default for PlanPolicy {
    fn default() -> Self {
        Self {
            initial_password: "16文字ランダム・初回サインイン時に変更".into(),
            disabled_until_effective: true,
        }
    }
}

/// One change to one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedItem {
    pub employee_no: String,
    pub name: String,
    /// The 所属 the item is filed under: the new one, or the old one for 退職 and 休職.
    pub department_code: Option<String>,
    pub reason: ChangeReason,
    pub system: AccountSystem,
    pub kind: ChangeKind,
    /// The value before (OU, department, group), where the kind has one.
    pub before: Option<String>,
    /// The value after (OU, department, group; for a new account its department).
    pub after: Option<String>,
    /// For a new account: the sign-in name, OU, group and password rule.
    pub detail: Option<String>,
    pub effective: NaiveDate,
}

/// Checks that need the change file and the other two: every 所属コード known, every
/// person the 区分 expects in the directory there, no 新規採用 who is there already.
pub fn check(
    changes: &[PersonnelChange],
    org: &OrgTable,
    current: &CurrentAccounts,
) -> Vec<CsvProblem> {
    let mut problems = Vec::new();
    for change in changes {
        if let Some(code) = &change.new_code {
            if !org.contains_key(code) {
                let reason = "組織表にない所属コードです。";
                problems.push(problem(change.line, CHANGE_COLUMNS[5], reason));
            }
        }
        let present = current
            .get(&change.employee_no)
            .is_some_and(|a| !a.is_empty());
        if change.reason.needs_existing() && !present {
            let reason = format!(
                "{}ですが、ディレクトリにいない職員です。",
                change.reason.label()
            );
            problems.push(problem(change.line, CHANGE_COLUMNS[0], reason));
        }
        if change.reason == ChangeReason::NewHire && present {
            let reason = "新規採用ですが、ディレクトリにすでにいる職員です。";
            problems.push(problem(change.line, CHANGE_COLUMNS[0], reason));
        }
    }
    problems
}

/// What one account should be.
struct Wanted {
    ou: Option<String>,
    group: Option<String>,
}

/// The plan of every change, in file order, then system order. Expects checked input
/// ([`check`]): a change whose 所属 is unknown is skipped.
pub fn plan(
    changes: &[PersonnelChange],
    org: &OrgTable,
    current: &CurrentAccounts,
    policy: &PlanPolicy,
) -> Vec<PlannedItem> {
    let none = Vec::new();
    let mut items = Vec::new();
    for change in changes {
        let held = current.get(&change.employee_no).unwrap_or(&none);
        let unit = change.new_code.as_ref().and_then(|c| org.get(c));
        let item = |system, kind, before: Option<&str>, after: Option<&str>| PlannedItem {
            employee_no: change.employee_no.clone(),
            name: change.name.clone(),
            department_code: change.new_code.clone().or_else(|| change.old_code.clone()),
            reason: change.reason,
            system,
            kind,
            before: before.map(str::to_owned),
            after: after.map(str::to_owned),
            detail: None,
            effective: change.effective,
        };
        if change.reason.ends_work() {
            for account in AccountSystem::ALL.iter().filter_map(|s| find(held, *s)) {
                if account.enabled {
                    items.push(item(account.system, ChangeKind::Disable, None, None));
                }
            }
            continue;
        }
        let Some(unit) = unit else { continue };
        for &system in AccountSystem::ALL {
            let account = find(held, system);
            match (
                wanted(change.reason, unit, system, account.is_some()),
                account,
            ) {
                (None, Some(a)) if a.enabled => {
                    items.push(item(system, ChangeKind::Disable, None, None));
                }
                (None, _) => {}
                (Some(w), None) => {
                    let mut new = item(system, ChangeKind::Create, None, Some(&unit.name));
                    new.detail = Some(create_detail(change, &w, policy));
                    items.push(new);
                }
                (Some(w), Some(a)) => {
                    if !a.enabled {
                        items.push(item(system, ChangeKind::Enable, None, None));
                    }
                    if system.network().is_some() && a.ou != w.ou {
                        let kind = ChangeKind::MoveOu;
                        items.push(item(system, kind, a.ou.as_deref(), w.ou.as_deref()));
                    }
                    if a.department.as_deref() != Some(unit.name.as_str()) {
                        let before = a.department.as_deref();
                        let kind = ChangeKind::Department;
                        items.push(item(system, kind, before, Some(&unit.name)));
                    }
                    if a.group != w.group {
                        if let Some(old) = &a.group {
                            items.push(item(system, ChangeKind::GroupRemove, Some(old), None));
                        }
                        if let Some(new) = &w.group {
                            items.push(item(system, ChangeKind::GroupAdd, None, Some(new)));
                        }
                    }
                }
            }
        }
    }
    items
}

fn find(held: &[Account], system: AccountSystem) -> Option<&Account> {
    held.iter().find(|a| a.system == system)
}

/// The account a person of `reason` in `unit` should have in `system`, if any.
fn wanted(
    reason: ChangeReason,
    unit: &OrgUnit,
    system: AccountSystem,
    has: bool,
) -> Option<Wanted> {
    let fixed_term = reason == ChangeReason::FixedTerm;
    let plain = Wanted {
        ou: None,
        group: None,
    };
    match system {
        AccountSystem::MynumberAd | AccountSystem::LgwanAd | AccountSystem::InternetAd => {
            let network = system.network()?;
            if fixed_term && network != Network::Lgwan {
                return None;
            }
            let ou = unit.ou(network)?;
            Some(Wanted {
                ou: Some(ou.to_owned()),
                group: None,
            })
        }
        AccountSystem::Mail => Some(Wanted {
            group: unit.mail_group.clone(),
            ..plain
        }),
        AccountSystem::LogoChat => Some(Wanted {
            group: unit.chat_group.clone(),
            ..plain
        }),
        AccountSystem::Documents => (!fixed_term).then_some(plain),
        AccountSystem::LogoForm | AccountSystem::ChatGpt | AccountSystem::AiMinutes => {
            has.then_some(plain)
        }
    }
}

fn create_detail(change: &PersonnelChange, wanted: &Wanted, policy: &PlanPolicy) -> String {
    let mut parts = vec![format!("アカウント: {}", change.employee_no)];
    if let Some(ou) = &wanted.ou {
        parts.push(format!("OU: {ou}"));
    }
    if let Some(group) = &wanted.group {
        parts.push(format!("グループ: {group}"));
    }
    parts.push(format!("初期パスワード: {}", policy.initial_password));
    if policy.disabled_until_effective {
        parts.push(format!("{} まで無効", change.effective));
    }
    parts.join(" / ")
}

/// The OU a new account goes into, from its item's detail.
pub fn new_account_ou(detail: Option<&str>) -> Option<&str> {
    detail?.split(" / ").find_map(|p| p.strip_prefix("OU: "))
}

/// A plan's counts: items per kind (every kind, in order), per system, and people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanCounts {
    pub people: usize,
    pub items: usize,
    pub by_kind: BTreeMap<&'static str, usize>,
    pub by_system: BTreeMap<&'static str, usize>,
}

impl PlanCounts {
    pub fn of(people: usize, items: &[PlannedItem]) -> Self {
        let mut by_kind: BTreeMap<&'static str, usize> =
            ChangeKind::ALL.iter().map(|k| (k.as_str(), 0)).collect();
        let mut by_system = BTreeMap::new();
        for item in items {
            *by_kind.entry(item.kind.as_str()).or_default() += 1;
            *by_system.entry(item.system.as_str()).or_default() += 1;
        }
        Self {
            people,
            items: items.len(),
            by_kind,
            by_system,
        }
    }

    /// The items of `kind`.
    pub fn kind(&self, kind: ChangeKind) -> usize {
        self.by_kind.get(kind.as_str()).copied().unwrap_or(0)
    }
}

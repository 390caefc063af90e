//! A stored plan as the reviewer reads it: counts by 所属 and by kind, the items picked by
//! filters (所属, kind, system, result), one person's changes as before → after per
//! directory and system, and where an apply run stands. Reading one person's changes is
//! audited (the plan names people).

use std::collections::BTreeMap;

use serde::Serialize;

use super::devices::DeviceMove;
use super::{Personnel, PersonnelError, PersonnelResult};
use crate::domain::{AccountSystem, ChangeKind, PlanItemStatus, TextEnum};
use crate::storage::personnel_plans::{self, ItemRow, PlanPerson, PlanRow};
use crate::storage::{audit, AuditEntry};

/// Which items to list; `None`: any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemFilter {
    pub department_code: Option<String>,
    pub kind: Option<ChangeKind>,
    pub system: Option<AccountSystem>,
    pub status: Option<PlanItemStatus>,
}

impl ItemFilter {
    pub fn keeps(&self, item: &ItemRow) -> bool {
        self.department_code
            .as_ref()
            .is_none_or(|c| item.department_code.as_ref() == Some(c))
            && self.kind.is_none_or(|k| item.kind == k)
            && self.system.is_none_or(|s| item.system == s)
            && self.status.is_none_or(|s| item.status == s)
    }
}

/// One 所属's items: how many of each kind (in [`ChangeKind::ALL`] order), and how far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepartmentCounts {
    pub code: String,
    /// The 所属名 from the change file, when someone moves into it.
    pub name: Option<String>,
    pub people: usize,
    pub by_kind: Vec<usize>,
    pub total: usize,
    /// Items not yet approved.
    pub proposed: usize,
    pub done: usize,
    pub failed: usize,
}

/// One kind's items and how far they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindCounts {
    pub kind: ChangeKind,
    pub total: usize,
    pub proposed: usize,
    pub done: usize,
    pub failed: usize,
}

/// Done, failed and left (approved, or being applied) of a plan's items.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub proposed: usize,
    pub done: usize,
    pub failed: usize,
    pub left: usize,
}

impl Tally {
    pub fn of<'a>(items: impl IntoIterator<Item = &'a ItemRow>) -> Self {
        let mut t = Tally::default();
        for item in items {
            match item.status {
                PlanItemStatus::Proposed => t.proposed += 1,
                PlanItemStatus::Done => t.done += 1,
                PlanItemStatus::Failed => t.failed += 1,
                PlanItemStatus::Approved | PlanItemStatus::Applying => t.left += 1,
            }
        }
        t
    }

    /// The share of approved items finished (done or failed), in percent.
    pub fn percent(&self) -> usize {
        let approved = self.done + self.failed + self.left;
        ((self.done + self.failed) * 100)
            .checked_div(approved)
            .unwrap_or(0)
    }
}

impl From<&[(PlanItemStatus, i64)]> for Tally {
    fn from(counts: &[(PlanItemStatus, i64)]) -> Self {
        let n = |s| {
            counts
                .iter()
                .filter(|(c, _)| *c == s)
                .map(|(_, n)| *n as usize)
                .sum::<usize>()
        };
        Tally {
            proposed: n(PlanItemStatus::Proposed),
            done: n(PlanItemStatus::Done),
            failed: n(PlanItemStatus::Failed),
            left: n(PlanItemStatus::Approved) + n(PlanItemStatus::Applying),
        }
    }
}

/// A plan as the review page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PlanReview {
    pub plan: PlanRow,
    pub departments: Vec<DepartmentCounts>,
    pub kinds: Vec<KindCounts>,
    pub tally: Tally,
    /// Whether an apply run holds the plan now.
    pub running: bool,
    /// The items the filter keeps, at most the limit asked for, in plan order.
    pub items: Vec<ItemRow>,
    /// How many items the filter keeps in all.
    pub matching: usize,
    pub moves: Vec<DeviceMove>,
    /// The per-system work-order files (`<system>.csv`, `<system>.ps1` per AD).
    pub system_files: Vec<String>,
}

/// Counts and picks (pure); `now` tells whether a run's lease still holds the plan.
pub fn review(
    now: chrono::DateTime<chrono::Utc>,
    plan: PlanRow,
    people: &[PlanPerson],
    items: Vec<ItemRow>,
    filter: &ItemFilter,
    limit: usize,
    moves: Vec<DeviceMove>,
) -> PlanReview {
    let mut names: BTreeMap<&str, &str> = BTreeMap::new();
    let mut heads: BTreeMap<&str, usize> = BTreeMap::new();
    for p in people {
        if let Some(code) = &p.department_code {
            if let Some(name) = &p.department {
                names.insert(code, name);
            }
        }
    }
    let mut departments: BTreeMap<String, DepartmentCounts> = BTreeMap::new();
    let mut seen: BTreeMap<(&str, &str), ()> = BTreeMap::new();
    for item in &items {
        let code = item.department_code.as_deref().unwrap_or("");
        if seen.insert((code, &item.employee_no), ()).is_none() {
            *heads.entry(code).or_default() += 1;
        }
        let d = departments
            .entry(code.to_owned())
            .or_insert_with(|| DepartmentCounts {
                code: code.to_owned(),
                name: names.get(code).map(|n| (*n).to_owned()),
                people: 0,
                by_kind: vec![0; ChangeKind::ALL.len()],
                total: 0,
                proposed: 0,
                done: 0,
                failed: 0,
            });
        if let Some(k) = ChangeKind::ALL.iter().position(|k| *k == item.kind) {
            d.by_kind[k] += 1;
        }
        d.total += 1;
        let t = Tally::of([item]);
        d.proposed += t.proposed;
        d.done += t.done;
        d.failed += t.failed;
    }
    for d in departments.values_mut() {
        d.people = heads.get(d.code.as_str()).copied().unwrap_or(0);
    }
    let kinds = ChangeKind::ALL
        .iter()
        .map(|&kind| {
            let t = Tally::of(items.iter().filter(|i| i.kind == kind));
            KindCounts {
                kind,
                total: t.proposed + t.done + t.failed + t.left,
                proposed: t.proposed,
                done: t.done,
                failed: t.failed,
            }
        })
        .collect();
    let tally = Tally::of(&items);
    let mut system_files = Vec::new();
    for system in AccountSystem::ALL {
        if items.iter().any(|i| i.system == *system) {
            system_files.push(format!("{}.csv", system.as_str()));
            if system.network().is_some() {
                system_files.push(format!("{}.ps1", system.as_str()));
            }
        }
    }
    let kept: Vec<ItemRow> = items.into_iter().filter(|i| filter.keeps(i)).collect();
    let matching = kept.len();
    PlanReview {
        running: plan.run_until.is_some_and(|until| until > now),
        plan,
        departments: departments.into_values().collect(),
        kinds,
        tally,
        items: kept.into_iter().take(limit).collect(),
        matching,
        moves,
        system_files,
    }
}

/// One person's changes, system by system (only the systems that change).
#[derive(Debug, Clone, Serialize)]
pub struct PersonChanges {
    pub plan_id: i64,
    pub person: PlanPerson,
    pub systems: Vec<(AccountSystem, Vec<ItemRow>)>,
    pub moves: Vec<DeviceMove>,
}

/// A plan's items per state, and whether a run holds it now.
#[derive(Debug, Clone, Serialize)]
pub struct RunState {
    pub plan: PlanRow,
    pub tally: Tally,
    pub running: bool,
}

impl Personnel {
    /// The newest plans first.
    pub async fn plans(&self, limit: i64) -> PersonnelResult<Vec<PlanRow>> {
        Ok(personnel_plans::plans(&mut self.store.conn(), limit).await?)
    }

    /// A plan for review, read by `actor` (audited): counts, the filtered items (at most
    /// `limit`) and device moves.
    pub async fn review(
        &self,
        plan_id: i64,
        filter: &ItemFilter,
        limit: usize,
        actor: &str,
    ) -> PersonnelResult<PlanReview> {
        let stored = self.plan(plan_id).await?;
        let people = personnel_plans::people(&mut self.store.conn(), plan_id).await?;
        let moves = self.device_moves(plan_id).await?;
        // The list names people and their changes: who read it is recorded, as for one
        // person's page.
        let mut tx = self.store.begin().await?;
        let entry = AuditEntry::new(
            actor,
            "personnel.view_plan",
            "personnel_plan",
            &plan_id.to_string(),
        )
        .detail(format!(
            "department {}",
            filter.department_code.as_deref().unwrap_or("*")
        ));
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(review(
            self.store.now(),
            stored.plan,
            &people,
            stored.items,
            filter,
            limit,
            moves,
        ))
    }

    /// One person's changes in a plan, read by `actor` (audited).
    pub async fn person(
        &self,
        plan_id: i64,
        employee_no: &str,
        actor: &str,
    ) -> PersonnelResult<PersonChanges> {
        let stored = self.plan(plan_id).await?;
        let people = personnel_plans::people(&mut self.store.conn(), plan_id).await?;
        let Some(person) = people
            .iter()
            .find(|p| p.employee_no == employee_no)
            .cloned()
        else {
            return Err(PersonnelError::NotInPlan(format!(
                "計画 {plan_id} にその職員はいません。"
            )));
        };
        let mut systems = Vec::new();
        for &system in AccountSystem::ALL {
            let mine: Vec<ItemRow> = stored
                .items
                .iter()
                .filter(|i| i.employee_no == employee_no && i.system == system)
                .cloned()
                .collect();
            if !mine.is_empty() {
                systems.push((system, mine));
            }
        }
        let moves = self
            .device_moves(plan_id)
            .await?
            .into_iter()
            .filter(|m| m.employee_no == employee_no)
            .collect();
        let mut tx = self.store.begin().await?;
        let entry = AuditEntry::new(
            actor,
            "personnel.view_person",
            "personnel_plan",
            &plan_id.to_string(),
        )
        .detail(format!("employee {employee_no}"));
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(PersonChanges {
            plan_id,
            person,
            systems,
            moves,
        })
    }

    /// Where a plan's items stand, and whether a run holds it now.
    pub async fn run_state(&self, plan_id: i64) -> PersonnelResult<RunState> {
        let progress = self.status(plan_id).await?;
        let now = self.store.now();
        let running = progress.plan.run_until.is_some_and(|until| until > now);
        Ok(RunState {
            tally: Tally::from(progress.counts.as_slice()),
            plan: progress.plan,
            running,
        })
    }

    /// Starts a run of the plan's approved items (of the 所属 `only`, when given) through
    /// the helpdesk's directory, in the background; refused (nothing changed) when the
    /// plan is not approved or another run holds it.
    pub async fn start(&self, plan_id: i64, only: &[String], actor: &str) -> PersonnelResult<()> {
        let run = self.begin_run(plan_id, only, false, actor).await?;
        let me = self.clone();
        tokio::spawn(async move {
            let directory = me.directory.clone();
            if let Err(e) = me.run(&run, directory.as_ref(), |_| {}).await {
                tracing::warn!(plan = run.plan_id(), error = %e, "personnel run stopped");
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::personnel::tests::item_row;

    #[test]
    fn counts_by_department_and_kind_and_the_filter_picks() {
        let at = chrono::DateTime::parse_from_rfc3339("2027-03-20T09:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let plan = PlanRow {
            id: 1,
            status: crate::domain::PlanStatus::Draft,
            source: "changes.csv".into(),
            people: 14,
            created_by: "admin".into(),
            created_at: at,
            updated_at: at,
            run_until: None,
        };
        let mut items: Vec<ItemRow> = (1..=14).map(item_row).collect();
        items[0].status = PlanItemStatus::Proposed;
        items[1].kind = ChangeKind::Create;
        items[2].status = PlanItemStatus::Failed;
        let filter = ItemFilter {
            department_code: Some("K001".into()),
            ..ItemFilter::default()
        };
        let r = review(at, plan, &[], items, &filter, 1, Vec::new());
        assert!(!r.running);
        assert_eq!(r.departments.len(), 7);
        let k001 = &r.departments[1];
        assert_eq!(
            (k001.code.as_str(), k001.total, k001.proposed),
            ("K001", 2, 1)
        );
        assert_eq!(r.kinds[0].total, 1, "one create");
        assert_eq!(
            r.tally,
            Tally {
                proposed: 1,
                done: 12,
                failed: 1,
                left: 0
            }
        );
        assert_eq!((r.matching, r.items.len()), (2, 1), "two kept, one shown");
    }
}

//! The April personnel switch (年度切り替え) and 機構改革: from the personnel system's
//! change file, the organisation table and a directory export, a plan of every account
//! change (a pure function, [`plan::plan`]), stored for review, approved whole or in
//! parts, exported for the directories' admin consoles, and applied as a resumable run
//! through a directory adapter ([`AccountDirectory`]).

mod apply;
mod approve;
pub mod devices;
mod downloads;
mod enable;
pub mod export;
pub mod files;
pub mod plan;
pub mod report;
pub mod review;
pub mod sample;
mod staff;
mod table;

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

pub use self::apply::{
    AccountDirectory, DirectoryFailure, DirectoryFuture, Routed, Run, RunProgress, WorkOrders,
    RUN_LEASE_MINUTES,
};
pub use self::approve::{approvable, ApprovalScope};
pub use self::downloads::PLAN_FILES;
pub use self::files::{Account, CurrentAccounts, OrgTable, OrgUnit, PersonnelChange};
pub use self::plan::{PlanCounts, PlanPolicy, PlannedItem};
pub use self::staff::StaffUpdate;

use crate::domain::PlanItemStatus;
use crate::ledgers::CsvProblem;
use crate::storage::personnel_plans::{self, NewItem, NewPlan, PlanPerson};
use crate::storage::{audit, AuditEntry, StorageError, Store};

/// Which of the three files a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputFile {
    Changes,
    Org,
    Directory,
}

impl InputFile {
    pub fn label(self) -> &'static str {
        match self {
            Self::Changes => "異動ファイル",
            Self::Org => "組織表",
            Self::Directory => "ディレクトリ",
        }
    }
}

/// A problem of one of the files, by line and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileProblem {
    pub file: InputFile,
    #[serde(flatten)]
    pub problem: CsvProblem,
}

impl std::fmt::Display for FileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.file.label(), self.problem)
    }
}

/// Why nothing was planned, stored or changed.
#[derive(Debug, thiserror::Error)]
pub enum PersonnelError {
    #[error("{}件の問題があり、何も保存していません:\n{}", .0.len(), list(.0))]
    Problems(Vec<FileProblem>),
    #[error("計画 {0} はありません。")]
    NoPlan(i64),
    #[error("{0}")]
    NotAllowed(String),
    /// A person or file the plan does not have.
    #[error("{0}")]
    NotInPlan(String),
    #[error("計画 {0} は別の適用が実行中です。同時に適用できるのは一つだけです。終わるのを待ってください（止まった実行は数分で引き継げます）。")]
    Running(i64),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

fn list(problems: &[FileProblem]) -> String {
    let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
    lines.join("\n")
}

pub type PersonnelResult<T> = Result<T, PersonnelError>;

/// The three files as given.
#[derive(Debug, Clone, Copy)]
pub struct InputFiles<'a> {
    pub changes: &'a [u8],
    pub org: &'a [u8],
    pub directory: &'a [u8],
}

/// A plan made and checked, not yet stored.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub changes: Vec<PersonnelChange>,
    pub items: Vec<PlannedItem>,
    pub counts: PlanCounts,
}

/// Reads and checks the three files and plans: every problem of every file at once,
/// or the plan. Pure: nothing is read or written but the bytes given.
pub fn prepare(files: InputFiles<'_>, policy: &PlanPolicy) -> PersonnelResult<Prepared> {
    let (org, org_problems) = files::read_org(files.org);
    let (current, directory_problems) = files::read_directory(files.directory);
    let (changes, mut change_problems) = files::read_changes(files.changes);
    if org_problems.is_empty() && directory_problems.is_empty() {
        change_problems.extend(plan::check(&changes, &org, &current));
    }
    let mut problems = Vec::new();
    for (file, list) in [
        (InputFile::Org, org_problems),
        (InputFile::Directory, directory_problems),
        (InputFile::Changes, change_problems),
    ] {
        let mut list = list;
        list.sort_by_key(|p| p.line);
        problems.extend(
            list.into_iter()
                .map(|problem| FileProblem { file, problem }),
        );
    }
    if !problems.is_empty() {
        return Err(PersonnelError::Problems(problems));
    }
    let items = plan::plan(&changes, &org, &current, policy);
    let counts = PlanCounts::of(changes.len(), &items);
    Ok(Prepared {
        changes,
        items,
        counts,
    })
}

/// The personnel switch service.
#[derive(Clone)]
pub struct Personnel {
    store: Store,
    policy: PlanPolicy,
    /// Where runs started from the console write (work orders unless set).
    directory: Arc<dyn AccountDirectory>,
    /// The font run reports are set in (PDF).
    font: Option<PathBuf>,
}

impl Personnel {
    pub fn new(store: Store, policy: PlanPolicy) -> Self {
        Self {
            store,
            policy,
            directory: Arc::new(WorkOrders::default()),
            font: None,
        }
    }

    /// Runs started by [`Personnel::start`] write through `directory`.
    pub fn with_directory(mut self, directory: Arc<dyn AccountDirectory>) -> Self {
        self.directory = directory;
        self
    }

    /// Run reports as PDF are set in the font file at `path` (IPAex Gothic).
    pub fn with_font(mut self, path: PathBuf) -> Self {
        self.font = Some(path);
        self
    }

    pub fn policy(&self) -> &PlanPolicy {
        &self.policy
    }

    /// Checks the files and plans without storing anything.
    pub fn dry_run(&self, files: InputFiles<'_>) -> PersonnelResult<Prepared> {
        prepare(files, &self.policy)
    }

    /// Checks the files, plans and stores the plan (one transaction with its audit row);
    /// the plan's id. Nothing is stored when a file has a problem.
    pub async fn create_plan(
        &self,
        source: &str,
        files: InputFiles<'_>,
        actor: &str,
    ) -> PersonnelResult<(i64, Prepared)> {
        let prepared = self.dry_run(files)?;
        let mut tx = self.store.begin().await?;
        let new = NewPlan {
            source,
            people: prepared.changes.len(),
            created_by: actor,
        };
        let id = personnel_plans::insert_plan(&mut tx, &new).await?;
        let people: Vec<PlanPerson> = prepared
            .changes
            .iter()
            .map(|c| PlanPerson {
                employee_no: c.employee_no.clone(),
                name: c.name.clone(),
                reason: c.reason,
                department_code: c.new_code.clone(),
                department: c.new_department.clone(),
                effective: c.effective,
            })
            .collect();
        personnel_plans::insert_people(&mut tx, id, &people).await?;
        let items: Vec<NewItem<'_>> = prepared.items.iter().map(new_item).collect();
        personnel_plans::insert_items(&mut tx, id, &items).await?;
        let detail = format!(
            "people {}, items {}",
            prepared.counts.people, prepared.counts.items
        );
        let entry = AuditEntry::new(actor, "personnel.plan", "personnel_plan", &id.to_string())
            .detail(detail);
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok((id, prepared))
    }

    /// A stored plan and its items.
    pub async fn plan(&self, id: i64) -> PersonnelResult<StoredPlan> {
        let mut c = self.store.conn();
        let plan = personnel_plans::plan(&mut c, id)
            .await?
            .ok_or(PersonnelError::NoPlan(id))?;
        let items = personnel_plans::items(&mut c, id).await?;
        Ok(StoredPlan { plan, items })
    }

    /// A stored plan and how many of its items are in each state.
    pub async fn status(&self, id: i64) -> PersonnelResult<PlanProgress> {
        let mut c = self.store.conn();
        let plan = personnel_plans::plan(&mut c, id)
            .await?
            .ok_or(PersonnelError::NoPlan(id))?;
        let counts = personnel_plans::status_counts(&mut c, id).await?;
        Ok(PlanProgress { plan, counts })
    }
}

/// A plan and its items per state.
#[derive(Debug, Clone, Serialize)]
pub struct PlanProgress {
    pub plan: personnel_plans::PlanRow,
    pub counts: Vec<(PlanItemStatus, i64)>,
}

/// A stored plan with its items.
#[derive(Debug, Clone, Serialize)]
pub struct StoredPlan {
    pub plan: personnel_plans::PlanRow,
    pub items: Vec<personnel_plans::ItemRow>,
}

fn new_item(item: &PlannedItem) -> NewItem<'_> {
    NewItem {
        employee_no: &item.employee_no,
        name: &item.name,
        department_code: item.department_code.as_deref(),
        reason: item.reason,
        system: item.system,
        kind: item.kind,
        before: item.before.as_deref(),
        after: item.after.as_deref(),
        detail: item.detail.as_deref(),
        effective: item.effective,
    }
}

#[cfg(test)]
mod tests;

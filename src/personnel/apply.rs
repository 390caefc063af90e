//! Applying an approved plan as a resumable run, the way the outbox delivers: each item
//! is claimed in a transaction of its own (approved → applying) before the directory is
//! touched, and its result recorded in another (done / failed). A run that stops (crash,
//! directory down, operator's stop) leaves at most the item it was acting on `applying`;
//! the next run asks the directory whether that change is already there before acting,
//! so nothing is applied twice. A failed item does not stop the others and is retried by
//! the next run.

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;

use super::{Personnel, PersonnelError, PersonnelResult};
use crate::domain::{AccountSystem, ChangeKind, PlanItemStatus, PlanStatus};
use crate::storage::personnel_plans::{self, ItemRow};
use crate::storage::{audit, AuditEntry};

/// Why a directory could not carry out an item (a short reason, recorded with it).
pub type DirectoryFailure = String;

/// A future an adapter answers with.
pub type DirectoryFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, DirectoryFailure>> + Send + 'a>>;

/// A directory or system the switch writes into (contract:
/// `integrations/directory/README.md`). Implementations live in `crate::adapters`.
pub trait AccountDirectory: Send + Sync {
    /// Whether this adapter writes `system` itself (else its items are left for a work
    /// order by another adapter).
    fn handles(&self, system: AccountSystem) -> bool;

    /// Whether the account already shows the item's change (asked before acting again on
    /// an item a stopped run had claimed).
    fn shows<'a>(&'a self, item: &'a ItemRow) -> DirectoryFuture<'a, bool>;

    /// Carries the item out; what was done, in the helpdesk's words.
    fn apply<'a>(&'a self, item: &'a ItemRow) -> DirectoryFuture<'a, String>;
}

/// Where a run stands, as it goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RunProgress {
    pub done: usize,
    pub failed: usize,
    pub left: usize,
}

/// How long a run holds its plan without a sign of life (it renews after every item).
pub const RUN_LEASE_MINUTES: i64 = 5;

/// A run that holds its plan: only it applies the plan's items until it lets go.
#[derive(Debug, Clone)]
pub struct Run {
    plan_id: i64,
    token: String,
    only: Vec<String>,
    /// Only the items of this kind (the 発令日's enabling), when set.
    kind: Option<ChangeKind>,
}

impl Run {
    pub fn plan_id(&self) -> i64 {
        self.plan_id
    }

    /// This run carries out only the items of `kind`.
    pub fn kind(mut self, kind: ChangeKind) -> Self {
        self.kind = Some(kind);
        self
    }
}

impl Personnel {
    /// Applies the approved (and failed, and stopped) items of a plan, of the 所属 `only`
    /// when given, through `directory`; `progress` hears after every item. Refused while
    /// another run holds the plan.
    pub async fn apply(
        &self,
        plan_id: i64,
        only: &[String],
        directory: &dyn AccountDirectory,
        actor: &str,
        progress: impl FnMut(RunProgress),
    ) -> PersonnelResult<RunProgress> {
        let run = self.begin_run(plan_id, only, false, actor).await?;
        self.run(&run, directory, progress).await
    }

    /// Takes the plan for a new run (one transaction with its audit row): refused when the
    /// plan is not approved, or when another run holds it and its lease has not run out
    /// (`take_over`: a run known to have stopped is taken over at once).
    pub async fn begin_run(
        &self,
        plan_id: i64,
        only: &[String],
        take_over: bool,
        actor: &str,
    ) -> PersonnelResult<Run> {
        let mut tx = self.store.begin().await?;
        let plan = personnel_plans::plan(&mut tx.conn(), plan_id)
            .await?
            .ok_or(PersonnelError::NoPlan(plan_id))?;
        if plan.status == PlanStatus::Draft {
            return Err(PersonnelError::NotAllowed(format!(
                "計画 {plan_id} はまだ承認されていません。"
            )));
        }
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the operating system's random source");
        let token = hex::encode(bytes);
        let until = tx.now() + chrono::Duration::minutes(RUN_LEASE_MINUTES);
        if !personnel_plans::claim_run(&mut tx, plan_id, &token, until, take_over).await? {
            return Err(PersonnelError::Running(plan_id));
        }
        personnel_plans::set_plan_status(&mut tx, plan_id, PlanStatus::Applying).await?;
        let scope = if only.is_empty() {
            "all".to_owned()
        } else {
            only.join(",")
        };
        let detail = if take_over {
            format!("{scope}; taken over")
        } else {
            scope
        };
        let entry = AuditEntry::new(
            actor,
            "personnel.apply",
            "personnel_plan",
            &plan_id.to_string(),
        )
        .detail(detail);
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(Run {
            plan_id,
            token,
            only: only.to_vec(),
            kind: None,
        })
    }

    /// Carries out a run taken by [`Personnel::begin_run`], then lets go of the plan.
    pub async fn run(
        &self,
        run: &Run,
        directory: &dyn AccountDirectory,
        progress: impl FnMut(RunProgress),
    ) -> PersonnelResult<RunProgress> {
        let result = self.run_items(run, directory, progress).await;
        let mut tx = self.store.begin().await?;
        personnel_plans::release_run(&mut tx, run.plan_id, &run.token).await?;
        tx.commit().await?;
        let done = result?;
        self.settle(run.plan_id).await?;
        Ok(done)
    }

    async fn run_items(
        &self,
        run: &Run,
        directory: &dyn AccountDirectory,
        mut progress: impl FnMut(RunProgress),
    ) -> PersonnelResult<RunProgress> {
        let only = &run.only;
        let items: Vec<ItemRow> = personnel_plans::runnable(&mut self.store.conn(), run.plan_id)
            .await?
            .into_iter()
            .filter(|i| directory.handles(i.system))
            .filter(|i| run.kind.is_none_or(|k| i.kind == k))
            .filter(|i| {
                only.is_empty() || i.department_code.as_ref().is_some_and(|c| only.contains(c))
            })
            .collect();
        let mut done = RunProgress {
            left: items.len(),
            ..RunProgress::default()
        };
        progress(done);
        for item in &items {
            let result = self.apply_one(run, item, directory).await?;
            done.left -= 1;
            match result {
                Ok(()) => done.done += 1,
                Err(()) => done.failed += 1,
            }
            progress(done);
        }
        Ok(done)
    }

    /// One item: claim, act (or find it done already), record. `Err(())` when it failed.
    async fn apply_one(
        &self,
        run: &Run,
        item: &ItemRow,
        directory: &dyn AccountDirectory,
    ) -> PersonnelResult<Result<(), ()>> {
        if item.status == PlanItemStatus::Applying {
            // Claimed by a run that stopped: it may have acted before recording.
            if let Ok(true) = directory.shows(item).await {
                self.record(run, item.id, Ok("適用済みを確認")).await?;
                return Ok(Ok(()));
            }
        } else {
            let mut tx = self.store.begin().await?;
            let claimed = personnel_plans::claim(&mut tx, item.id, item.status).await?;
            tx.commit().await?;
            if !claimed {
                return Ok(Ok(()));
            }
        }
        match directory.apply(item).await {
            Ok(outcome) => {
                self.record(run, item.id, Ok(&outcome)).await?;
                Ok(Ok(()))
            }
            Err(reason) => {
                self.record(run, item.id, Err(&reason)).await?;
                Ok(Err(()))
            }
        }
    }

    /// Records an item's result and renews the run's lease, in one transaction; a run
    /// whose plan was taken over stops here (its result is not recorded).
    async fn record(&self, run: &Run, id: i64, result: Result<&str, &str>) -> PersonnelResult<()> {
        let mut tx = self.store.begin().await?;
        let until = tx.now() + chrono::Duration::minutes(RUN_LEASE_MINUTES);
        if !personnel_plans::renew_run(&mut tx, run.plan_id, &run.token, until).await? {
            return Err(PersonnelError::Running(run.plan_id));
        }
        personnel_plans::finish(&mut tx, id, result).await?;
        tx.commit().await?;
        Ok(())
    }

    /// After a run: the plan is 完了 when every item is done, and back to 一部承認 when
    /// items are left to approve (a run of the approved part of a partly approved plan),
    /// so that the rest can be approved and applied. Else it stays as it is (failed or
    /// approved items left for the next run). Nothing changes while another run holds the
    /// plan (this run lost it): that run settles it when it ends.
    async fn settle(&self, plan_id: i64) -> PersonnelResult<()> {
        let mut tx = self.store.begin().await?;
        let Some(plan) = personnel_plans::plan(&mut tx.conn(), plan_id).await? else {
            return Ok(());
        };
        if plan.run_until.is_some_and(|until| until > tx.now()) {
            return Ok(());
        }
        let counts = personnel_plans::status_counts(&mut tx.conn(), plan_id).await?;
        let count = |status: PlanItemStatus| {
            counts
                .iter()
                .filter(|(s, _)| *s == status)
                .map(|(_, n)| n)
                .sum::<i64>()
        };
        let all = counts.iter().map(|(_, n)| n).sum::<i64>();
        let status = if count(PlanItemStatus::Done) == all {
            PlanStatus::Done
        } else if count(PlanItemStatus::Proposed) > 0 {
            PlanStatus::PartlyApproved
        } else {
            return Ok(());
        };
        if status != plan.status {
            personnel_plans::set_plan_status(&mut tx, plan_id, status).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The adapter for networks and systems the helpdesk may not write into: every item
/// becomes a line of the work order (the plan's per-system CSV and PowerShell files,
/// `personnel export`), carried out by the operator on that network.
#[derive(Debug, Clone, Default)]
pub struct WorkOrders {
    /// Systems another adapter writes (left out of the work order).
    pub except: Vec<AccountSystem>,
}

impl AccountDirectory for WorkOrders {
    fn handles(&self, system: AccountSystem) -> bool {
        !self.except.contains(&system)
    }

    fn shows<'a>(&'a self, _item: &'a ItemRow) -> DirectoryFuture<'a, bool> {
        Box::pin(async { Ok(true) })
    }

    fn apply<'a>(&'a self, item: &'a ItemRow) -> DirectoryFuture<'a, String> {
        let outcome = format!("作業指示書 {}.csv に記載", item.system.as_str());
        Box::pin(async move { Ok(outcome) })
    }
}

/// Several adapters: each item goes to the first that writes its system.
pub struct Routed(pub Vec<Box<dyn AccountDirectory>>);

impl Routed {
    fn to(&self, system: AccountSystem) -> Option<&dyn AccountDirectory> {
        self.0
            .iter()
            .find(|d| d.handles(system))
            .map(|d| d.as_ref())
    }
}

impl AccountDirectory for Routed {
    fn handles(&self, system: AccountSystem) -> bool {
        self.to(system).is_some()
    }

    fn shows<'a>(&'a self, item: &'a ItemRow) -> DirectoryFuture<'a, bool> {
        match self.to(item.system) {
            Some(d) => d.shows(item),
            None => Box::pin(async { Ok(false) }),
        }
    }

    fn apply<'a>(&'a self, item: &'a ItemRow) -> DirectoryFuture<'a, String> {
        match self.to(item.system) {
            Some(d) => d.apply(item),
            None => Box::pin(async {
                Err("この系統の書き込み先がありません".to_owned())
            }),
        }
    }
}

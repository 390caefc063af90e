//! On the 発令日, the accounts a plan created (disabled: the directory adapter and the
//! PowerShell script make new accounts disabled) are enabled: one Enable item per such
//! account is added to the plan, approved with the creation it follows, and carried out
//! by a run of its own like any other item (resumable, one run per plan at a time).

use chrono::{Duration, NaiveDate};

use super::{AccountDirectory, Personnel, PersonnelError, PersonnelResult, RunProgress};
use crate::domain::{ChangeKind, PlanItemStatus};
use crate::storage::personnel_plans::{self, NewItem};
use crate::storage::{audit, AuditEntry};

impl Personnel {
    /// Today in Japan, by the helpdesk's clock.
    pub(super) fn today(&self) -> NaiveDate {
        (self.store.now() + Duration::hours(9)).date_naive()
    }

    /// Adds an Enable item for every account the plan created whose 発令日 has come
    /// and that is not enabled by the plan yet (one transaction with its audit row); how
    /// many were added.
    pub async fn add_due_enables(&self, plan_id: i64, actor: &str) -> PersonnelResult<usize> {
        let today = self.today();
        let mut tx = self.store.begin().await?;
        // Locked first: two `personnel enable` at once would both find the same accounts
        // not yet enabled and number their items alike.
        personnel_plans::plan_for_update(&mut tx, plan_id)
            .await?
            .ok_or(PersonnelError::NoPlan(plan_id))?;
        let created = personnel_plans::due_enables(&mut tx.conn(), plan_id, today).await?;
        if created.is_empty() {
            return Ok(0);
        }
        let detail = format!("発令日（{today}）の有効化");
        let items: Vec<NewItem<'_>> = created
            .iter()
            .map(|c| NewItem {
                employee_no: &c.employee_no,
                name: &c.name,
                department_code: c.department_code.as_deref(),
                reason: c.reason,
                system: c.system,
                kind: ChangeKind::Enable,
                before: None,
                after: None,
                detail: Some(&detail),
                effective: c.effective,
            })
            .collect();
        let first = personnel_plans::last_seq(&mut tx.conn(), plan_id).await? + 1;
        personnel_plans::insert_items_from(
            &mut tx,
            plan_id,
            first,
            PlanItemStatus::Approved,
            &items,
        )
        .await?;
        let entry = AuditEntry::new(
            actor,
            "personnel.enable",
            "personnel_plan",
            &plan_id.to_string(),
        )
        .detail(format!("accounts {}, effective by {today}", items.len()));
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(items.len())
    }

    /// `personnel enable`: adds the due Enable items and runs them (only them) through
    /// `directory`; refused while another run holds the plan.
    pub async fn enable_due(
        &self,
        plan_id: i64,
        directory: &dyn AccountDirectory,
        actor: &str,
        progress: impl FnMut(RunProgress),
    ) -> PersonnelResult<(usize, RunProgress)> {
        let added = self.add_due_enables(plan_id, actor).await?;
        let run = self
            .begin_run(plan_id, &[], false, actor)
            .await?
            .kind(ChangeKind::Enable);
        let done = self.run(&run, directory, progress).await?;
        Ok((added, done))
    }
}

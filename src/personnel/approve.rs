//! Approving a plan, whole or in parts (by 所属, by kind of change): one transaction with
//! its audit row. Only approved items are ever applied.

use serde::{Deserialize, Serialize};

use super::{Personnel, PersonnelError, PersonnelResult};
use crate::domain::{ChangeKind, PlanItemStatus, PlanStatus};
use crate::storage::personnel_plans::{self, approve_part};
use crate::storage::{audit, AuditEntry};

/// Which part of a plan to approve: the items of these 所属 and of these kinds (an empty
/// list: every one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalScope {
    pub department_codes: Vec<String>,
    pub kinds: Vec<ChangeKind>,
}

impl ApprovalScope {
    /// The whole plan.
    pub fn all() -> Self {
        Self::default()
    }

    fn describe(&self) -> String {
        let codes = if self.department_codes.is_empty() {
            "all".to_owned()
        } else {
            self.department_codes.join(",")
        };
        let kinds: Vec<&str> = self.kinds.iter().map(|k| k.as_str()).collect();
        let kinds = if kinds.is_empty() {
            "all".to_owned()
        } else {
            kinds.join(",")
        };
        format!("departments {codes}; kinds {kinds}")
    }
}

/// Whether a plan in `status` takes approvals: a draft, a partly approved plan, or one
/// left 適用中 by a run that has ended (a run that stopped before it could say so) while
/// no run holds it (`running`). The console's 承認 buttons follow this too.
pub fn approvable(status: PlanStatus, running: bool) -> bool {
    match status {
        PlanStatus::Draft | PlanStatus::PartlyApproved => true,
        PlanStatus::Applying => !running,
        PlanStatus::Approved | PlanStatus::Done => false,
    }
}

impl Personnel {
    /// Approves the proposed items of `scope`; how many were approved. The plan becomes
    /// 承認済 when nothing is left to approve, else 一部承認. The rest of a partly approved
    /// plan may be approved after a run applied its first part, but not while a run holds
    /// the plan.
    pub async fn approve(
        &self,
        plan_id: i64,
        scope: &ApprovalScope,
        actor: &str,
    ) -> PersonnelResult<u64> {
        let mut tx = self.store.begin().await?;
        // Locked: a run that starts meanwhile (適用中) is seen, not overwritten.
        let plan = personnel_plans::plan_for_update(&mut tx, plan_id)
            .await?
            .ok_or(PersonnelError::NoPlan(plan_id))?;
        let running = plan.run_until.is_some_and(|until| until > tx.now());
        if plan.status == PlanStatus::Applying && running {
            return Err(PersonnelError::NotAllowed(format!(
                "計画 {plan_id} は適用中です。適用が終わってから承認してください。"
            )));
        }
        if !approvable(plan.status, running) {
            return Err(PersonnelError::NotAllowed(format!(
                "計画 {plan_id} は「{}」です。承認できるのは下書きか一部承認の計画です。",
                plan.status.label()
            )));
        }
        let codes: Vec<Option<&str>> = if scope.department_codes.is_empty() {
            vec![None]
        } else {
            scope
                .department_codes
                .iter()
                .map(|c| Some(c.as_str()))
                .collect()
        };
        let kinds: Vec<Option<ChangeKind>> = if scope.kinds.is_empty() {
            vec![None]
        } else {
            scope.kinds.iter().copied().map(Some).collect()
        };
        let mut approved = 0;
        for code in &codes {
            for kind in &kinds {
                approved += approve_part(&mut tx, plan_id, *code, *kind).await?;
            }
        }
        let counts = personnel_plans::status_counts(&mut tx.conn(), plan_id).await?;
        let left = counts
            .iter()
            .find(|(s, _)| *s == PlanItemStatus::Proposed)
            .map_or(0, |(_, n)| *n);
        let status = if left == 0 {
            PlanStatus::Approved
        } else {
            PlanStatus::PartlyApproved
        };
        personnel_plans::set_plan_status(&mut tx, plan_id, status).await?;
        let detail = format!("{}; approved {approved}", scope.describe());
        let entry = AuditEntry::new(
            actor,
            "personnel.approve",
            "personnel_plan",
            &plan_id.to_string(),
        )
        .detail(detail);
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(approved)
    }
}

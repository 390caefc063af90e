//! On the 発令日 the staff directory follows the change file, so that the conversation
//! flow (which reads 所属 from `staff`) knows the new 所属 from that day on: movers and
//! people back at work get their new 所属, new people are added, the retired removed.

use super::{Personnel, PersonnelError, PersonnelResult};
use crate::domain::ChangeReason;
use crate::storage::personnel_plans;
use crate::storage::{audit, staff, AuditEntry};

/// What the directory update did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct StaffUpdate {
    pub assigned: usize,
    pub removed: usize,
}

impl Personnel {
    /// Brings the staff directory up to a plan for everyone whose 発令日 has come (one
    /// transaction with its audit row; people already done are left alone).
    pub async fn update_staff(&self, plan_id: i64, actor: &str) -> PersonnelResult<StaffUpdate> {
        let today = self.today();
        let mut tx = self.store.begin().await?;
        personnel_plans::plan(&mut tx.conn(), plan_id)
            .await?
            .ok_or(PersonnelError::NoPlan(plan_id))?;
        let due = personnel_plans::due_people(&mut tx.conn(), plan_id, today).await?;
        let mut update = StaffUpdate::default();
        for person in &due {
            match (person.reason, person.department.as_deref()) {
                (ChangeReason::Retirement, _) => {
                    staff::remove(&mut tx, &person.employee_no).await?;
                    update.removed += 1;
                }
                (_, Some(department)) => {
                    staff::put_assignment(&mut tx, &person.employee_no, &person.name, department)
                        .await?;
                    update.assigned += 1;
                }
                (_, None) => {}
            }
            personnel_plans::mark_staff_updated(&mut tx, plan_id, &person.employee_no).await?;
        }
        let detail = format!("assigned {}, removed {}", update.assigned, update.removed);
        let entry = AuditEntry::new(
            actor,
            "personnel.staff",
            "personnel_plan",
            &plan_id.to_string(),
        )
        .detail(detail);
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(update)
    }
}

//! The operators' list for a day: pickups, returns, loans overdue, and the licences to
//! grant (after the 所属's web-meeting account is registered, when it has none) and to
//! take back the business day after their last day (5(4)オ②); and, every day until
//! someone acts, approved loans never picked up (licences never granted in their period),
//! so that none stays 承認 for ever.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use super::{LoanResult, Loans};
use crate::calendar;
use crate::domain::{ReservationStatus, TaskKind};
use crate::storage::reservation_extras as extras;
use crate::storage::reservations::{self as records, ReservableItem, Reservation};
use crate::storage::{audit, AuditEntry};

/// One line of the day's list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TodayLine {
    pub task: TaskKind,
    pub item_name: String,
    pub reservation: Reservation,
}

impl Loans {
    /// The operators' list for `day` (Japan date), in task order then by time.
    pub async fn today(&self, day: NaiveDate) -> LoanResult<Vec<TodayLine>> {
        let items: HashMap<String, ReservableItem> = records::items(&mut self.store.conn())
            .await?
            .into_iter()
            .map(|i| (i.id.clone(), i))
            .collect();
        let mut lines = Vec::new();
        let mut conn = self.store.conn();
        for status in [ReservationStatus::Approved, ReservationStatus::CheckedOut] {
            for r in records::in_status(&mut conn, status).await? {
                let Some(item) = items.get(&r.item_id) else {
                    continue;
                };
                let first = calendar::to_local(r.starts_at).date();
                let back = calendar::to_local(r.ends_at).date();
                let tasks: Vec<TaskKind> = match (item.kind.by_day(), status) {
                    (false, ReservationStatus::Approved) if first == day => vec![TaskKind::Pickup],
                    (false, ReservationStatus::Approved) if first < day => {
                        vec![TaskKind::NotPickedUp]
                    }
                    (false, ReservationStatus::CheckedOut) if back == day => vec![TaskKind::Return],
                    (false, ReservationStatus::CheckedOut) if back < day => vec![TaskKind::Overdue],
                    (true, ReservationStatus::Approved) if first <= day => {
                        // The licence's last day is the day before its end (midnight).
                        let last = back - Duration::days(1);
                        if last < day {
                            vec![TaskKind::NotPickedUp]
                        } else if extras::has_web_meeting_account(&mut conn, &r.department).await? {
                            vec![TaskKind::Grant]
                        } else {
                            vec![TaskKind::Register, TaskKind::Grant]
                        }
                    }
                    (true, ReservationStatus::CheckedOut) => {
                        // The licence's last day is the day before its end (midnight).
                        let last = back - Duration::days(1);
                        if self.calendar.business_days_after(last, 1) <= day {
                            vec![TaskKind::Revoke]
                        } else {
                            vec![]
                        }
                    }
                    _ => vec![],
                };
                for task in tasks {
                    lines.push(TodayLine {
                        task,
                        item_name: item.name.clone(),
                        reservation: r.clone(),
                    });
                }
            }
        }
        lines.sort_by_key(|l| (l.task, l.reservation.starts_at, l.reservation.id));
        Ok(lines)
    }

    /// Records that `department` has an account in the web-meeting system (the
    /// registration task done); `false` when it had one already.
    pub async fn register_web_meeting_account(
        &self,
        department: &str,
        login: &str,
    ) -> LoanResult<bool> {
        self.check_operator(login).await?;
        let department = super::required_text("department", department, 100)?;
        let mut tx = self.store.begin().await?;
        let added = extras::register_web_meeting_account(&mut tx, &department, login).await?;
        if added {
            let entry =
                AuditEntry::new(login, "loan.web_meeting_account", "department", &department);
            audit::append(&mut tx, &entry).await?;
        }
        tx.commit().await?;
        Ok(added)
    }
}

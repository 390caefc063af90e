//! Reminders through the outbox: the business day before a loan's return, at the return
//! time, and each business day it is overdue, in the conversation the requester used;
//! and the operators' list of the day in their LoGoチャット room. Each reminder has a
//! slot (`L-12 overdue 2026-12-14`) claimed in the transaction that queues it, so a slot
//! is sent once however often, and by however many instances, reminders are looked for.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

use super::{LoanResult, Loans};
use crate::calendar;
use crate::domain::loan::reservation_number;
use crate::domain::{OutboxRoute, ReservationStatus};
use crate::storage::reservation_extras as extras;
use crate::storage::reservations::{self as records, Reservation};
use crate::storage::{outbox, Delivery, NewOutboxItem};

/// How often the server looks for reminders due.
const EVERY: Duration = Duration::from_secs(60);

/// Which reminder of a loan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reminder {
    DayBefore,
    Due,
    /// Overdue on a business day, `days` business days after the return day.
    Overdue {
        day: NaiveDate,
        days: u32,
    },
}

impl Loans {
    /// Looks for reminders due every minute until `shutdown`.
    pub async fn run_reminders(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            if let Err(e) = self.remind().await {
                tracing::error!(error = %e, "loan reminders failed");
            }
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tokio::time::sleep(EVERY) => {}
            }
        }
    }

    /// Queues the reminders due now that were not sent yet; how many.
    pub async fn remind(&self) -> LoanResult<usize> {
        let now = self.store.now();
        let local = calendar::to_local(now);
        // Nothing is sent while the office is closed, nor before it opens.
        if !self.calendar.is_business_day(local.date()) || local.time() < self.calendar.open_time()
        {
            return Ok(0);
        }
        let mut sent = 0;
        let items = records::items(&mut self.store.conn()).await?;
        for r in records::in_status(&mut self.store.conn(), ReservationStatus::CheckedOut).await? {
            let Some(item) = items.iter().find(|i| i.id == r.item_id) else {
                continue;
            };
            if item.kind.by_day() || self.reminder_due(&r, now).is_none() {
                continue;
            }
            // Decided again on the loan as it stands now, locked: one returned or extended
            // since the list was read gets no reminder of its old return.
            let mut tx = self.store.begin().await?;
            let Some(r) = records::lock(&mut tx, r.id).await? else {
                continue;
            };
            if r.status != ReservationStatus::CheckedOut {
                continue;
            }
            if let Some(reminder) = self.reminder_due(&r, now) {
                let (slot, text) = match reminder {
                    Reminder::DayBefore => (
                        "before".to_owned(),
                        self.say("remind_day_before", item, &r, &[]),
                    ),
                    Reminder::Due => ("due".to_owned(), self.say("remind_due", item, &r, &[])),
                    Reminder::Overdue { day, days } => (
                        format!("overdue {day}"),
                        self.say("remind_overdue", item, &r, &[("days", &days.to_string())]),
                    ),
                };
                let slot = format!(
                    "{} {} {slot}",
                    reservation_number(r.id),
                    r.ends_at.timestamp()
                );
                if extras::claim_reminder(&mut tx, &slot, Some(r.id)).await? {
                    if let Some(conversation) = r.conversation_id {
                        crate::outbox::tell_conversation(&mut tx, conversation, &text).await?;
                    }
                    tx.commit().await?;
                    sent += 1;
                }
            }
        }
        sent += self.operators_daily(local.date()).await?;
        if sent > 0 {
            self.wakeup.ring();
        }
        Ok(sent)
    }

    /// The reminder of loan `r` due at `now`, if any (the latest one that applies).
    fn reminder_due(&self, r: &Reservation, now: DateTime<Utc>) -> Option<Reminder> {
        let today = calendar::to_local(now).date();
        let back = calendar::to_local(r.ends_at).date();
        if today > back {
            let mut days = 0;
            let mut d = back;
            while d < today {
                d = self.calendar.business_days_after(d, 1);
                days += 1;
            }
            return Some(Reminder::Overdue { day: today, days });
        }
        if now >= r.ends_at {
            return Some(Reminder::Due);
        }
        let before = self.calendar.business_days_after(today, 1);
        (before == back).then_some(Reminder::DayBefore)
    }

    /// The operators' list of `day` to their room, once a day.
    async fn operators_daily(&self, day: NaiveDate) -> LoanResult<usize> {
        let Some(room) = &self.operators_room else {
            return Ok(0);
        };
        let lines = self.today(day).await?;
        let date = calendar::format_date_ja(day);
        let text = if lines.is_empty() {
            self.sentences.say("operators_nothing", &[("date", &date)])
        } else {
            let list: Vec<String> = lines
                .iter()
                .map(|l| {
                    format!(
                        "・{} {} {}（{} {}）",
                        l.task.label(),
                        reservation_number(l.reservation.id),
                        l.item_name,
                        l.reservation.department,
                        l.reservation.requester_name
                    )
                })
                .collect();
            self.sentences.say(
                "operators_daily",
                &[("date", &date), ("lines", &list.join("\n"))],
            )
        };
        let mut tx = self.store.begin().await?;
        if !extras::claim_reminder(&mut tx, &format!("daily {day}"), None).await? {
            return Ok(0);
        }
        let item = NewOutboxItem {
            kind: crate::domain::OutboxKind::Loan,
            route: OutboxRoute::OperatorsRoom,
            room: room.clone(),
            recipient: None,
            delivery: Delivery {
                text,
                subject: None,
            },
        };
        outbox::push(&mut tx, &item, None).await?;
        tx.commit().await?;
        Ok(1)
    }
}

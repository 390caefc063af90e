//! Tickets: a staff member's inquiry in a person's hands. Opening one from a conversation
//! (with its SLA due times and the operators' notices, [`escalation`]), what operators do
//! that reaches the staff member (take, reply, hand back, resolve: [`actions`]), and
//! working it in the console: reading it (audited), assigning, status, classification
//! (which moves its due times) and internal notes.
//!
//! Every action is one transaction: the ticket, the message to the staff member, its
//! outbox item and the audit row commit together.

mod actions;
mod escalation;
mod inquiry;

use std::sync::Arc;

use crate::calendar::{self, BusinessCalendar};
use crate::config::SlaSettings;
use crate::domain::{Priority, Role, TicketStatus};
use crate::notify::Notices;
use crate::outbox::Wakeup;
use crate::prompts::Prompts;
use crate::storage::staff::StaffKey;
use crate::storage::{
    audit, tickets, AuditEntry, StaffMember, StorageError, Store, StoredMessage, Ticket,
    TicketNote, TicketUpdate, Tx,
};

pub use self::actions::{OperatorAction, OperatorRef};
pub use self::escalation::Escalation;
pub use crate::domain::ticket_number;

/// The most characters a note may have.
pub const MAX_NOTE_CHARS: usize = 4000;
/// The most characters a category may have.
pub const MAX_CATEGORY_CHARS: usize = 40;

/// Everything the ticket page shows.
#[derive(Debug, Clone)]
pub struct TicketView {
    pub ticket: Ticket,
    /// The staff member asking, from the staff directory (所属, 内線), when known.
    pub requester: Option<StaffMember>,
    pub messages: Vec<StoredMessage>,
    pub notes: Vec<TicketNote>,
}

/// Why a change to a ticket was refused. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    #[error("受付番号 {0} のチケットはありません。")]
    NoSuchTicket(i64),
    #[error("受付番号 {0} は対応済みです。")]
    AlreadyResolved(i64),
    #[error("返信の本文が空です。")]
    EmptyReply,
    #[error("FAQ {0:?} はありません。")]
    UnknownFaq(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{} のチケットを {} にはできません。", .from.label(), .to.label())]
    Transition {
        from: TicketStatus,
        to: TicketStatus,
    },
    /// Someone else changed the ticket at the same moment; nothing was written.
    #[error("受付番号 {0} はほかの担当者が同時に変更しました。画面を読み込み直してください。")]
    Conflict(i64),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StorageError> for TicketError {
    fn from(e: StorageError) -> Self {
        TicketError::Internal(e.into())
    }
}

/// The ticket service.
pub struct Tickets {
    store: Store,
    prompts: Arc<Prompts>,
    calendar: Arc<BusinessCalendar>,
    sla: SlaSettings,
    notices: Notices,
    wakeup: Wakeup,
}

impl Tickets {
    pub fn new(
        store: Store,
        prompts: Arc<Prompts>,
        calendar: Arc<BusinessCalendar>,
        sla: SlaSettings,
        notices: Notices,
        wakeup: Wakeup,
    ) -> Self {
        Self {
            store,
            prompts,
            calendar,
            sla,
            notices,
            wakeup,
        }
    }

    pub async fn ticket(&self, id: i64) -> Result<Option<Ticket>, StorageError> {
        self.store.ticket(id).await
    }

    /// Tickets, newest first: of one status or all, only those past a due time or all.
    pub async fn list(
        &self,
        status: Option<TicketStatus>,
        overdue: bool,
        limit: i64,
    ) -> Result<Vec<Ticket>, StorageError> {
        if !overdue {
            return self.store.tickets(status, limit).await;
        }
        let mut found = self.store.overdue_tickets(self.store.now(), limit).await?;
        found.retain(|t| status.is_none_or(|s| t.status == s));
        Ok(found)
    }

    /// A ticket and every message of its conversation, for an integration; reading it is
    /// recorded in the audit log under `reader`.
    pub async fn transcript(
        &self,
        id: i64,
        reader: &str,
    ) -> Result<(Ticket, Vec<StoredMessage>), TicketError> {
        let ticket = self.existing(id).await?;
        let line = AuditEntry::new(reader, "ticket.view", "ticket", &id.to_string());
        self.store.record_audit(&line).await?;
        let messages = self.store.messages_after(ticket.conversation_id, 0).await?;
        Ok((ticket, messages))
    }

    /// A page of the queue: tickets matching `filter` now, and how many match in all.
    pub async fn page(
        &self,
        filter: &tickets::TicketFilter,
        offset: i64,
        limit: i64,
    ) -> Result<tickets::TicketPage, StorageError> {
        self.store
            .ticket_page(filter, self.store.now(), offset, limit)
            .await
    }

    /// The categories and channels tickets have, for the queue's filter menus.
    pub async fn facets(&self) -> Result<(Vec<String>, Vec<String>), StorageError> {
        self.store.ticket_facets().await
    }

    /// A ticket with its conversation, requester and notes. Reading it is recorded in the
    /// audit log under `reader` (and the staff record it shows, too).
    pub async fn view(&self, id: i64, reader: &str) -> Result<TicketView, TicketError> {
        let ticket = self.existing(id).await?;
        let requester = match &ticket.staff_no {
            Some(no) => self.store.staff_member(StaffKey::EmployeeNo(no)).await?,
            None => None,
        };
        let mut tx = self.store.begin().await?;
        audit::append(
            &mut tx,
            &AuditEntry::new(reader, "ticket.view", "ticket", &id.to_string()),
        )
        .await?;
        if let Some(member) = &requester {
            let entry = AuditEntry::new(reader, "staff.view", "staff", &member.employee_no)
                .detail(format!("ticket {id}"));
            audit::append(&mut tx, &entry).await?;
        }
        crate::storage::ticket_updates::mark_read(&mut tx, id).await?;
        tx.commit().await?;
        let messages = self.store.messages_after(ticket.conversation_id, 0).await?;
        let notes = self.store.ticket_notes(id).await?;
        Ok(TicketView {
            ticket,
            requester,
            messages,
            notes,
        })
    }

    /// Gives the ticket to `assignee` (a console login), or to nobody.
    pub async fn assign(
        &self,
        id: i64,
        by: OperatorRef<'_>,
        assignee: Option<&str>,
    ) -> Result<Ticket, TicketError> {
        if let Some(login) = assignee {
            let known = self.store.user(login).await?;
            if !known.is_some_and(|u| !u.user.disabled && u.user.role != Role::Viewer) {
                return Err(TicketError::Invalid(format!(
                    "{login} は担当にできるアカウントではありません。"
                )));
            }
        }
        let update = TicketUpdate {
            assignee: Some(assignee.map(str::to_owned)),
            ..TicketUpdate::default()
        };
        let detail = format!("assignee {}", assignee.unwrap_or("-"));
        self.change(id, by, "ticket.assign", detail, |ticket| {
            open_for_change(ticket)?;
            Ok(update)
        })
        .await
    }

    /// Sets the status by hand (see [`TicketStatus::manual_next`]).
    pub async fn set_status(
        &self,
        id: i64,
        by: OperatorRef<'_>,
        status: TicketStatus,
    ) -> Result<Ticket, TicketError> {
        let detail = format!("status {status}");
        self.change(id, by, "ticket.status", detail, |ticket| {
            if !ticket.status.manual_next().contains(&status) {
                return Err(TicketError::Transition {
                    from: ticket.status,
                    to: status,
                });
            }
            Ok(TicketUpdate {
                status: Some(status),
                ..TicketUpdate::default()
            })
        })
        .await
    }

    /// Sets category and priority; the SLA due times are computed again from when the
    /// ticket was opened, with the targets for the new category and priority.
    pub async fn classify(
        &self,
        id: i64,
        by: OperatorRef<'_>,
        category: Option<&str>,
        priority: Priority,
    ) -> Result<Ticket, TicketError> {
        let category = category.map(str::trim).filter(|c| !c.is_empty());
        if category.is_some_and(|c| c.chars().count() > MAX_CATEGORY_CHARS || has_control(c)) {
            return Err(TicketError::Invalid(format!(
                "分類は{MAX_CATEGORY_CHARS}文字以内で入力してください。"
            )));
        }
        let detail = format!("category {} priority {priority}", category.unwrap_or("-"));
        self.change(id, by, "ticket.classify", detail, |ticket| {
            open_for_change(ticket)?;
            Ok(TicketUpdate {
                category: Some(category.map(str::to_owned)),
                priority: Some(priority),
                due: Some(self.due_times(ticket.opened_at, category, priority)),
                ..TicketUpdate::default()
            })
        })
        .await
    }

    /// Adds an internal note (never sent to the staff member).
    pub async fn add_note(
        &self,
        id: i64,
        by: OperatorRef<'_>,
        text: &str,
    ) -> Result<TicketNote, TicketError> {
        let text = crate::domain::text::clean_text(text.trim());
        if text.is_empty() || text.chars().count() > MAX_NOTE_CHARS {
            return Err(TicketError::Invalid(format!(
                "メモは1〜{MAX_NOTE_CHARS}文字で入力してください。"
            )));
        }
        let mut tx = self.store.begin().await?;
        if tickets::get_for_update(&mut tx, id).await?.is_none() {
            return Err(TicketError::NoSuchTicket(id));
        }
        let note = tickets::add_note(&mut tx, id, by.name, &text).await?;
        audit::append(
            &mut tx,
            &AuditEntry::new(by.login, "ticket.note", "ticket", &id.to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(note)
    }

    /// When a ticket opened at `opened_at` with `category` and `priority` is due for its
    /// first response and its resolution: the SLA minutes counted in office hours on the
    /// business calendar.
    pub fn due_times(
        &self,
        opened_at: chrono::DateTime<chrono::Utc>,
        category: Option<&str>,
        priority: Priority,
    ) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
        let opened = calendar::to_local(opened_at);
        let (first, resolution) = self.sla.targets(category, priority);
        let due = |minutes: u32| {
            let at = self
                .calendar
                .add_business_time(opened, chrono::Duration::minutes(i64::from(minutes)));
            calendar::to_utc(at)
        };
        (due(first), due(resolution))
    }

    async fn existing(&self, id: i64) -> Result<Ticket, TicketError> {
        self.store
            .ticket(id)
            .await?
            .ok_or(TicketError::NoSuchTicket(id))
    }

    /// One change of a ticket: in one transaction, the ticket locked and checked by
    /// `rule` (which says what to change), the change and its audit row.
    async fn change(
        &self,
        id: i64,
        by: OperatorRef<'_>,
        action: &str,
        detail: String,
        rule: impl FnOnce(&Ticket) -> Result<TicketUpdate, TicketError>,
    ) -> Result<Ticket, TicketError> {
        let mut tx = self.store.begin().await?;
        let ticket = locked(&mut tx, id).await?;
        let update = rule(&ticket)?;
        tickets::update(&mut tx, id, &update).await?;
        let entry = AuditEntry::new(by.login, action, "ticket", &id.to_string()).detail(detail);
        audit::append(&mut tx, &entry).await?;
        let ticket = locked(&mut tx, id).await?;
        tx.commit().await?;
        Ok(ticket)
    }
}

/// The ticket, locked for the transaction.
async fn locked(tx: &mut Tx, id: i64) -> Result<Ticket, TicketError> {
    tickets::get_for_update(tx, id)
        .await?
        .ok_or(TicketError::NoSuchTicket(id))
}

/// Refuses changes to a ticket that is no longer open.
fn open_for_change(ticket: &Ticket) -> Result<(), TicketError> {
    if ticket.status.is_open() {
        Ok(())
    } else {
        Err(TicketError::Invalid(format!(
            "受付番号 {} は{}です。",
            ticket.id,
            ticket.status.label()
        )))
    }
}

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

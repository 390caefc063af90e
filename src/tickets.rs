//! Working a ticket from the console, beyond what reaches the staff member (see
//! [`crate::conversation::OperatorAction`] for take, reply, hand back and resolve):
//! reading it (recorded in the audit log), assigning, changing its status, classifying
//! it (category and priority, which move its SLA due times) and internal notes.

use crate::conversation::OperatorRef;
use crate::helpdesk::Helpdesk;
use crate::storage::{
    StaffMember, StoredMessage, Ticket, TicketNote, TicketUpdate, TICKET_PRIORITIES,
};

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
    #[error("{0}")]
    Invalid(String),
    #[error("{from} のチケットを {to} にはできません。")]
    Transition { from: String, to: String },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<crate::storage::StorageError> for TicketError {
    fn from(e: crate::storage::StorageError) -> Self {
        TicketError::Internal(e.into())
    }
}

/// The queue's name for a status.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "new" => "新規",
        "in_progress" => "対応中",
        "on_hold" => "保留",
        "resolved" => "解決済",
        "closed" => "完了",
        _ => "不明",
    }
}

/// The queue's name for a priority.
pub fn priority_label(priority: &str) -> &'static str {
    match priority {
        "low" => "低",
        "high" => "高",
        _ => "中",
    }
}

/// Statuses an operator may set by hand from `from` (resolving goes through
/// [`crate::conversation::OperatorAction::Resolve`], which tells the staff member).
pub fn next_statuses(from: &str) -> &'static [&'static str] {
    match from {
        "new" | "in_progress" | "on_hold" => &["in_progress", "on_hold"],
        "resolved" => &["in_progress", "closed"],
        _ => &[],
    }
}

impl Helpdesk {
    /// A ticket with its conversation, requester and notes. Reading it is recorded in the
    /// audit log under `reader` (and the staff record it shows, too).
    pub async fn view_ticket(&self, id: i64, reader: &str) -> Result<TicketView, TicketError> {
        let ticket = self.existing_ticket(id).await?;
        let requester = match &ticket.staff_no {
            Some(no) => self.store.staff_by_employee_no(no).await?,
            None => None,
        };
        self.audit(reader, "ticket.view", "ticket", &id.to_string(), None)
            .await?;
        if let Some(member) = &requester {
            let detail = Some(format!("ticket {id}"));
            self.audit(reader, "staff.view", "staff", &member.employee_no, detail)
                .await?;
        }
        let messages = self.messages_after(ticket.conversation_id, 0).await?;
        let notes = self.store.ticket_notes(id).await?;
        Ok(TicketView {
            ticket,
            requester,
            messages,
            notes,
        })
    }

    /// Gives the ticket to `assignee` (a console login), or to nobody.
    pub async fn assign_ticket(
        &self,
        id: i64,
        by: OperatorRef<'_>,
        assignee: Option<&str>,
    ) -> Result<Ticket, TicketError> {
        let ticket = self.open_ticket_for_change(id).await?;
        if let Some(login) = assignee {
            let known = self.store.user(login).await?;
            if !known.is_some_and(|u| !u.user.disabled && u.user.role.as_str() != "viewer") {
                return Err(TicketError::Invalid(format!(
                    "{login} は担当にできるアカウントではありません。"
                )));
            }
        }
        let update = TicketUpdate {
            assignee: Some(assignee.map(str::to_owned)),
            ..TicketUpdate::default()
        };
        let detail = Some(format!("assignee {}", assignee.unwrap_or("-")));
        self.change_ticket(&ticket, by, "ticket.assign", update, detail)
            .await
    }

    /// Sets the status by hand (see [`next_statuses`]).
    pub async fn set_ticket_status(
        &self,
        id: i64,
        by: OperatorRef<'_>,
        status: &str,
    ) -> Result<Ticket, TicketError> {
        let ticket = self.existing_ticket(id).await?;
        if !next_statuses(&ticket.status).contains(&status) {
            return Err(TicketError::Transition {
                from: status_label(&ticket.status).to_owned(),
                to: status_label(status).to_owned(),
            });
        }
        let update = TicketUpdate {
            status: Some(status.to_owned()),
            ..TicketUpdate::default()
        };
        let detail = Some(format!("status {status}"));
        self.change_ticket(&ticket, by, "ticket.status", update, detail)
            .await
    }

    /// Sets category and priority; the SLA due times are computed again from when the
    /// ticket was opened, with the targets for the new category and priority.
    pub async fn classify_ticket(
        &self,
        id: i64,
        by: OperatorRef<'_>,
        category: Option<&str>,
        priority: &str,
    ) -> Result<Ticket, TicketError> {
        let category = category.map(str::trim).filter(|c| !c.is_empty());
        if category.is_some_and(|c| c.chars().count() > MAX_CATEGORY_CHARS || has_control(c)) {
            return Err(TicketError::Invalid(format!(
                "分類は{MAX_CATEGORY_CHARS}文字以内で入力してください。"
            )));
        }
        if !TICKET_PRIORITIES.contains(&priority) {
            return Err(TicketError::Invalid(
                "優先度は 低・中・高 のどれかです。".into(),
            ));
        }
        let ticket = self.open_ticket_for_change(id).await?;
        let due = self.sla_due_times_for(ticket.opened_at, category, priority);
        let update = TicketUpdate {
            category: Some(category.map(str::to_owned)),
            priority: Some(priority.to_owned()),
            due: Some(due),
            ..TicketUpdate::default()
        };
        let detail = Some(format!(
            "category {} priority {priority}",
            category.unwrap_or("-")
        ));
        self.change_ticket(&ticket, by, "ticket.classify", update, detail)
            .await
    }

    /// Adds an internal note (never sent to the staff member).
    pub async fn add_ticket_note(
        &self,
        id: i64,
        by: OperatorRef<'_>,
        text: &str,
    ) -> Result<TicketNote, TicketError> {
        let text = crate::helpdesk::clean_text(text.trim());
        if text.is_empty() || text.chars().count() > MAX_NOTE_CHARS {
            return Err(TicketError::Invalid(format!(
                "メモは1〜{MAX_NOTE_CHARS}文字で入力してください。"
            )));
        }
        if self.store.ticket(id).await?.is_none() {
            return Err(TicketError::NoSuchTicket(id));
        }
        let note_id = self.store.add_ticket_note(id, by.name, &text).await?;
        self.audit(by.login, "ticket.note", "ticket", &id.to_string(), None)
            .await?;
        let notes = self.store.ticket_notes(id).await?;
        notes
            .into_iter()
            .find(|n| n.id == note_id)
            .ok_or_else(|| TicketError::Internal(anyhow::anyhow!("note {note_id} vanished")))
    }

    async fn existing_ticket(&self, id: i64) -> Result<Ticket, TicketError> {
        self.store
            .ticket(id)
            .await?
            .ok_or(TicketError::NoSuchTicket(id))
    }

    async fn open_ticket_for_change(&self, id: i64) -> Result<Ticket, TicketError> {
        let ticket = self.existing_ticket(id).await?;
        if matches!(ticket.status.as_str(), "resolved" | "closed") {
            return Err(TicketError::Invalid(format!(
                "受付番号 {id} は{}です。",
                status_label(&ticket.status)
            )));
        }
        Ok(ticket)
    }

    async fn change_ticket(
        &self,
        ticket: &Ticket,
        by: OperatorRef<'_>,
        action: &str,
        update: TicketUpdate,
        detail: Option<String>,
    ) -> Result<Ticket, TicketError> {
        self.store.update_ticket(ticket.id, &update).await?;
        self.audit(by.login, action, "ticket", &ticket.id.to_string(), detail)
            .await?;
        self.existing_ticket(ticket.id).await
    }
}

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

//! The conversation side of storage: staff, conversations, messages, tickets, feedback and
//! the outbox, as rows both backends read and write alike.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One member of staff, as the personnel CSV lists them. Personal information.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct StaffMember {
    /// 職員番号
    pub employee_no: String,
    /// 氏名
    pub name: String,
    /// 所属
    pub department: String,
    pub email: Option<String>,
    /// 内線
    pub extension: Option<String>,
    /// LoGoチャットID
    pub logochat_id: Option<String>,
}

/// What a directory import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StaffImportReport {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Who a conversation is with, on which channel: one conversation per key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationKey {
    pub channel: String,
    pub room: String,
    pub user_ref: String,
}

/// A conversation as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ConversationRow {
    pub id: i64,
    /// The secret handle a widget keeps to continue the conversation.
    pub token: String,
    pub channel: String,
    pub room: String,
    pub user_ref: String,
    pub user_name: Option<String>,
    /// 職員番号, when the staff member is known.
    pub staff_no: Option<String>,
    /// What an anonymous staff member gave as contact (内線 or 職員番号) when escalating.
    pub contact: Option<String>,
    /// The in-chat flow's state, as JSON.
    pub state: String,
    /// `bot` or `operator`.
    pub handler: String,
    pub operator: Option<String>,
    /// The open ticket, if the conversation has been escalated and not yet resolved.
    pub ticket_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A quick reply offered with a message: the staff member sends `value` by choosing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub label: String,
    pub value: String,
}

/// A message to store.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewMessage {
    /// The channel's own id of an inbound message (for de-duplication).
    pub channel_message_id: Option<String>,
    /// `in` (from the staff member) or `out`.
    pub direction: &'static str,
    /// `staff`, `bot` or `operator`.
    pub author: String,
    pub author_name: Option<String>,
    pub text: String,
    /// Sanitised HTML of the text, for the widget.
    pub html: Option<String>,
    pub choices: Vec<Choice>,
    pub reply_to: Option<i64>,
    /// The FAQ entry this message shows, if any.
    pub faq_id: Option<String>,
    /// The FAQ entries this message offers as numbered choices, in order (stored in
    /// `message_offers`, for the per-entry statistics).
    pub offers: Vec<String>,
    /// When set, the message is also queued for delivery to the channel (see
    /// [`OutboxItem`]): the JSON body to send.
    pub push: Option<String>,
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StoredMessage {
    pub id: i64,
    pub conversation_id: i64,
    pub channel: String,
    pub channel_message_id: Option<String>,
    pub direction: String,
    pub author: String,
    pub author_name: Option<String>,
    pub text: String,
    pub html: Option<String>,
    /// JSON array of [`Choice`].
    pub choices: String,
    pub reply_to: Option<i64>,
    pub faq_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl StoredMessage {
    pub fn choices(&self) -> Vec<Choice> {
        serde_json::from_str(&self.choices).unwrap_or_default()
    }
}

/// The result of storing an inbound message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inbound {
    /// First time seen: its id.
    New(i64),
    /// The channel sent this message id before: the stored message's id.
    Duplicate(i64),
}

/// What a turn of the conversation changes, written in one transaction.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Turn {
    /// The flow's new state (JSON); `None` keeps it.
    pub state: Option<String>,
    /// A new handler (`bot` or `operator`) and operator name.
    pub handler: Option<(String, Option<String>)>,
    /// Clear the conversation's open ticket (it was resolved).
    pub close_ticket: bool,
    /// Contact details an anonymous staff member gave.
    pub contact: Option<String>,
    pub staff_no: Option<String>,
    pub messages: Vec<NewMessage>,
    /// The ticket this turn opened (already stored by [`crate::storage::Store::open_ticket`];
    /// carried so the caller knows without reading the conversation again).
    pub opened_ticket: Option<i64>,
}

impl ConversationRow {
    /// The conversation as `turn` leaves it.
    pub fn after(mut self, turn: &Turn) -> Self {
        if let Some(state) = &turn.state {
            self.state = state.clone();
        }
        if let Some((handler, operator)) = &turn.handler {
            self.handler = handler.clone();
            self.operator = operator.clone();
        }
        if turn.close_ticket {
            self.ticket_id = None;
        }
        if let Some(id) = turn.opened_ticket {
            self.ticket_id = Some(id);
        }
        if turn.contact.is_some() {
            self.contact = turn.contact.clone();
        }
        if turn.staff_no.is_some() {
            self.staff_no = turn.staff_no.clone();
        }
        self
    }
}

/// Ticket statuses, as the queue names them (新規/対応中/保留/解決済/完了).
pub const TICKET_STATUSES: [&str; 5] = ["new", "in_progress", "on_hold", "resolved", "closed"];

/// Ticket priorities; with the category they pick the SLA targets.
pub const TICKET_PRIORITIES: [&str; 3] = ["low", "normal", "high"];

/// A ticket to open.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewTicket {
    pub conversation_id: i64,
    pub channel: String,
    pub subject: String,
    pub staff_no: Option<String>,
    pub requester_name: Option<String>,
    pub contact: Option<String>,
    /// The conversation so far, JSON.
    pub transcript: String,
    pub category: Option<String>,
    pub request_kind: Option<String>,
    pub request: Option<String>,
    /// When a person must first answer, and resolve it (see [`crate::config::SlaSettings`]).
    pub first_response_due: Option<DateTime<Utc>>,
    pub resolution_due: Option<DateTime<Utc>>,
}

/// A ticket in the queue.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Ticket {
    pub id: i64,
    pub conversation_id: i64,
    pub channel: String,
    pub status: String,
    pub subject: String,
    pub staff_no: Option<String>,
    pub requester_name: Option<String>,
    pub contact: Option<String>,
    #[serde(skip)]
    pub transcript: String,
    pub assignee: Option<String>,
    pub category: Option<String>,
    pub faq_id: Option<String>,
    pub request_kind: Option<String>,
    #[serde(skip)]
    pub request: Option<String>,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub first_response_due: Option<DateTime<Utc>>,
    pub resolution_due: Option<DateTime<Utc>>,
    /// `low`, `normal` or `high`.
    pub priority: String,
}

/// A change to a ticket: `None` keeps the field.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TicketUpdate {
    pub status: Option<String>,
    pub assignee: Option<Option<String>>,
    pub faq_id: Option<String>,
    pub category: Option<Option<String>>,
    pub priority: Option<String>,
    /// New SLA due times (when the category or priority changed).
    pub due: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// Whether a staff member found an answer helpful.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFeedback {
    pub faq_id: String,
    pub conversation_id: i64,
    pub question_id: Option<i64>,
    pub resolved: bool,
}

/// Counts of 解決した / 解決しなかった for one entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FeedbackCounts {
    pub resolved: i64,
    pub unresolved: i64,
}

/// A message waiting to be (or already) delivered to an outside system.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct OutboxItem {
    pub id: i64,
    pub channel: String,
    pub room: String,
    pub message_id: Option<i64>,
    pub payload: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// One line for the audit log: who did what to which object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// An operator's name or login, `cli`, or `operator-api`.
    pub actor: String,
    /// What was done, e.g. `ticket.view`, `ticket.reply`, `user.add`, `staff.import`.
    pub action: String,
    /// `ticket`, `staff`, `faq`, `user`, `setting`, ...
    pub object_kind: String,
    pub object_id: String,
    /// A short note without personal data (counts, a new status), if any.
    pub detail: Option<String>,
}

/// A stored audit-log line.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub object_kind: String,
    pub object_id: String,
    pub detail: Option<String>,
}

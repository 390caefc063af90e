//! The records the helpdesk keeps about conversations, as both backends read and write
//! them: staff, conversations, messages, tickets, feedback, the outbox and the audit log.
//! States are typed ([`crate::domain`]); a stored value that is not a known state fails
//! to load, with the row named.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{
    Author, Channel, ConversationState, Direction, Handler, OutboxKind, OutboxRoute, OutboxStatus,
    Priority, TicketStatus,
};

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
    pub channel: Channel,
    pub room: String,
    pub user_ref: String,
}

/// A conversation as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationRow {
    pub id: i64,
    /// The secret handle a widget keeps to continue the conversation.
    pub token: String,
    pub channel: Channel,
    pub room: String,
    pub user_ref: String,
    pub user_name: Option<String>,
    /// 職員番号, when the staff member is known.
    pub staff_no: Option<String>,
    /// What an anonymous staff member gave as contact (内線 or 職員番号) when escalating.
    pub contact: Option<String>,
    /// Where the in-chat flow stands.
    pub state: ConversationState,
    /// The bot, or the operator who took the conversation over.
    pub handler: Handler,
    /// The open ticket, if the conversation has been escalated and not yet resolved.
    pub ticket_id: Option<i64>,
    /// Bumped by every change of state, handler or open ticket (see
    /// [`super::conversations::save`]).
    pub version: i64,
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
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    /// The channel's own id of an inbound message (for de-duplication).
    pub channel_message_id: Option<String>,
    pub direction: Direction,
    pub author: Author,
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
}

impl NewMessage {
    /// A message to the staff member.
    pub fn outgoing(author: Author, text: String) -> Self {
        Self {
            channel_message_id: None,
            direction: Direction::Out,
            author,
            author_name: None,
            text,
            html: None,
            choices: Vec::new(),
            reply_to: None,
            faq_id: None,
            offers: Vec::new(),
        }
    }
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StoredMessage {
    pub id: i64,
    pub conversation_id: i64,
    pub channel: Channel,
    pub channel_message_id: Option<String>,
    pub direction: Direction,
    pub author: Author,
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

/// A ticket to open.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTicket {
    pub conversation_id: i64,
    pub channel: Channel,
    pub subject: String,
    pub staff_no: Option<String>,
    pub requester_name: Option<String>,
    pub contact: Option<String>,
    /// The conversation so far, JSON.
    pub transcript: String,
    pub category: Option<String>,
    /// When a person must first answer, and resolve it (see [`crate::config::SlaSettings`]).
    pub first_response_due: Option<DateTime<Utc>>,
    pub resolution_due: Option<DateTime<Utc>>,
}

impl NewTicket {
    /// A ticket about `subject`, with no requester, transcript or due times yet.
    pub fn new(conversation_id: i64, channel: Channel, subject: impl Into<String>) -> Self {
        Self {
            conversation_id,
            channel,
            subject: subject.into(),
            staff_no: None,
            requester_name: None,
            contact: None,
            transcript: "[]".into(),
            category: None,
            first_response_due: None,
            resolution_due: None,
        }
    }
}

/// A ticket in the queue.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Ticket {
    pub id: i64,
    pub conversation_id: i64,
    pub channel: Channel,
    pub status: TicketStatus,
    pub subject: String,
    pub staff_no: Option<String>,
    pub requester_name: Option<String>,
    pub contact: Option<String>,
    #[serde(skip)]
    pub transcript: String,
    pub assignee: Option<String>,
    pub category: Option<String>,
    pub faq_id: Option<String>,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub first_response_due: Option<DateTime<Utc>>,
    pub resolution_due: Option<DateTime<Utc>>,
    pub priority: Priority,
    /// The staff member wrote to the ticket's conversation at this time, and no operator
    /// has read the ticket since (the queue marks it as updated).
    pub updated_by_staff_at: Option<DateTime<Utc>>,
}

/// A change to a ticket: `None` keeps the field.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TicketUpdate {
    pub status: Option<TicketStatus>,
    pub assignee: Option<Option<String>>,
    pub faq_id: Option<String>,
    pub category: Option<Option<String>>,
    pub priority: Option<Priority>,
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

/// What an outbox item carries, whatever the route: the adapter of the route turns it
/// into its own wire format when it delivers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub text: String,
    /// The subject line, for routes that have one (mail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

/// An item to put in the outbox: delivered by `route`'s adapter to `room` (and
/// `recipient` in it), in order per (`route`, `room`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutboxItem {
    pub kind: OutboxKind,
    pub route: OutboxRoute,
    pub room: String,
    pub recipient: Option<String>,
    pub delivery: Delivery,
}

/// A message waiting to be (or already) delivered to an outside system.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct OutboxItem {
    pub id: i64,
    /// What it is about.
    pub kind: OutboxKind,
    /// The adapter that delivers it.
    #[sqlx(rename = "channel")]
    #[serde(rename = "channel")]
    pub route: OutboxRoute,
    pub room: String,
    pub recipient: Option<String>,
    pub message_id: Option<i64>,
    /// [`Delivery`] as JSON.
    pub payload: String,
    pub status: OutboxStatus,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl OutboxItem {
    /// What to deliver. Items queued by older versions carried the wire format; its
    /// `text` (and `subject`) read the same.
    pub fn delivery(&self) -> Result<Delivery, String> {
        serde_json::from_str(&self.payload)
            .map_err(|_| format!("outbox item {} has an unreadable payload", self.id))
    }
}

/// One line for the audit log: who did what to which object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// An operator's login, `cli`, or `operator-api`.
    pub actor: String,
    /// What was done, e.g. `ticket.view`, `ticket.reply`, `user.add`, `staff.import`.
    pub action: String,
    /// `ticket`, `staff`, `faq`, `user`, `setting`, ...
    pub object_kind: String,
    pub object_id: String,
    /// A short note without personal data (counts, a new status), if any.
    pub detail: Option<String>,
}

impl AuditEntry {
    pub fn new(actor: &str, action: &str, object_kind: &str, object_id: &str) -> Self {
        Self {
            actor: actor.to_owned(),
            action: action.to_owned(),
            object_kind: object_kind.to_owned(),
            object_id: object_id.to_owned(),
            detail: None,
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
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

//! Operators hear of a new escalation: a message in their LoGoチャット room and an e-mail,
//! each when configured (`[notify]`, off by default).
//!
//! Notices are outbox items, written in the same transaction as the ticket they announce
//! (see [`crate::tickets`]): a receiver or mail server that is down means retries
//! (backoff, in order, `failed` after `[outbox] max_attempts`), never a lost notice, and
//! the staff member's reply does not wait for either. The outbox hands each to the
//! adapter of its route: the operators' room to the LoGo adapter
//! (`src/channels/logochat/outgoing.rs`, same payload and signature as every LoGo
//! message), mail to the SMTP adapter (`src/adapters/mail.rs`,
//! `integrations/mail/README.md`).

mod content;

#[cfg(test)]
mod tests;

use std::sync::Arc;

pub use self::content::EscalationNotice;

use crate::config::NotifySettings;
use crate::domain::OutboxRoute;
use crate::prompts::Prompts;
use crate::storage::{Delivery, NewOutboxItem, NewTicket};

/// The outbox "room" of e-mail notices: one queue, in order.
pub const MAIL_ROOM: &str = "operators";

/// Builds the notices of a new escalation, as the settings ask for them.
#[derive(Clone)]
pub struct Notices {
    settings: NotifySettings,
    prompts: Arc<Prompts>,
}

impl Notices {
    pub fn new(settings: NotifySettings, prompts: Arc<Prompts>) -> Self {
        Self { settings, prompts }
    }

    /// Whether any notice is configured.
    pub fn enabled(&self) -> bool {
        self.settings.room_notices() || self.settings.mail_notices()
    }

    /// The outbox items announcing ticket `id` (opened as `ticket`; the asker's
    /// `department` when known).
    pub fn escalation(
        &self,
        ticket: &NewTicket,
        department: Option<&str>,
        id: i64,
    ) -> Vec<NewOutboxItem> {
        let notify = &self.settings;
        let notice = EscalationNotice::new(
            &self.prompts,
            id,
            &ticket.subject,
            ticket.channel,
            department,
            ticket.first_response_due,
            notify.ticket_link(id),
        );
        let mut items = Vec::new();
        if let Some(room) = &notify.logochat_room {
            items.push(NewOutboxItem {
                kind: crate::domain::OutboxKind::Escalation,
                route: OutboxRoute::OperatorsRoom,
                room: room.clone(),
                // Addressed to the room, not to a person.
                recipient: None,
                delivery: Delivery {
                    text: notice.room_text(&self.prompts),
                    subject: None,
                },
            });
        }
        if notify.mail_notices() {
            items.push(NewOutboxItem {
                kind: crate::domain::OutboxKind::Escalation,
                route: OutboxRoute::Mail,
                room: MAIL_ROOM.into(),
                recipient: None,
                delivery: Delivery {
                    text: notice.mail_body(&self.prompts),
                    subject: Some(notice.mail_subject(&self.prompts)),
                },
            });
        }
        items
    }
}

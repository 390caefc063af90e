//! Operators hear of a new escalation: a message in their LoGoチャット room and an e-mail,
//! each when configured (`[notify]`, off by default).
//!
//! Notices go through the persistent outbox, written in the same transaction as the
//! ticket they announce: a receiver or mail server that is down means retries (backoff,
//! in order, `failed` after `[outbox] max_attempts`), never a lost notice, and the staff
//! member's reply does not wait for either. The outbox worker hands each item to its
//! adapter by channel: [`ROOM_CHANNEL`] to the LoGo adapter
//! (`src/channels/logochat/outgoing.rs`, same payload and signature as every LoGo
//! message), [`smtp::MAIL_CHANNEL`] to the mail adapter ([`smtp`],
//! `integrations/mail/README.md`).

mod content;
mod settings;
pub mod smtp;

#[cfg(test)]
mod tests;

pub use self::content::EscalationNotice;
pub use self::settings::{NotifySettings, SmtpSettings};
pub use self::smtp::{MailPayload, MAIL_CHANNEL};

use crate::channels::logochat;
use crate::helpdesk::Helpdesk;
use crate::storage::{NewOutboxItem, NewTicket, OutboxItem};

/// The outbox channel of notices to the operators' LoGoチャット room.
pub const ROOM_CHANNEL: &str = "logochat-operators";
/// The outbox "room" of e-mail notices: one queue, in order.
pub const MAIL_ROOM: &str = "operators";

impl Helpdesk {
    /// Stores `ticket` and queues the notices of it that are configured, in one
    /// transaction; returns the ticket's number. Without notices configured this is
    /// [`crate::storage::Store::open_ticket`].
    pub(crate) async fn open_ticket_and_notify(&self, ticket: &NewTicket) -> anyhow::Result<i64> {
        let notify = &self.settings.notify;
        if !notify.room_notices() && !notify.mail_notices() {
            return Ok(self.store.open_ticket(ticket).await?);
        }
        let department = match &ticket.staff_no {
            Some(no) => self
                .store
                .staff_by_employee_no(no)
                .await?
                .map(|s| s.department),
            None => None,
        };
        let build = |id: i64| self.escalation_notices(ticket, department.as_deref(), id);
        let id = self.store.open_ticket_with_notices(ticket, &build).await?;
        self.outbox_changed();
        Ok(id)
    }

    /// The outbox items announcing ticket `id`.
    fn escalation_notices(
        &self,
        ticket: &NewTicket,
        department: Option<&str>,
        id: i64,
    ) -> Vec<NewOutboxItem> {
        let notify = &self.settings.notify;
        let notice = EscalationNotice::new(
            &self.prompts,
            id,
            &ticket.subject,
            &ticket.channel,
            department,
            ticket.first_response_due,
            notify.ticket_link(id),
        );
        let mut items = Vec::new();
        if let Some(room) = &notify.logochat_room {
            let text = notice.room_text(&self.prompts);
            items.push(NewOutboxItem {
                channel: ROOM_CHANNEL.into(),
                room: room.clone(),
                // Addressed to the room, not to a person: no user id.
                payload: logochat::outgoing::payload(room, "", &text),
            });
        }
        if notify.mail_notices() {
            let mail = MailPayload {
                subject: notice.mail_subject(&self.prompts),
                text: notice.mail_body(&self.prompts),
            };
            items.push(NewOutboxItem {
                channel: MAIL_CHANNEL.into(),
                room: MAIL_ROOM.into(),
                payload: mail.to_json(),
            });
        }
        items
    }
}

/// Delivers a notice to the operators' room: the LoGo outgoing URL (or the notices' own
/// URL), signed like every LoGo message.
pub async fn deliver_room_notice(
    helpdesk: &Helpdesk,
    client: &reqwest::Client,
    item: &OutboxItem,
) -> Result<(), String> {
    let settings = &helpdesk.settings;
    let url = settings
        .notify
        .logochat_url
        .as_deref()
        .or(settings.logochat.outgoing_url.as_deref())
        .ok_or("neither [notify] logochat_url nor [logochat] outgoing_url is set")?;
    let now = helpdesk.clock.now().timestamp();
    logochat::outgoing::deliver_to(client, url, &settings.logochat, item, now).await
}

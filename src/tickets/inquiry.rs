//! Inquiries that came by phone, in person or by mail: an operator enters them for a
//! staff member picked from the directory, and they join the same queue, SLA and counts
//! as chat escalations. Each is a conversation of its own on its channel (電話, 窓口,
//! メール) holding what the staff member asked, with its ticket, in one transaction.

use super::{TicketError, Tickets};
use crate::domain::{Author, Channel, Direction};
use crate::storage::{
    audit, conversations, messages, AuditEntry, ConversationKey, NewMessage, StaffMember,
};

/// The longest inquiry text kept.
pub const MAX_INQUIRY_CHARS: usize = 4000;

impl Tickets {
    /// Opens a ticket for `staff`'s inquiry `text` that came by `channel`, entered by
    /// `operator`; its id.
    pub async fn open_inquiry(
        &self,
        channel: Channel,
        staff: &StaffMember,
        text: &str,
        operator: &str,
    ) -> Result<i64, TicketError> {
        if !Channel::ENTERED_BY_OPERATOR.contains(&channel) {
            return Err(TicketError::Invalid(
                "受付は電話・窓口・メールのどれかです。".into(),
            ));
        }
        let text = crate::domain::text::clean_text(text.trim());
        if text.is_empty() || text.chars().count() > MAX_INQUIRY_CHARS {
            return Err(TicketError::Invalid(format!(
                "問い合わせの内容を{MAX_INQUIRY_CHARS}文字以内で入力してください。"
            )));
        }
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("random source: {e}"))?;
        let token = hex::encode(bytes);
        let key = ConversationKey {
            channel,
            room: format!("inquiry-{token}"),
            user_ref: staff.employee_no.clone(),
        };
        let mut tx = self.store.begin().await?;
        let mut conversation = conversations::create(&mut tx, &key, &token).await?;
        conversation.staff_no = Some(staff.employee_no.clone());
        conversation.user_name = Some(staff.name.clone());
        let message = NewMessage {
            direction: Direction::In,
            author_name: Some(staff.name.clone()),
            ..NewMessage::outgoing(Author::Staff, text.clone())
        };
        messages::insert(&mut tx, &conversation, &message).await?;
        let escalation = self.escalate(&mut tx, &conversation, &text).await?;
        let mut after = conversation.clone();
        after.ticket_id = Some(escalation.ticket_id);
        conversations::save(&mut tx, &after).await?;
        let entry = AuditEntry::new(
            operator,
            "ticket.open",
            "ticket",
            &escalation.ticket_id.to_string(),
        )
        .detail(format!("channel {channel}"));
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        self.wakeup.ring();
        Ok(escalation.ticket_id)
    }
}

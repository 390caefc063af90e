//! What the requester is told when a request changes state: the type's own sentence or
//! the shared one (`prompts/requests.toml`), written as a bot message in the conversation
//! the request came from and, on channels that push (LoGoチャット), queued in the outbox
//! in the same transaction as the change.

use super::{request_number, sentences::fill, RequestError, Requests};
use crate::calendar;
use crate::domain::request_type::RequestType;
use crate::domain::{OutboxRoute, RequestStatus};
use crate::storage::requests::RequestRow;
use crate::storage::staff::{self, StaffKey};
use crate::storage::{outbox, Delivery, NewOutboxItem, Tx};

impl Requests {
    /// The sentence for `row` entering `status`.
    pub(super) fn notice_text(
        &self,
        row: &RequestRow,
        definition: &RequestType,
        status: RequestStatus,
        reason: Option<&str>,
    ) -> String {
        let template = definition
            .notice(status)
            .unwrap_or_else(|| self.sentences.notice(status));
        let due = row
            .due_at
            .map(|d| calendar::format_datetime_ja(calendar::to_local(d)))
            .unwrap_or_default();
        fill(
            template,
            &[
                ("number", &request_number(row.id)),
                ("type", &row.type_name),
                ("reason", reason.unwrap_or("")),
                ("due", &due),
            ],
        )
    }

    /// Writes `text` to the request's conversation (and its outbox item when the channel
    /// pushes), and queues an e-mail to the requester when mail is configured and the
    /// directory has their address.
    pub(super) async fn tell(
        &self,
        tx: &mut Tx,
        row: &RequestRow,
        text: &str,
    ) -> Result<(), RequestError> {
        if self.mail {
            let key = StaffKey::EmployeeNo(&row.requester_no);
            if let Some(address) = staff::find(&mut tx.conn(), key)
                .await?
                .and_then(|m| m.email)
            {
                let item = NewOutboxItem {
                    kind: crate::domain::OutboxKind::Request,
                    route: OutboxRoute::Mail,
                    room: format!("request-{}", row.id),
                    recipient: Some(address),
                    delivery: Delivery {
                        text: text.to_owned(),
                        subject: Some(format!(
                            "【申請 {}】{}",
                            request_number(row.id),
                            row.type_name
                        )),
                    },
                };
                outbox::push(tx, &item, None).await?;
            }
        }
        if let Some(conversation_id) = row.conversation_id {
            crate::outbox::tell_conversation(tx, conversation_id, text).await?;
        }
        Ok(())
    }
}

//! Opening a ticket from a conversation: the subject, the transcript so far, the SLA due
//! times, the operators' notices (in the same transaction, so a notice is never lost nor
//! sent for a ticket that was not stored), and what the staff member is told.

use serde_json::json;

use super::{ticket_number, Tickets};
use crate::calendar::{self, Availability, ClosedReason};
use crate::domain::Priority;
use crate::prompts::Prompt;
use crate::storage::staff::{self, StaffKey};
use crate::storage::{messages, outbox, tickets, ConversationRow, NewTicket, Tx};

/// Longest ticket subject kept (the question, cut).
const SUBJECT_CHARS: usize = 120;

/// A ticket just opened, and what to tell the staff member.
#[derive(Debug, Clone)]
pub struct Escalation {
    pub ticket_id: i64,
    /// 「担当者におつなぎしました。受付番号は #N です。…」
    pub reply: String,
}

impl Tickets {
    /// Opens a ticket for `question` inside the turn's transaction `tx`, with the
    /// operators' notices; the conversation's open ticket is the caller's to set.
    pub async fn escalate(
        &self,
        tx: &mut Tx,
        conversation: &ConversationRow,
        question: &str,
    ) -> anyhow::Result<Escalation> {
        let transcript: Vec<_> = messages::after(&mut tx.conn(), conversation.id, 0)
            .await?
            .iter()
            .map(|m| json!({"author": m.author, "text": m.text, "at": m.created_at}))
            .collect();
        let opened_at = tx.now();
        let (first_response_due, resolution_due) =
            self.due_times(opened_at, None, Priority::Normal);
        let ticket = NewTicket {
            conversation_id: conversation.id,
            channel: conversation.channel,
            subject: question.chars().take(SUBJECT_CHARS).collect(),
            staff_no: conversation.staff_no.clone(),
            requester_name: conversation.user_name.clone(),
            contact: conversation.contact.clone(),
            transcript: serde_json::Value::Array(transcript).to_string(),
            category: None,
            first_response_due: Some(first_response_due),
            resolution_due: Some(resolution_due),
        };
        let id = tickets::insert(tx, &ticket).await?;
        if self.notices.enabled() {
            let department = match &ticket.staff_no {
                Some(no) => staff::find(&mut tx.conn(), StaffKey::EmployeeNo(no))
                    .await?
                    .map(|s| s.department),
                None => None,
            };
            for item in self.notices.escalation(&ticket, department.as_deref(), id) {
                outbox::push(tx, &item, None).await?;
            }
        }
        tracing::info!(ticket = id, conversation = conversation.id, "escalated");
        let reply = self.prompts.render(
            Prompt::Escalated,
            &[
                ("ticket", &ticket_number(id)),
                ("when", &self.when_a_person_answers(opened_at)),
            ],
        );
        Ok(Escalation {
            ticket_id: id,
            reply,
        })
    }

    /// 「…以降に担当者からご連絡します」 at `now`, from the business calendar.
    pub fn when_a_person_answers(&self, now: chrono::DateTime<chrono::Utc>) -> String {
        let now = calendar::to_local(now);
        let reopens = calendar::format_datetime_ja;
        match self.calendar.availability(now) {
            Availability::Open => self.prompts.text(Prompt::WhenOpen),
            Availability::AfterHours { reopens_at } => self.prompts.render(
                Prompt::AfterHours,
                &[
                    ("open", &calendar::format_time_ja(self.calendar.open_time())),
                    (
                        "close",
                        &calendar::format_time_ja(self.calendar.close_time()),
                    ),
                    ("reopens", &reopens(reopens_at)),
                ],
            ),
            Availability::Closed {
                reason,
                from,
                to,
                reopens_at,
            } => {
                let reason = match reason {
                    ClosedReason::Weekend => "土日".to_owned(),
                    ClosedReason::Holiday(name) if from == to => format!("祝日（{name}）"),
                    ClosedReason::Holiday(name) => format!("土日・祝日（{name}）"),
                    ClosedReason::YearEnd => "閉庁".to_owned(),
                    ClosedReason::Closure(why) => format!("{why}による閉庁"),
                };
                self.prompts.render(
                    Prompt::Closed,
                    &[
                        ("span", &calendar::format_span_ja(from, to)),
                        ("reason", &reason),
                        ("reopens", &reopens(reopens_at)),
                    ],
                )
            }
        }
    }
}

//! Handing a conversation to a person: tickets, and what operators do with them (take,
//! reply, hand back to the bot, resolve). Operator replies reach the staff member through
//! the channel the conversation came from.

use serde_json::json;

use super::flow::bot_message;
use super::state::State;
use crate::calendar::{self, Availability, ClosedReason};
use crate::helpdesk::Helpdesk;
use crate::prompts::Prompt;
use crate::storage::{ConversationRow, NewTicket, StoredMessage, Ticket, TicketUpdate, Turn};

/// Longest ticket subject kept (the question, cut).
const SUBJECT_CHARS: usize = 120;

/// What an operator does with a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperatorAction {
    /// Takes the conversation over: the bot falls silent in it.
    Take,
    /// Sends a message to the staff member (taking the conversation if not yet taken).
    Reply(String),
    /// Gives the conversation back to the bot; the ticket stays open.
    HandBack,
    /// Closes the ticket as resolved, optionally naming the FAQ entry that answers it.
    Resolve { faq_id: Option<String> },
}

/// Who acts on a ticket: the login (assignee, audit log) and the name staff see.
#[derive(Debug, Clone, Copy)]
pub struct OperatorRef<'a> {
    pub login: &'a str,
    pub name: &'a str,
}

impl<'a> From<&'a str> for OperatorRef<'a> {
    /// One name for both (the JSON API, whose callers name themselves).
    fn from(name: &'a str) -> Self {
        OperatorRef { login: name, name }
    }
}

/// Why an operator action was refused. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    #[error("受付番号 {0} のチケットはありません。")]
    NoSuchTicket(i64),
    #[error("受付番号 {0} は対応済みです。")]
    AlreadyResolved(i64),
    #[error("返信の本文が空です。")]
    EmptyReply,
    #[error("FAQ {0:?} はありません。")]
    UnknownFaq(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<crate::storage::StorageError> for OperatorError {
    fn from(e: crate::storage::StorageError) -> Self {
        OperatorError::Internal(e.into())
    }
}

impl Helpdesk {
    /// Opens a ticket for `question` (or says one is open already), asking an anonymous
    /// staff member for 職員番号 or 内線 first.
    pub(super) async fn escalate(
        &self,
        conversation: &ConversationRow,
        question: &str,
    ) -> anyhow::Result<Turn> {
        if let Some(ticket) = conversation.ticket_id {
            let text = self.prompts.render(
                Prompt::AlreadyEscalated,
                &[("ticket", &ticket_number(ticket))],
            );
            return Ok(Turn {
                state: Some(State::Idle.to_json()),
                messages: vec![bot_message(text, Vec::new())],
                ..Turn::default()
            });
        }
        let anonymous = conversation.staff_no.is_none()
            && conversation.contact.is_none()
            && conversation.user_ref.is_empty();
        if anonymous {
            return Ok(self.say(
                Prompt::AskIdentity,
                State::AwaitingIdentity {
                    question: question.to_owned(),
                },
            ));
        }
        self.open_ticket(conversation, question, None, None).await
    }

    /// An anonymous staff member's reply to 「職員番号または内線番号」.
    pub(super) async fn identify(
        &self,
        conversation: &ConversationRow,
        question: &str,
        text: &str,
    ) -> anyhow::Result<Turn> {
        let normalized = crate::analysis::normalize::normalize(text);
        let digits: String = normalized
            .split(|c: char| !c.is_ascii_digit())
            .filter(|run| run.len() >= 3)
            .take(1)
            .collect();
        if digits.is_empty() {
            return Ok(self.say(
                Prompt::IdentityRetry,
                State::AwaitingIdentity {
                    question: question.to_owned(),
                },
            ));
        }
        let staff = match self.store.staff_by_employee_no(&digits).await? {
            Some(s) => Some(s),
            None => self.store.staff_by_extension(&digits).await?,
        };
        let contact = crate::helpdesk::stored_text(text);
        let staff_no = staff.map(|s| s.employee_no);
        self.open_ticket(conversation, question, staff_no, Some(contact))
            .await
    }

    async fn open_ticket(
        &self,
        conversation: &ConversationRow,
        question: &str,
        staff_no: Option<String>,
        contact: Option<String>,
    ) -> anyhow::Result<Turn> {
        let transcript = self.store.messages_after(conversation.id, 0).await?;
        let transcript: Vec<_> = transcript
            .iter()
            .map(|m| json!({"author": m.author, "text": m.text, "at": m.created_at}))
            .collect();
        let staff_no = staff_no.or_else(|| conversation.staff_no.clone());
        let (first_response_due, resolution_due) = self.sla_due_times();
        let ticket = NewTicket {
            conversation_id: conversation.id,
            channel: conversation.channel.clone(),
            subject: question.chars().take(SUBJECT_CHARS).collect(),
            staff_no: staff_no.clone(),
            requester_name: conversation.user_name.clone(),
            contact: contact.clone().or_else(|| conversation.contact.clone()),
            transcript: serde_json::Value::Array(transcript).to_string(),
            first_response_due: Some(first_response_due),
            resolution_due: Some(resolution_due),
            ..NewTicket::default()
        };
        let id = self.open_ticket_and_notify(&ticket).await?;
        tracing::info!(ticket = id, conversation = conversation.id, "escalated");
        let text = self.prompts.render(
            Prompt::Escalated,
            &[
                ("ticket", &ticket_number(id)),
                ("when", &self.when_a_person_answers()),
            ],
        );
        Ok(Turn {
            state: Some(State::Idle.to_json()),
            staff_no,
            contact,
            opened_ticket: Some(id),
            messages: vec![bot_message(text, Vec::new())],
            ..Turn::default()
        })
    }

    /// When a ticket opened now is due for its first response and its resolution:
    /// the SLA minutes counted in office hours on the business calendar.
    pub fn sla_due_times(&self) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
        self.sla_due_times_for(self.clock.now(), None, "normal")
    }

    /// Due times of a ticket opened at `opened_at` with `category` and `priority`, from
    /// the `[sla]` targets (rules per category and priority, else the defaults).
    pub fn sla_due_times_for(
        &self,
        opened_at: chrono::DateTime<chrono::Utc>,
        category: Option<&str>,
        priority: &str,
    ) -> (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>) {
        let opened = calendar::to_local(opened_at);
        let (first, resolution) = self.settings.sla.targets(category, priority);
        let due = |minutes: u32| {
            let at = self
                .calendar
                .add_business_time(opened, chrono::Duration::minutes(i64::from(minutes)));
            calendar::to_utc(at)
        };
        (due(first), due(resolution))
    }

    /// 「…以降に担当者からご連絡します」 from the business calendar and the clock.
    pub fn when_a_person_answers(&self) -> String {
        let now = calendar::to_local(self.clock.now());
        let reopens = calendar::format_datetime_ja;
        match self.calendar.availability(now) {
            Availability::Open => self.prompts.text(Prompt::WhenOpen),
            Availability::AfterHours { reopens_at } => self.prompts.render(
                Prompt::AfterHours,
                &[
                    (
                        "open",
                        &calendar::format_time_ja(self.settings.calendar.open),
                    ),
                    (
                        "close",
                        &calendar::format_time_ja(self.settings.calendar.close),
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

    /// Does what an operator asked with ticket `ticket_id`; returns the ticket as it is
    /// now and the messages sent to the staff member.
    pub async fn operator_act<'o>(
        &self,
        ticket_id: i64,
        operator: impl Into<OperatorRef<'o>>,
        action: OperatorAction,
    ) -> Result<(Ticket, Vec<StoredMessage>), OperatorError> {
        let ticket = self
            .store
            .ticket(ticket_id)
            .await?
            .ok_or(OperatorError::NoSuchTicket(ticket_id))?;
        if matches!(ticket.status.as_str(), "resolved" | "closed") {
            return Err(OperatorError::AlreadyResolved(ticket_id));
        }
        let _turn = self.turns.lock(ticket.conversation_id).await;
        let conversation = self
            .store
            .conversation(ticket.conversation_id)
            .await?
            .ok_or(OperatorError::NoSuchTicket(ticket_id))?;
        let OperatorRef {
            login: operator,
            name,
        } = operator.into();
        let operator_handler = Some(("operator".to_owned(), Some(operator.to_owned())));
        let taken = conversation.handler == "operator";
        let mut update = TicketUpdate::default();
        let mut turn = Turn::default();
        let verb = match &action {
            OperatorAction::Take => "ticket.take",
            OperatorAction::Reply(_) => "ticket.reply",
            OperatorAction::HandBack => "ticket.hand_back",
            OperatorAction::Resolve { .. } => "ticket.resolve",
        };
        match action {
            OperatorAction::Take => {
                update.status = Some("in_progress".into());
                update.assignee = Some(Some(operator.into()));
                turn.handler = operator_handler;
                let text = self.prompts.render(Prompt::HandOff, &[("operator", name)]);
                turn.messages
                    .push(self.outgoing(&conversation, "bot", None, text));
            }
            OperatorAction::Reply(text) => {
                let text = crate::helpdesk::clean_text(text.trim());
                if text.is_empty() {
                    return Err(OperatorError::EmptyReply);
                }
                update.status = Some("in_progress".into());
                if !taken {
                    update.assignee = Some(Some(operator.into()));
                    turn.handler = operator_handler;
                }
                let name = Some(name.to_owned());
                turn.messages
                    .push(self.outgoing(&conversation, "operator", name, text));
            }
            OperatorAction::HandBack => {
                turn.handler = Some(("bot".into(), None));
                turn.state = Some(State::Idle.to_json());
                let text = self.prompts.text(Prompt::HandedBack);
                turn.messages
                    .push(self.outgoing(&conversation, "bot", None, text));
            }
            OperatorAction::Resolve { faq_id } => {
                if let Some(id) = &faq_id {
                    if self.store.get_faq(id).await?.is_none() {
                        return Err(OperatorError::UnknownFaq(id.clone()));
                    }
                }
                // The learning loop: the question becomes a proposed alternative question.
                self.propose_from_resolution(&ticket, faq_id.as_deref(), operator)
                    .await?;
                update.status = Some("resolved".into());
                update.faq_id = faq_id;
                if ticket.assignee.is_none() {
                    update.assignee = Some(Some(operator.into()));
                }
                turn.handler = Some(("bot".into(), None));
                turn.state = Some(State::Idle.to_json());
                turn.close_ticket = conversation.ticket_id == Some(ticket_id);
                let text = self.prompts.render(
                    Prompt::TicketResolved,
                    &[("ticket", &ticket_number(ticket_id))],
                );
                turn.messages
                    .push(self.outgoing(&conversation, "bot", None, text));
            }
        }
        self.store.update_ticket(ticket_id, &update).await?;
        let sent = self.store.commit_turn(&conversation, &turn).await?;
        if turn.messages.iter().any(|m| m.push.is_some()) {
            self.outbox_changed();
        }
        let ticket = self
            .store
            .ticket(ticket_id)
            .await?
            .ok_or(OperatorError::NoSuchTicket(ticket_id))?;
        let detail = Some(format!("status {}", ticket.status));
        self.audit(operator, verb, "ticket", &ticket_id.to_string(), detail)
            .await?;
        Ok((ticket, sent))
    }
}

/// How a ticket is named to staff: 「#12」.
pub fn ticket_number(id: i64) -> String {
    format!("#{id}")
}

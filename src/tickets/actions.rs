//! What operators do with a ticket that reaches the staff member: take the conversation,
//! reply, hand it back to the bot, resolve. Each is one transaction: the ticket, the
//! conversation, the message, its outbox item (for channels that push), a proposal from
//! the learning loop and the audit row. The conversation is locked like a turn, so an
//! operator's message and the staff member's never interleave.

use super::{ticket_number, TicketError, Tickets};
use crate::domain::{Author, ConversationState, Handler, TicketStatus};
use crate::learning;
use crate::prompts::Prompt;
use crate::storage::{
    audit, conversations, faqs, tickets, AuditEntry, ConversationRow, NewMessage, StoredMessage,
    Ticket, TicketUpdate, Tx,
};

/// How often an action is tried again when the conversation keeps changing under it.
const MAX_ATTEMPTS: usize = 16;

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

impl OperatorAction {
    /// The audit log's name of the action.
    fn verb(&self) -> &'static str {
        match self {
            OperatorAction::Take => "ticket.take",
            OperatorAction::Reply(_) => "ticket.reply",
            OperatorAction::HandBack => "ticket.hand_back",
            OperatorAction::Resolve { .. } => "ticket.resolve",
        }
    }
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

impl Tickets {
    /// Does what an operator asked with ticket `ticket_id`; returns the ticket as it is
    /// now and the messages sent to the staff member.
    pub async fn act<'o>(
        &self,
        ticket_id: i64,
        operator: impl Into<OperatorRef<'o>>,
        action: OperatorAction,
    ) -> Result<(Ticket, Vec<StoredMessage>), TicketError> {
        let operator = operator.into();
        let action = match action {
            OperatorAction::Reply(text) => {
                let text = crate::domain::text::clean_text(text.trim());
                if text.is_empty() {
                    return Err(TicketError::EmptyReply);
                }
                OperatorAction::Reply(text)
            }
            other => other,
        };
        if let OperatorAction::Resolve { faq_id: Some(id) } = &action {
            if self.store.get_faq(id).await?.is_none() {
                return Err(TicketError::UnknownFaq(id.clone()));
            }
        }
        for _ in 0..MAX_ATTEMPTS {
            let ticket = self.existing(ticket_id).await?;
            if !ticket.status.is_open() {
                return Err(TicketError::AlreadyResolved(ticket_id));
            }
            let conversation = conversations::get(&mut self.store.conn(), ticket.conversation_id)
                .await?
                .ok_or(TicketError::NoSuchTicket(ticket_id))?;
            let mut tx = self.store.begin().await?;
            if !conversations::lock(&mut tx, conversation.id, conversation.version).await? {
                continue;
            }
            let ticket = super::locked(&mut tx, ticket_id).await?;
            if !ticket.status.is_open() {
                return Err(TicketError::AlreadyResolved(ticket_id));
            }
            let sent = self
                .carry_out(&mut tx, &ticket, conversation, operator, &action)
                .await?;
            let entry = AuditEntry::new(
                operator.login,
                action.verb(),
                "ticket",
                &ticket_id.to_string(),
            );
            let ticket = super::locked(&mut tx, ticket_id).await?;
            audit::append(&mut tx, &entry.detail(format!("status {}", ticket.status))).await?;
            tx.commit().await?;
            if sent.iter().any(|m| m.channel.pushes()) {
                self.wakeup.ring();
            }
            return Ok((ticket, sent));
        }
        Err(TicketError::Conflict(ticket_id))
    }

    /// The changes of one action, inside its transaction; the messages sent.
    async fn carry_out(
        &self,
        tx: &mut Tx,
        ticket: &Ticket,
        conversation: ConversationRow,
        operator: super::OperatorRef<'_>,
        action: &OperatorAction,
    ) -> Result<Vec<StoredMessage>, TicketError> {
        let taken = Handler::Operator(operator.login.to_owned());
        let already_taken = !conversation.handler.is_bot();
        let mut after = conversation.clone();
        let mut update = TicketUpdate::default();
        let (author, name, text) = match action {
            OperatorAction::Take => {
                update.status = Some(TicketStatus::InProgress);
                update.assignee = Some(Some(operator.login.into()));
                after.handler = taken;
                let text = self
                    .prompts
                    .render(Prompt::HandOff, &[("operator", operator.name)]);
                (Author::Bot, None, text)
            }
            OperatorAction::Reply(text) => {
                update.status = Some(TicketStatus::InProgress);
                if !already_taken {
                    update.assignee = Some(Some(operator.login.into()));
                    after.handler = taken;
                }
                (
                    Author::Operator,
                    Some(operator.name.to_owned()),
                    text.clone(),
                )
            }
            OperatorAction::HandBack => {
                after.handler = Handler::Bot;
                after.state = ConversationState::Idle;
                (Author::Bot, None, self.prompts.text(Prompt::HandedBack))
            }
            OperatorAction::Resolve { faq_id } => {
                // The learning loop: the question becomes a proposed alternative question,
                // and at once one more way of asking for the entry's sentence vectors.
                if let Some(faq_id) = faq_id {
                    let entry = faqs::get(&mut tx.conn(), faq_id)
                        .await?
                        .ok_or_else(|| TicketError::UnknownFaq(faq_id.clone()))?;
                    learning::propose_from_resolution(tx, ticket, &entry, operator.login).await?;
                    learning::learn_from_resolution(tx, ticket, &entry, operator.login).await?;
                }
                update.status = Some(TicketStatus::Resolved);
                update.faq_id = faq_id.clone();
                if ticket.assignee.is_none() {
                    update.assignee = Some(Some(operator.login.into()));
                }
                after.handler = Handler::Bot;
                after.state = ConversationState::Idle;
                if conversation.ticket_id == Some(ticket.id) {
                    after.ticket_id = None;
                }
                let text = self.prompts.render(
                    Prompt::TicketResolved,
                    &[("ticket", &ticket_number(ticket.id))],
                );
                (Author::Bot, None, text)
            }
        };
        tickets::update(tx, ticket.id, &update).await?;
        crate::storage::ticket_updates::mark_read(tx, ticket.id).await?;
        let message = NewMessage {
            author_name: name,
            ..NewMessage::outgoing(author, text)
        };
        let stored = crate::outbox::send_in(tx, &conversation, &message).await?;
        conversations::save(tx, &after).await?;
        Ok(vec![stored])
    }
}

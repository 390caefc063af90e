//! Messages the conversation's state does not expect, and the conversation's open ticket:
//!
//! - a message with nothing to search for (a number, a lone kana, punctuation, 「はい」
//!   with nothing asked) never gets an FAQ answer: it gets the prompt that fits the state;
//! - while a ticket of the conversation is open, a message is added to the ticket (the
//!   queue marks it as updated) unless the bot can answer it with confidence, and
//!   「まだですか」 shows where the ticket stands and when it is due.

use super::flow::{bot_message, yes_no, Step};
use super::{Conversations, TurnResult};
use crate::calendar;
use crate::domain::content::asks_about_ticket;
use crate::domain::words::Word;
use crate::domain::{ticket_number, ConversationState, TicketStatus};
use crate::engine::{Decision, Intent, Outcome};
use crate::prompts::Prompt;
use crate::storage::{ticket_updates, ConversationRow, Ticket, Tx};

impl Conversations {
    /// What to do with a message the state does not expect (`word` is how it reads as a
    /// flow word): a question, something for the open ticket, or a prompt.
    pub(super) async fn plan_message(
        &self,
        conversation: &ConversationRow,
        text: &str,
        word: Word,
        asked: Option<Outcome>,
    ) -> anyhow::Result<Step> {
        let ticket = self.open_ticket_of(conversation).await?;
        let state = conversation.state.clone();
        if asks_about_ticket(text) {
            return Ok(match &ticket {
                Some(t) => Step::Reply(self.ticket_status(t), state),
                None => Step::Say(Prompt::NoOpenTicket, state),
            });
        }
        // The engine answers in a few milliseconds: on this thread (once a turn: the
        // outage check may have asked it already).
        let outcome = asked.unwrap_or_else(|| self.engine.ask(text));
        let small_talk = matches!(outcome.intent, Intent::Greeting | Intent::Thanks);
        let content_free = outcome.intent == Intent::Empty || word != Word::Other;
        if !small_talk && content_free {
            return Ok(match (&ticket, word) {
                (Some(t), _) => Step::Reply(self.ticket_status(t), state),
                (None, Word::Cancel) => Step::Say(Prompt::Cancelled, ConversationState::Idle),
                (None, _) => Step::Unclear,
            });
        }
        let text = text.to_owned();
        Ok(match ticket {
            Some(t) if !small_talk && outcome.decision != Decision::Answer => {
                Step::AppendToTicket { ticket_id: t.id }
            }
            Some(t) if !small_talk => Step::Question {
                text,
                outcome,
                open_ticket: Some(t.id),
            },
            _ => Step::Question {
                text,
                outcome,
                open_ticket: None,
            },
        })
    }

    /// The conversation's ticket, while it is open.
    async fn open_ticket_of(
        &self,
        conversation: &ConversationRow,
    ) -> anyhow::Result<Option<Ticket>> {
        let Some(id) = conversation.ticket_id else {
            return Ok(None);
        };
        Ok(self
            .tickets
            .ticket(id)
            .await?
            .filter(|t| t.status.is_open()))
    }

    /// 「受付番号 #N で担当者におつなぎしています…」 with the status and the due time.
    fn ticket_status(&self, ticket: &Ticket) -> String {
        let at = |due: Option<chrono::DateTime<chrono::Utc>>| {
            due.map(|d| calendar::format_datetime_ja(calendar::to_local(d)))
                .unwrap_or_default()
        };
        let number = ticket_number(ticket.id);
        if ticket.status == TicketStatus::New {
            self.prompts.render(
                Prompt::TicketWaiting,
                &[("ticket", &number), ("due", &at(ticket.first_response_due))],
            )
        } else {
            self.prompts.render(
                Prompt::TicketInHand,
                &[
                    ("ticket", &number),
                    ("status", ticket.status.label()),
                    ("due", &at(ticket.resolution_due)),
                ],
            )
        }
    }

    /// The staff member wrote while the ticket is in a person's hands: the queue marks
    /// it as updated (the message itself is in the ticket's transcript already).
    pub(super) async fn note_on_ticket(
        &self,
        tx: &mut Tx,
        conversation: &ConversationRow,
    ) -> anyhow::Result<()> {
        if let Some(id) = conversation.ticket_id {
            ticket_updates::mark_updated_by_staff(tx, id).await?;
        }
        Ok(())
    }

    /// Adds the message to ticket `ticket_id` and says so.
    pub(super) async fn append_to_ticket(
        &self,
        tx: &mut Tx,
        conversation: &ConversationRow,
        ticket_id: i64,
    ) -> anyhow::Result<TurnResult> {
        ticket_updates::mark_updated_by_staff(tx, ticket_id).await?;
        let text = self.prompts.render(
            Prompt::TicketAppended,
            &[("ticket", &ticket_number(ticket_id))],
        );
        Ok(TurnResult::new(
            conversation,
            conversation.state.clone(),
            bot_message(text, Vec::new()),
        ))
    }

    /// An answer given while ticket `open_ticket` stays open says so.
    pub(super) fn beside_ticket(
        &self,
        mut turn: TurnResult,
        open_ticket: Option<i64>,
    ) -> TurnResult {
        if let Some(id) = open_ticket {
            let text = self
                .prompts
                .render(Prompt::TicketStaysOpen, &[("ticket", &ticket_number(id))]);
            turn.replies.push(bot_message(text, Vec::new()));
        }
        turn
    }

    /// The prompt that fits the state, for a message with nothing to search for; the
    /// state stays.
    pub(super) fn unclear(&self, conversation: &ConversationRow) -> TurnResult {
        use ConversationState as S;
        let state = conversation.state.clone();
        let (text, choices) = match &state {
            S::AwaitingFeedback { .. } => (self.prompts.text(Prompt::FeedbackRetry), yes_no()),
            S::ConfirmEscalation { .. } => (self.prompts.text(Prompt::ConfirmRetry), yes_no()),
            S::AwaitingChoice { offers, .. } => {
                let max = (offers.len() + 1).to_string();
                let text = self
                    .prompts
                    .render(Prompt::ChoiceOutOfRange, &[("max", &max)]);
                (text, Vec::new())
            }
            S::OfferingRequest { .. } => match &self.requests {
                Some(requests) => (requests.sentences().say("offer_again", &[]), yes_no()),
                None => (self.prompts.text(Prompt::Unclear), Vec::new()),
            },
            // The dialogue reads every answer itself; only 「担当者」 passes through here.
            S::Idle
            | S::AwaitingIdentity { .. }
            | S::FillingRequest { .. }
            | S::AskingLoan { .. } => (self.prompts.text(Prompt::Unclear), Vec::new()),
        };
        TurnResult::new(conversation, state, bot_message(text, choices))
    }
}

//! Outages in the chat (`crate::outages`): while one is ongoing, a question that concerns
//! it (by its words, or by the entry or category the engine matched) gets its notice
//! first (「現在、メールで障害が発生しています…」) and the conversation is linked to it;
//! asking for a person about it while linked attaches the conversation to the outage
//! instead of opening a ticket of its own (a request about anything else opens one). The
//! flow hands a message here first; [`OutageCheck::Not`] gives it back, with the engine's
//! outcome when it was asked (so it is not asked twice).

use chrono::{DateTime, Utc};

use super::flow::{bot_message, Step};
use super::{question_log, Conversations, TurnResult};
use crate::domain::outage::BestMatch;
use crate::domain::words::{classify, Word};
use crate::domain::ConversationState;
use crate::engine::{Intent, Outcome};
use crate::storage::outages::Outage;
use crate::storage::{questions, ConversationRow, Tx};

/// A question that concerns an ongoing outage.
pub(super) struct Planned {
    outage_id: i64,
    question: String,
    outcome: Outcome,
}

/// Whether a message is about an ongoing outage.
pub(super) enum OutageCheck {
    /// It is: the turn.
    Concerns(Step),
    /// It is not; the engine's outcome for it, when the check asked the engine.
    Not(Option<Outcome>),
}

impl Conversations {
    /// The turn for `text` when it is a question about an ongoing outage.
    pub(super) async fn plan_outage(
        &self,
        conversation: &ConversationRow,
        text: &str,
    ) -> anyhow::Result<OutageCheck> {
        let Some(outages) = &self.outages else {
            return Ok(OutageCheck::Not(None));
        };
        // 職員番号 or 内線 for an escalation is no question.
        let answering = matches!(
            conversation.state,
            ConversationState::AwaitingIdentity { .. }
        );
        if answering || classify(text) != Word::Other {
            return Ok(OutageCheck::Not(None));
        }
        let ongoing = outages.ongoing().await?;
        if ongoing.is_empty() {
            return Ok(OutageCheck::Not(None));
        }
        let outcome = self.engine.ask(text);
        if outcome.intent != Intent::Question {
            return Ok(OutageCheck::Not(Some(outcome)));
        }
        let best = self.best_match(&outcome);
        let Some(outage) = ongoing.iter().find(|o| o.affected().concerns(text, best)) else {
            return Ok(OutageCheck::Not(Some(outcome)));
        };
        Ok(OutageCheck::Concerns(Step::Outage(Planned {
            outage_id: outage.id,
            question: text.to_owned(),
            outcome,
        })))
    }

    /// The notice, the question logged and the conversation linked, in the turn's
    /// transaction.
    pub(super) async fn execute_outage(
        &self,
        tx: &mut Tx,
        conversation: &ConversationRow,
        planned: Planned,
    ) -> anyhow::Result<TurnResult> {
        let outages = self
            .outages
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("outages are not wired"))?;
        let log = question_log(
            &planned.question,
            conversation.channel.as_str(),
            &planned.outcome,
        );
        questions::record(tx, &log).await?;
        let text = outages
            .link_in(tx, planned.outage_id, conversation.id)
            .await?;
        Ok(TurnResult::new(
            conversation,
            ConversationState::Idle,
            bot_message(text, Vec::new()),
        ))
    }

    /// The engine's best candidate, when it is good enough to say what a question is about.
    fn best_match<'a>(&self, outcome: &'a Outcome) -> Option<BestMatch<'a>> {
        outcome
            .candidates
            .first()
            .filter(|c| c.score >= self.suggest_floor)
            .map(|c| BestMatch {
                faq_id: &c.id,
                category: &c.category,
            })
    }

    /// A person asked for about the ongoing outage the conversation is linked to: attached
    /// to it, no ticket. About it means: `question` concerns the outage (as a question
    /// does that gets its notice), or there is no question of its own (「担当者と話した
    /// い」) and the turn before was the outage's notice. Anything else opens a ticket: a
    /// question about the printer asked hours into a mail outage is never filed under it.
    pub(super) async fn attach_to_outage(
        &self,
        tx: &mut Tx,
        conversation: &ConversationRow,
        question: &str,
    ) -> anyhow::Result<Option<TurnResult>> {
        let Some(outages) = &self.outages else {
            return Ok(None);
        };
        let about_it = |outage: &Outage, noticed_at: Option<DateTime<Utc>>| {
            if classify(question) == Word::Person {
                return noticed_at.is_some_and(|at| at >= conversation.updated_at);
            }
            let outcome = self.engine.ask(question);
            outage
                .affected()
                .concerns(question, self.best_match(&outcome))
        };
        let Some(text) = outages.attach_in(tx, conversation.id, about_it).await? else {
            return Ok(None);
        };
        Ok(Some(TurnResult::new(
            conversation,
            ConversationState::Idle,
            bot_message(text, Vec::new()),
        )))
    }
}

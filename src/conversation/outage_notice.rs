//! Outages in the chat (`crate::outages`): while one is ongoing, a question that concerns
//! it (by its words, or by the entry or category the engine matched) gets its notice
//! first (「現在、メールで障害が発生しています…」) and the conversation is linked to it;
//! asking for a person while linked attaches the conversation to the outage instead of
//! opening a ticket of its own. The flow hands a message here first; [`OutageCheck::Not`]
//! gives it back, with the engine's outcome when it was asked (so it is not asked twice).

use super::flow::{bot_message, Step};
use super::{question_log, Conversations, TurnResult};
use crate::domain::outage::BestMatch;
use crate::domain::words::{classify, Word};
use crate::domain::ConversationState;
use crate::engine::{Intent, Outcome};
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
        let best = outcome
            .candidates
            .first()
            .filter(|c| c.score >= self.suggest_floor)
            .map(|c| BestMatch {
                faq_id: &c.id,
                category: &c.category,
            });
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

    /// A person asked for while the conversation is linked to an ongoing outage: attached
    /// to it, no ticket.
    pub(super) async fn attach_to_outage(
        &self,
        tx: &mut Tx,
        conversation: &ConversationRow,
    ) -> anyhow::Result<Option<TurnResult>> {
        let Some(outages) = &self.outages else {
            return Ok(None);
        };
        let Some(text) = outages.attach_in(tx, conversation.id).await? else {
            return Ok(None);
        };
        Ok(Some(TurnResult::new(
            conversation,
            ConversationState::Idle,
            bot_message(text, Vec::new()),
        )))
    }
}

//! Proposed alternative questions: an operator's answer teaches the bot.
//!
//! When an operator resolves a ticket naming the FAQ entry that answers it, the staff
//! member's question (the ticket's subject) is proposed as an alternative question of that
//! entry. An admin accepts it (the entry is saved with the question added, a new revision,
//! and the engine reloaded: the bot answers the same question at once) or rejects it.
//! Both decisions go to the audit log.

use serde::Serialize;

use super::{PendingProposal, Proposal};
use crate::helpdesk::Helpdesk;
use crate::storage::{question_key, NewProposal, ProposalOutcome, Ticket};

/// Most pending proposals listed at once.
pub const MAX_PENDING: i64 = 500;

/// Why a decision on a proposal was refused. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum ProposalError {
    #[error("提案 {0} はありません。")]
    NoSuchProposal(i64),
    #[error("提案 {id} は既に{}です。", decided(.status))]
    NotPending { id: i64, status: String },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

fn decided(status: &str) -> &'static str {
    match status {
        "accepted" => "承認済み",
        "rejected" => "却下済み",
        _ => "処理済み",
    }
}

impl From<crate::storage::StorageError> for ProposalError {
    fn from(e: crate::storage::StorageError) -> Self {
        ProposalError::Internal(e.into())
    }
}

/// An accepted proposal and the entry's revision that answers with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AcceptedProposal {
    pub proposal: Proposal,
    pub revision: u32,
}

impl Helpdesk {
    /// Proposes the question of a ticket being resolved as an alternative question of the
    /// FAQ entry `faq_id` that answers it (nothing when there is no entry, the ticket has
    /// no question, or the entry already has the question as its title, an alternative or
    /// a pending proposal). Returns the new proposal's id. Called by
    /// [`Helpdesk::operator_act`] before the ticket changes, so a failure refuses the
    /// resolution as a whole.
    pub async fn propose_from_resolution(
        &self,
        ticket: &Ticket,
        faq_id: Option<&str>,
        operator: &str,
    ) -> anyhow::Result<Option<i64>> {
        let Some(faq_id) = faq_id else {
            return Ok(None);
        };
        let question = ticket.subject.trim();
        if !super::is_question(question) {
            return Ok(None);
        }
        let Some(entry) = self.store.get_faq(faq_id).await? else {
            return Ok(None);
        };
        let key = question_key(question);
        let known = std::iter::once(&entry.title)
            .chain(&entry.alternatives)
            .any(|q| question_key(q) == key);
        if known {
            return Ok(None);
        }
        let proposal = NewProposal {
            faq_id: faq_id.to_owned(),
            question: question.to_owned(),
            ticket_id: Some(ticket.id),
            proposed_by: operator.to_owned(),
        };
        let id = self.store.propose_alternative(&proposal).await?;
        if let Some(id) = id {
            tracing::info!(proposal = id, ticket = ticket.id, faq = faq_id, "proposed");
        }
        Ok(id)
    }

    /// Pending proposals, oldest first, with their entries' titles and ticket numbers.
    pub async fn pending_proposals(&self) -> anyhow::Result<Vec<PendingProposal>> {
        Ok(self.store.pending_proposals(MAX_PENDING).await?)
    }

    /// An admin (`login`) accepts a pending proposal: the entry is saved with the
    /// question among its alternatives (a new revision by `login`), the engine reloaded so
    /// the bot answers with it at once, and the decision audited.
    pub async fn accept_proposal(
        &self,
        id: i64,
        login: &str,
    ) -> Result<AcceptedProposal, ProposalError> {
        let (proposal, revision) = decided_now(id, self.store.accept_proposal(id, login).await?)?;
        let revision = revision.ok_or_else(|| anyhow::anyhow!("accepted without a revision"))?;
        self.reload().await?;
        let detail = Some(format!("proposal {id}, revision {revision}"));
        self.audit(
            login,
            "faq.proposal.accept",
            "faq",
            &proposal.faq_id,
            detail,
        )
        .await?;
        Ok(AcceptedProposal { proposal, revision })
    }

    /// An admin (`login`) rejects a pending proposal; the entry is left as it is. Audited.
    pub async fn reject_proposal(&self, id: i64, login: &str) -> Result<Proposal, ProposalError> {
        let (proposal, _) = decided_now(id, self.store.reject_proposal(id, login).await?)?;
        let detail = Some(format!("proposal {id}"));
        self.audit(
            login,
            "faq.proposal.reject",
            "faq",
            &proposal.faq_id,
            detail,
        )
        .await?;
        Ok(proposal)
    }
}

/// The proposal just decided, or why nothing was.
fn decided_now(
    id: i64,
    outcome: ProposalOutcome,
) -> Result<(Proposal, Option<u32>), ProposalError> {
    match outcome {
        ProposalOutcome::Decided { proposal, revision } => Ok((proposal, revision)),
        ProposalOutcome::NoSuchProposal => Err(ProposalError::NoSuchProposal(id)),
        ProposalOutcome::NotPending(p) => Err(ProposalError::NotPending {
            id,
            status: p.status,
        }),
    }
}

//! Proposed alternative questions: an operator's answer teaches the bot.
//!
//! When an operator resolves a ticket naming the FAQ entry that answers it, the staff
//! member's question (the ticket's subject) is proposed as an alternative question of that
//! entry. An admin accepts it (the entry is saved with the question added, a new revision,
//! and the engine reloaded: the bot answers the same question at once) or rejects it.
//! Both decisions go to the audit log.

use serde::Serialize;

use super::{Learning, PendingProposal, Proposal};
use crate::domain::ProposalStatus;
use crate::kb::FaqEntry;
use crate::storage::{
    audit, generations, learned_questions, proposals, question_key, AuditEntry, NewProposal,
    ProposalOutcome, Ticket, Tx,
};

/// Most pending proposals listed at once.
pub const MAX_PENDING: i64 = 500;

/// Why a decision on a proposal was refused. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum ProposalError {
    #[error("提案 {0} はありません。")]
    NoSuchProposal(i64),
    #[error("提案 {id} は既に{}です。", decided(*.status))]
    NotPending { id: i64, status: ProposalStatus },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

fn decided(status: ProposalStatus) -> &'static str {
    match status {
        ProposalStatus::Accepted => "承認済み",
        ProposalStatus::Rejected => "却下済み",
        ProposalStatus::Proposed => "処理済み",
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

/// Proposes the question of a ticket being resolved as an alternative question of the
/// FAQ entry that answers it, inside the resolution's transaction (nothing when the
/// ticket has no question, or the entry already has the question as its title, an
/// alternative or a pending proposal). Returns the new proposal's id.
pub async fn propose_from_resolution(
    tx: &mut Tx,
    ticket: &Ticket,
    entry: &FaqEntry,
    operator: &str,
) -> anyhow::Result<Option<i64>> {
    let question = ticket.subject.trim();
    if !super::is_question(question) {
        return Ok(None);
    }
    let key = question_key(question);
    let known = std::iter::once(&entry.title)
        .chain(&entry.alternatives)
        .any(|q| question_key(q) == key);
    if known {
        return Ok(None);
    }
    let proposal = NewProposal {
        faq_id: entry.id.clone(),
        question: question.to_owned(),
        ticket_id: Some(ticket.id),
        proposed_by: operator.to_owned(),
    };
    let id = proposals::propose(tx, &proposal).await?;
    if let Some(id) = id {
        tracing::info!(
            proposal = id,
            ticket = ticket.id,
            faq = entry.id,
            "proposed"
        );
    }
    Ok(id)
}

/// Keeps the question of a ticket being resolved with `entry`, inside the resolution's
/// transaction, so that its sentence vector joins the entry's: every instance rebuilds
/// its index (the knowledge base's generation moves) and encodes it once. Nothing when
/// the ticket has no question. Whether it was learned.
pub async fn learn_from_resolution(
    tx: &mut Tx,
    ticket: &Ticket,
    entry: &FaqEntry,
    operator: &str,
) -> anyhow::Result<bool> {
    let question = ticket.subject.trim();
    if !super::is_question(question) {
        return Ok(false);
    }
    let learned = learned_questions::learn(tx, ticket.id, &entry.id, question, operator).await?;
    if learned {
        generations::bump(tx, generations::KNOWLEDGE_BASE).await?;
    }
    Ok(learned)
}

impl Learning {
    /// A proposal, pending or decided.
    pub async fn proposal(&self, id: i64) -> anyhow::Result<Option<Proposal>> {
        Ok(self.store.proposal(id).await?)
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
        let mut tx = self.store.begin().await?;
        let (proposal, revision) =
            decided_now(id, proposals::decide(&mut tx, id, login, true).await?)?;
        let revision = revision.ok_or_else(|| anyhow::anyhow!("accepted without a revision"))?;
        let line = AuditEntry::new(login, "faq.proposal.accept", "faq", &proposal.faq_id)
            .detail(format!("proposal {id}, revision {revision}"));
        audit::append(&mut tx, &line).await?;
        tx.commit().await?;
        self.knowledge.reload().await?;
        Ok(AcceptedProposal { proposal, revision })
    }

    /// An admin (`login`) rejects a pending proposal; the entry is left as it is. Audited.
    pub async fn reject_proposal(&self, id: i64, login: &str) -> Result<Proposal, ProposalError> {
        let mut tx = self.store.begin().await?;
        let (proposal, _) = decided_now(id, proposals::decide(&mut tx, id, login, false).await?)?;
        let line = AuditEntry::new(login, "faq.proposal.reject", "faq", &proposal.faq_id)
            .detail(format!("proposal {id}"));
        audit::append(&mut tx, &line).await?;
        tx.commit().await?;
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

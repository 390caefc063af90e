//! Questions proposed as alternative questions of FAQ entries (the learning loop), and
//! an admin's decision on each.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::learning::question_key;
use super::rows::EntryRow;
use super::{faqs, sql, Conn, Result, StorageError, Store, Tx};
use crate::domain::ProposalStatus;

/// A question proposed as an alternative question of an FAQ entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Proposal {
    pub id: i64,
    pub faq_id: String,
    pub question: String,
    /// The ticket it came from.
    pub ticket_id: Option<i64>,
    pub proposed_by: String,
    pub status: ProposalStatus,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A pending proposal, with the title of its entry, for the admin's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct PendingProposal {
    pub id: i64,
    pub faq_id: String,
    pub faq_title: String,
    pub question: String,
    pub ticket_id: Option<i64>,
    pub proposed_by: String,
    pub created_at: DateTime<Utc>,
}

/// A proposal to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProposal {
    pub faq_id: String,
    pub question: String,
    pub ticket_id: Option<i64>,
    pub proposed_by: String,
}

/// What deciding on a proposal came to. Only `Decided` changed anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProposalOutcome {
    /// Accepted or rejected now. `revision` is the entry's revision after an acceptance
    /// (unchanged when the entry already had the question).
    Decided {
        proposal: Proposal,
        revision: Option<u32>,
    },
    NoSuchProposal,
    /// Accepted or rejected before: as it stands.
    NotPending(Proposal),
}

/// Stores a proposal inside `tx`; `None` (nothing written) when the same question (by
/// [`question_key`]) is already pending for the entry. An unknown entry or a blank
/// question is [`StorageError::Invalid`].
pub async fn propose(tx: &mut Tx, proposal: &NewProposal) -> Result<Option<i64>> {
    let key = question_key(&proposal.question);
    if proposal.question.trim().is_empty() || key.is_empty() {
        return Err(StorageError::Invalid("a proposed question is blank".into()));
    }
    if faqs::get(&mut tx.conn(), &proposal.faq_id).await?.is_none() {
        return Err(StorageError::Invalid(format!(
            "no FAQ entry {:?}",
            proposal.faq_id
        )));
    }
    let now = tx.now();
    // One statement: a question already pending for the entry (the partial unique index
    // of migration 0009) is left alone.
    sql(
        "INSERT INTO faq_proposals (faq_id, question, question_key, ticket_id, proposed_by, \
         status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(&proposal.faq_id)
    .bind(&proposal.question)
    .bind(key)
    .bind(proposal.ticket_id)
    .bind(&proposal.proposed_by)
    .bind(ProposalStatus::Proposed)
    .bind(now)
    .scalar_optional(&mut tx.conn())
    .await
}

pub async fn get(c: &mut Conn<'_>, id: i64) -> Result<Option<Proposal>> {
    sql(
        "SELECT id, faq_id, question, ticket_id, proposed_by, status, decided_by, decided_at, \
         created_at FROM faq_proposals WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(c)
    .await
}

/// Accepts or rejects a pending proposal inside `tx`. Accepting saves its entry with the
/// question added to the alternatives (a new revision by `login`; none when the entry has
/// the question already). Of two admins deciding at once, one does; the other is told.
pub async fn decide(tx: &mut Tx, id: i64, login: &str, accept: bool) -> Result<ProposalOutcome> {
    let now = tx.now();
    let status = if accept {
        ProposalStatus::Accepted
    } else {
        ProposalStatus::Rejected
    };
    let decided = sql(
        "UPDATE faq_proposals SET status = $2, decided_by = $3, decided_at = $4 \
         WHERE id = $1 AND status = $5",
    )
    .bind(id)
    .bind(status)
    .bind(login)
    .bind(now)
    .bind(ProposalStatus::Proposed)
    .execute(&mut tx.conn())
    .await?;
    let proposal = match get(&mut tx.conn(), id).await? {
        None => return Ok(ProposalOutcome::NoSuchProposal),
        Some(p) if decided == 0 => return Ok(ProposalOutcome::NotPending(p)),
        Some(p) => p,
    };
    let mut revision = None;
    if accept {
        let row: Option<EntryRow> = sql(
            "SELECT id, title, category, keywords, alternatives, related, body, published \
             FROM faq_entries WHERE id = $1 FOR UPDATE",
        )
        .locking()
        .bind(&proposal.faq_id)
        .fetch_optional(&mut tx.conn())
        .await?;
        let Some(row) = row else {
            return Err(StorageError::Invalid(format!(
                "no FAQ entry {:?}",
                proposal.faq_id
            )));
        };
        let mut entry = row.into_entry()?;
        let key = question_key(&proposal.question);
        let known = std::iter::once(&entry.title)
            .chain(&entry.alternatives)
            .any(|q| question_key(q) == key);
        if !known {
            entry.alternatives.push(proposal.question.clone());
        }
        // The entry's row is locked since it was read: no console save slips in between.
        revision = Some(faqs::save(tx, &entry, login).await?.revision());
    }
    Ok(ProposalOutcome::Decided { proposal, revision })
}

impl Store {
    /// Stores a proposal (see [`propose`]).
    pub async fn propose_alternative(&self, proposal: &NewProposal) -> Result<Option<i64>> {
        let mut tx = self.begin().await?;
        let id = propose(&mut tx, proposal).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn proposal(&self, id: i64) -> Result<Option<Proposal>> {
        get(&mut self.conn(), id).await
    }

    /// Pending proposals, oldest first, with their entries' titles.
    pub async fn pending_proposals(&self, limit: i64) -> Result<Vec<PendingProposal>> {
        sql(
            "SELECT p.id, p.faq_id, e.title AS faq_title, p.question, p.ticket_id, \
             p.proposed_by, p.created_at FROM faq_proposals p \
             JOIN faq_entries e ON e.id = p.faq_id \
             WHERE p.status = $2 ORDER BY p.id LIMIT $1",
        )
        .bind(limit)
        .bind(ProposalStatus::Proposed)
        .fetch_all(&mut self.conn())
        .await
    }

    /// Accepts a pending proposal (see [`decide`]).
    pub async fn accept_proposal(&self, id: i64, login: &str) -> Result<ProposalOutcome> {
        let mut tx = self.begin().await?;
        let outcome = decide(&mut tx, id, login, true).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Rejects a pending proposal (the entry is left as it is).
    pub async fn reject_proposal(&self, id: i64, login: &str) -> Result<ProposalOutcome> {
        let mut tx = self.begin().await?;
        let outcome = decide(&mut tx, id, login, false).await?;
        tx.commit().await?;
        Ok(outcome)
    }
}

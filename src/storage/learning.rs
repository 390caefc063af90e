//! The learning loop's and the dashboard's storage: per-entry statistics, the raw
//! material of the unanswered report, proposed alternative questions, and the dashboard's
//! counts. Every report is one query, whatever the number of entries or days.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{now, Result, StorageError, Store};

/// How many messages (either way) may pass between the bot's answer and a ticket for the
/// ticket to count as "escalated after" that answer: enough for いいえ → a list or
/// 「担当者におつなぎしますか」 → はい → 職員番号 (and one retry), too few to reach back
/// into an earlier exchange.
pub const ESCALATION_WINDOW_MESSAGES: i64 = 8;

/// A span of time: `from` inclusive, `to` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// What the bot did with one FAQ entry over a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct EntryCounts {
    pub faq_id: String,
    /// Times a bot message showed it: as the answer, or among numbered choices.
    pub shown: i64,
    /// Times the bot answered with it.
    pub answered: i64,
    /// 解決した / 解決しなかった after it.
    pub resolved: i64,
    pub unresolved: i64,
    /// Tickets opened in a conversation right after the bot had answered with it (within
    /// [`ESCALATION_WINDOW_MESSAGES`], with no 解決した in between).
    pub escalated: i64,
}

/// Why a question counts as unanswered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GapKind {
    /// It became a ticket (its subject is the question).
    Escalated,
    /// The engine found nothing (decision `escalate`, reason `no_match`).
    NoMatch,
    /// The staff member answered 「いいえ」 to the bot's answer.
    NotResolved,
}

/// One unanswered question, as logged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnansweredQuestion {
    pub kind: GapKind,
    /// The logged question (none for a ticket).
    pub question_id: Option<i64>,
    pub ticket_id: Option<i64>,
    pub text: String,
    pub at: DateTime<Utc>,
}

/// A row of the unanswered-questions query.
#[derive(sqlx::FromRow)]
pub(super) struct GapRow {
    kind: String,
    question_id: Option<i64>,
    ticket_id: Option<i64>,
    text: String,
    at: DateTime<Utc>,
}

/// A question proposed as an alternative question of an FAQ entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Proposal {
    pub id: i64,
    pub faq_id: String,
    pub question: String,
    /// The ticket it came from.
    pub ticket_id: Option<i64>,
    pub proposed_by: String,
    /// `proposed`, `accepted` or `rejected`.
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// The columns [`Proposal`] reads.
pub(super) const PROPOSAL_COLUMNS: &str = "id, faq_id, question, ticket_id, proposed_by, status, \
     decided_by, decided_at, created_at";

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

/// Counts over one period for the dashboard.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PeriodCounts {
    /// Questions asked (small talk not counted).
    pub questions: i64,
    /// Of those, answered automatically (decision `answer`).
    pub answered: i64,
    /// Tickets opened.
    pub escalated: i64,
}

/// The dashboard's counts: today, this month, and the queue now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DashboardCounts {
    pub today: PeriodCounts,
    pub month: PeriodCounts,
    /// Tickets 新規, 対応中 or 保留 now.
    pub open_tickets: i64,
    /// Open tickets past a due time now (as [`Store::overdue_tickets`]).
    pub overdue_tickets: i64,
}

/// Questions and automatic answers on one local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DayCounts {
    pub date: NaiveDate,
    pub questions: i64,
    pub answered: i64,
}

/// The most days [`Store::questions_by_day`] reads at once.
pub const MAX_DAYS: usize = 366;

/// A question as it is compared: NFKC, lower case, no spaces, no closing punctuation, so
/// 「ﾊﾟｽﾜｰﾄﾞ 忘れた？」 and 「パスワード忘れた」 are the same question.
pub fn question_key(text: &str) -> String {
    let mut key: String = crate::analysis::normalize(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    while key.ends_with(['?', '!', '.', '。', '、', ',', '…']) {
        key.pop();
    }
    key
}

/// Rows of `questions q` that are a question (not 「こんにちは」 or 「ありがとう」), in SQL.
pub(super) const ASKED: &str =
    "(q.reason IS NULL OR q.reason NOT IN ('greeting', 'thanks', 'empty'))";

impl Store {
    /// Per FAQ entry, what the bot did with it during `period` (only entries with
    /// something to count).
    pub async fn entry_statistics(&self, period: Period) -> Result<Vec<EntryCounts>> {
        delegate!(self, b => b.learning_entry_statistics(period).await)
    }

    /// The unanswered questions of `period`, newest first, at most `limit`: no-match
    /// questions, 「いいえ」 answers (one per 「いいえ」) and tickets (workflow requests aside).
    pub async fn unanswered_questions(
        &self,
        period: Period,
        limit: i64,
    ) -> Result<Vec<UnansweredQuestion>> {
        let rows = delegate!(self, b => b.learning_unanswered(period, limit).await)?;
        rows.into_iter()
            .map(|row| {
                let kind = match row.kind.as_str() {
                    "escalated" => GapKind::Escalated,
                    "no_match" => GapKind::NoMatch,
                    _ => GapKind::NotResolved,
                };
                Ok(UnansweredQuestion {
                    kind,
                    question_id: row.question_id,
                    ticket_id: row.ticket_id,
                    text: row.text,
                    at: row.at,
                })
            })
            .collect()
    }

    /// Stores a proposal; `None` (nothing written) when the same question (by
    /// [`question_key`]) is already pending for the entry. An unknown entry or a blank
    /// question is [`StorageError::Invalid`]; an unknown ticket, a foreign-key error.
    pub async fn propose_alternative(&self, proposal: &NewProposal) -> Result<Option<i64>> {
        if proposal.question.trim().is_empty() || question_key(&proposal.question).is_empty() {
            return Err(StorageError::Invalid("a proposed question is blank".into()));
        }
        if self.get_faq(&proposal.faq_id).await?.is_none() {
            return Err(StorageError::Invalid(format!(
                "no FAQ entry {:?}",
                proposal.faq_id
            )));
        }
        let key = question_key(&proposal.question);
        delegate!(self, b => b.learning_propose(proposal, &key, now()).await)
    }

    pub async fn proposal(&self, id: i64) -> Result<Option<Proposal>> {
        delegate!(self, b => b.learning_proposal(id).await)
    }

    /// Pending proposals, oldest first, with their entries' titles.
    pub async fn pending_proposals(&self, limit: i64) -> Result<Vec<PendingProposal>> {
        delegate!(self, b => b.learning_pending(limit).await)
    }

    /// Accepts a pending proposal: in one transaction, marks it accepted by `login` and
    /// saves its entry with the question added to the alternatives (a new revision by
    /// `login`; none when the entry already has the question).
    pub async fn accept_proposal(&self, id: i64, login: &str) -> Result<ProposalOutcome> {
        delegate!(self, b => b.learning_decide(id, login, true, now()).await)
    }

    /// Rejects a pending proposal (the entry is left as it is).
    pub async fn reject_proposal(&self, id: i64, login: &str) -> Result<ProposalOutcome> {
        delegate!(self, b => b.learning_decide(id, login, false, now()).await)
    }

    /// Questions, automatic answers and tickets opened in `today` and `month`; open and
    /// overdue tickets at `at`.
    pub async fn dashboard_counts(
        &self,
        today: Period,
        month: Period,
        at: DateTime<Utc>,
    ) -> Result<DashboardCounts> {
        delegate!(self, b => b.learning_dashboard(today, month, at).await)
    }

    /// Questions and automatic answers on each of `days` (at most [`MAX_DAYS`]), in the
    /// order given.
    pub async fn questions_by_day(&self, days: &[(NaiveDate, Period)]) -> Result<Vec<DayCounts>> {
        if days.len() > MAX_DAYS {
            return Err(StorageError::Invalid(format!(
                "{} days asked for, at most {MAX_DAYS} at once",
                days.len()
            )));
        }
        if days.is_empty() {
            return Ok(Vec::new());
        }
        let counts = delegate!(self, b => b.learning_by_day(days).await)?;
        Ok(days
            .iter()
            .enumerate()
            .map(|(i, (date, _))| {
                let (questions, answered) = counts
                    .iter()
                    .find(|(n, _, _)| *n == i as i64)
                    .map(|&(_, q, a)| (q, a))
                    .unwrap_or_default();
                DayCounts {
                    date: *date,
                    questions,
                    answered,
                }
            })
            .collect())
    }
}

mod queries;
pub(super) use queries::{learning_functions, learning_queries};

//! The learning loop and the dashboard: what the console shows so that every answer an
//! operator gives makes the bot answer the next similar question by itself.
//!
//! - per FAQ entry, shown / answered / 解決した / 解決しなかった / escalated after it, over
//!   a period ([`crate::knowledge::EntryStatistics`]);
//! - [`Learning::unanswered_report`]: escalated, no-match and 「いいえ」 questions grouped
//!   by similarity ([`gaps`]), the most frequent gaps first;
//! - proposals: resolving a ticket with an FAQ link proposes the staff member's question as
//!   an alternative question of the entry ([`propose_from_resolution`], in the resolution's
//!   transaction); an admin accepts ([`Learning::accept_proposal`]) and the bot answers
//!   with it at once; the question is also learned at once as one more sentence vector of
//!   the entry ([`learn_from_resolution`]), which semantic retrieval matches;
//! - [`Learning::dashboard`] and [`chart::answer_rate_chart`]: today's and this month's
//!   counts, and the auto-answer rate by day as an inline SVG.
//!
//! Figures are derived from what the conversation already records (questions, messages,
//! feedback, tickets); see `migrations/*/0009_learning.sql` for the little that is added.

pub mod chart;
mod dashboard;
pub mod gaps;
mod proposals;

use std::sync::Arc;

use chrono::{Datelike, Days, Months, NaiveDate};

pub use self::dashboard::{Dashboard, CHART_DAYS};
pub use self::gaps::{GapGroup, GROUP_SIMILARITY};
pub use self::proposals::{
    learn_from_resolution, propose_from_resolution, AcceptedProposal, ProposalError,
};
use crate::calendar;
pub use crate::knowledge::EntryStatistics;
use crate::knowledge::KnowledgeBase;
use crate::storage::Store;
pub use crate::storage::{
    DashboardCounts, DayCounts, EntryCounts, GapKind, PendingProposal, Period, PeriodCounts,
    Proposal, UnansweredQuestion,
};

/// The learning-loop service.
pub struct Learning {
    store: Store,
    knowledge: Arc<KnowledgeBase>,
}

impl Learning {
    pub fn new(store: Store, knowledge: Arc<KnowledgeBase>) -> Self {
        Self { store, knowledge }
    }
}

impl Period {
    /// From `from` (inclusive) to `to` (exclusive); `to` before `from` is refused.
    pub fn new(
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<Self, PeriodError> {
        if to < from {
            return Err(PeriodError::Reversed);
        }
        Ok(Self { from, to })
    }

    /// One local (JST) day, midnight to midnight.
    pub fn local_day(date: NaiveDate) -> Self {
        Self::local_days(date, date)
    }

    /// Local days `first` to `last`, both included (empty when `last` is before `first`).
    pub fn local_days(first: NaiveDate, last: NaiveDate) -> Self {
        let from = calendar::to_utc(first.and_time(chrono::NaiveTime::MIN));
        let after = last.checked_add_days(Days::new(1)).unwrap_or(last);
        let to = calendar::to_utc(after.and_time(chrono::NaiveTime::MIN)).max(from);
        Self { from, to }
    }

    /// The local calendar month `date` falls in.
    pub fn local_month(date: NaiveDate) -> Self {
        let first = date.with_day(1).unwrap_or(date);
        let last = first
            .checked_add_months(Months::new(1))
            .and_then(|next| next.pred_opt())
            .unwrap_or(first);
        Self::local_days(first, last)
    }
}

/// Why a period cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("期間の終わりが始まりより前です。")]
    Reversed,
}

/// Whether a ticket subject or logged text is a question: not empty and not only a flow
/// word (「担当者」「はい」「2」), which is what a ticket opened without a question carries.
pub(crate) fn is_question(text: &str) -> bool {
    !crate::storage::question_key(text).is_empty()
        && crate::domain::words::classify(text) == crate::domain::words::Word::Other
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_local_day_runs_from_midnight_in_japan() {
        let day = Period::local_day(date("2026-11-26"));
        assert_eq!(
            day.from,
            Utc.with_ymd_and_hms(2026, 11, 25, 15, 0, 0).unwrap()
        );
        assert_eq!(
            day.to,
            Utc.with_ymd_and_hms(2026, 11, 26, 15, 0, 0).unwrap()
        );
    }

    #[test]
    fn a_local_month_covers_every_day_of_the_month() {
        let february = Period::local_month(date("2028-02-17"));
        assert_eq!(february.from, Period::local_day(date("2028-02-01")).from);
        assert_eq!(february.to, Period::local_day(date("2028-02-29")).to);
        let december = Period::local_month(date("2026-12-31"));
        assert_eq!(december.to, Period::local_day(date("2027-01-01")).from);
    }

    #[test]
    fn a_reversed_period_is_refused() {
        let day = Period::local_day(date("2026-11-26"));
        assert_eq!(Period::new(day.to, day.from), Err(PeriodError::Reversed));
        assert_eq!(Period::new(day.from, day.to), Ok(day));
    }

    #[test]
    fn flow_words_and_blanks_are_not_questions() {
        for text in ["担当者", "担当者と話したい", "はい", "２", "", "  ？ "] {
            assert!(!is_question(text), "{text:?}");
        }
        assert!(is_question("共有フォルダに入れない"));
    }
}

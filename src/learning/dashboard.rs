//! The dashboard's figures: today's and this month's counts (local days in Japan, by the
//! helpdesk's clock), the queue now, and the auto-answer rate by day.

use chrono::{Days, NaiveDate};
use serde::Serialize;

use super::{DayCounts, Period, PeriodCounts};
use crate::calendar;

/// Days in the by-day series, today included.
pub const CHART_DAYS: usize = 30;

/// What the dashboard shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    /// Today's local date.
    pub date: NaiveDate,
    pub today: PeriodCounts,
    pub month: PeriodCounts,
    /// Tickets 新規, 対応中 or 保留 now.
    pub open_tickets: i64,
    /// Open tickets past their first-response or resolution due time now.
    pub overdue_tickets: i64,
    /// The last [`CHART_DAYS`] days, oldest first, today last.
    pub by_day: Vec<DayCounts>,
}

impl PeriodCounts {
    /// Automatic answers as a share of questions, when there were any.
    pub fn answer_rate(&self) -> Option<f64> {
        rate(self.answered, self.questions)
    }
}

impl DayCounts {
    /// Automatic answers as a share of questions, when there were any.
    pub fn answer_rate(&self) -> Option<f64> {
        rate(self.answered, self.questions)
    }
}

fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

impl super::Learning {
    /// The dashboard at the helpdesk clock's now: two queries.
    pub async fn dashboard(&self) -> anyhow::Result<Dashboard> {
        let now = self.store.now();
        let date = calendar::to_local(now).date();
        let counts = self
            .store
            .dashboard_counts(Period::local_day(date), Period::local_month(date), now)
            .await?;
        let days: Vec<(NaiveDate, Period)> = last_days(date, CHART_DAYS)
            .into_iter()
            .map(|d| (d, Period::local_day(d)))
            .collect();
        let by_day = self.store.questions_by_day(&days).await?;
        Ok(Dashboard {
            date,
            today: counts.today,
            month: counts.month,
            open_tickets: counts.open_tickets,
            overdue_tickets: counts.overdue_tickets,
            by_day,
        })
    }
}

/// The `n` days ending with `last`, oldest first.
fn last_days(last: NaiveDate, n: usize) -> Vec<NaiveDate> {
    (0..n as u64)
        .rev()
        .filter_map(|back| last.checked_sub_days(Days::new(back)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_series_ends_today_and_crosses_month_ends() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let days = last_days(today, CHART_DAYS);
        assert_eq!(days.len(), 30);
        assert_eq!(days[29], today);
        assert_eq!(days[0], NaiveDate::from_ymd_opt(2026, 2, 1).unwrap());
        assert!(days.windows(2).all(|w| w[0].succ_opt() == Some(w[1])));
    }

    #[test]
    fn a_rate_needs_questions() {
        let none = PeriodCounts::default();
        assert_eq!(none.answer_rate(), None);
        let some = PeriodCounts {
            questions: 4,
            answered: 3,
            escalated: 1,
        };
        assert_eq!(some.answer_rate(), Some(0.75));
    }
}

//! The helpdesk's reports to the city (5(1)オ①②: monthly, half-year, annual): inquiries by channel, category,
//! 所属 and day, the auto-answer rate, escalations, the SLA met rate, virus incidents,
//! consumables and the work log. Day and month boundaries are JST. Rendered as an HTML
//! document (SVG charts, each with its numbers in a table beside it), as CSV, one file
//! per table, or as a printable PDF.

mod csv;
mod handover;
mod html;
mod pdf;
pub(crate) mod pdf_layout;

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use serde::Serialize;

pub use self::csv::{csv_tables, write_csv_tables};
pub use self::handover::{export_handover, HandoverError, HandoverFile, HandoverManifest};
pub use self::html::{render_html, render_html_body};
pub use self::pdf::render_pdf;

use crate::print_runs::revisions::job_name;
use crate::storage::city_records::{self, StockItem, VirusIncident, WorkEntry};
use crate::storage::learning::{questions_by_day, DayCounts, Period};
use crate::storage::reports::{self, BatchCounts, KeyCounts, SlaCounts};
use crate::storage::{batch_job_revisions, Conn, Result, Store};

/// A calendar month, `2026-11`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    /// Parses `YYYY-MM`.
    pub fn parse(text: &str) -> Option<Month> {
        let (year, month) = text.trim().split_once('-')?;
        if year.len() != 4 || month.len() != 2 {
            return None;
        }
        let month = Month {
            year: year.parse().ok()?,
            month: month.parse().ok()?,
        };
        month.first_day().map(|_| month)
    }

    fn first_day(&self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, self.month, 1)
    }

    /// The days of the month.
    pub fn days(&self) -> Vec<NaiveDate> {
        let first = self.first_day().expect("checked when parsed");
        first
            .iter_days()
            .take_while(|d| d.month() == self.month)
            .collect()
    }

    /// The month as a period: from 00:00 JST on the 1st to 00:00 JST on the next 1st.
    pub fn period(&self) -> Period {
        let days = self.days();
        let last = *days.last().expect("a month has days");
        Period {
            from: jst_midnight(days[0]),
            to: jst_midnight(last + Duration::days(1)),
        }
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}年{}月", self.year, self.month)
    }
}

/// The days a report covers, and its title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    pub title: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Span {
    pub fn month(month: Month) -> Span {
        let days = month.days();
        Span {
            title: format!("ヘルプデスク月次報告 {month}"),
            first: days[0],
            last: *days.last().expect("a month has days"),
        }
    }

    /// The first half of fiscal year `year` (April to September).
    pub fn half_year(year: i32) -> Option<Span> {
        Some(Span {
            title: format!("ヘルプデスク上半期報告 {year}年度（4月～9月）"),
            first: NaiveDate::from_ymd_opt(year, 4, 1)?,
            last: NaiveDate::from_ymd_opt(year, 9, 30)?,
        })
    }

    /// Fiscal year `year` (April to the next March).
    pub fn fiscal_year(year: i32) -> Option<Span> {
        Some(Span {
            title: format!("ヘルプデスク年次報告 {year}年度"),
            first: NaiveDate::from_ymd_opt(year, 4, 1)?,
            last: NaiveDate::from_ymd_opt(year + 1, 3, 31)?,
        })
    }

    pub fn days(&self) -> Vec<NaiveDate> {
        self.first
            .iter_days()
            .take_while(|d| *d <= self.last)
            .collect()
    }

    /// From 00:00 JST on the first day to 00:00 JST after the last.
    pub fn period(&self) -> Period {
        Period {
            from: jst_midnight(self.first),
            to: jst_midnight(self.last + Duration::days(1)),
        }
    }
}

/// 00:00 JST on `day`, in UTC.
pub fn jst_midnight(day: NaiveDate) -> DateTime<Utc> {
    let jst = chrono::FixedOffset::east_opt(9 * 3600).expect("JST");
    jst.from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight"))
        .single()
        .expect("JST has no gaps")
        .with_timezone(&Utc)
}

/// Everything the monthly report shows.
#[derive(Debug, Clone, Serialize)]
pub struct MonthlyReport {
    pub span: Span,
    pub generated_at: DateTime<Utc>,
    pub by_channel: Vec<KeyCounts>,
    pub by_category: Vec<KeyCounts>,
    pub by_department: Vec<KeyCounts>,
    pub by_day: Vec<DayCounts>,
    pub tickets_by_channel: Vec<KeyCounts>,
    pub sla: SlaCounts,
    pub incidents: Vec<VirusIncident>,
    /// Outages and planned stops that began in the span, with cause and measures.
    pub outages: Vec<crate::storage::outages::Outage>,
    pub stock: Vec<StockItem>,
    pub work: Vec<WorkEntry>,
    /// Each print-batch job's runs received in the span (5(1)オ②: 各バッチの運用状況).
    pub batches: Vec<BatchStatus>,
}

/// A print-batch job's runs in the span, under the job's current name.
#[derive(Debug, Clone, Serialize)]
pub struct BatchStatus {
    pub name: String,
    pub counts: BatchCounts,
}

impl MonthlyReport {
    /// Questions asked in the month.
    pub fn questions(&self) -> i64 {
        self.by_channel.iter().map(|k| k.total).sum()
    }

    /// Of those, answered by the bot.
    pub fn answered(&self) -> i64 {
        self.by_channel.iter().map(|k| k.answered).sum()
    }

    pub fn escalations(&self) -> i64 {
        self.tickets_by_channel.iter().map(|k| k.total).sum()
    }
}

pub use crate::domain::text::percent;

/// The reports as the console reads them (reads only).
#[derive(Clone)]
pub struct Reports {
    store: Store,
}

impl Reports {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// The report over `span`.
    pub async fn gather(&self, span: Span) -> Result<MonthlyReport> {
        gather(&self.store, span).await
    }
}

/// Gathers the monthly report from the database (reads only).
pub async fn monthly(store: &Store, month: Month) -> Result<MonthlyReport> {
    gather(store, Span::month(month)).await
}

/// Gathers a report over `span` (a month, a half year, a fiscal year; reads only).
pub async fn gather(store: &Store, span: Span) -> Result<MonthlyReport> {
    let period = span.period();
    // One snapshot: the headline, the days and the tables count the same questions while
    // new ones arrive (the month in progress).
    let mut snapshot = store.begin_read().await?;
    let mut c = snapshot.conn();
    let days: Vec<(NaiveDate, Period)> = span
        .days()
        .into_iter()
        .map(|d| {
            let p = Period {
                from: jst_midnight(d),
                to: jst_midnight(d + Duration::days(1)),
            };
            (d, p)
        })
        .collect();
    let report = MonthlyReport {
        span,
        generated_at: store.now(),
        by_channel: reports::questions_by_channel(&mut c, period).await?,
        by_category: reports::questions_by_category(&mut c, period).await?,
        by_department: reports::conversations_by_department(&mut c, period).await?,
        by_day: questions_by_day(&mut c, &days).await?,
        tickets_by_channel: reports::tickets_by_channel(&mut c, period).await?,
        sla: reports::sla(&mut c, period).await?,
        incidents: city_records::incidents(&mut c, period.from, period.to).await?,
        outages: crate::storage::outages::between(&mut c, period.from, period.to).await?,
        stock: city_records::items(&mut c).await?,
        work: city_records::work(&mut c, period.from, period.to).await?,
        batches: batch_status(&mut c, period).await?,
    };
    snapshot.commit().await?;
    Ok(report)
}

/// The print runs by job, each under the name its current revision gives (the id when
/// the job is no longer in the catalogue).
async fn batch_status(c: &mut Conn<'_>, period: Period) -> Result<Vec<BatchStatus>> {
    let counts = reports::batches_by_job(c, period).await?;
    if counts.is_empty() {
        return Ok(Vec::new());
    }
    let names: HashMap<String, String> = batch_job_revisions::current(c)
        .await?
        .iter()
        .map(|row| (row.job_id.clone(), job_name(row)))
        .collect();
    Ok(counts
        .into_iter()
        .map(|counts| BatchStatus {
            name: names
                .get(&counts.job_id)
                .cloned()
                .unwrap_or_else(|| counts.job_id.clone()),
            counts,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_jst_periods() {
        let november = Month::parse("2026-11").unwrap();
        assert_eq!(november.days().len(), 30);
        let period = november.period();
        assert_eq!(
            period.from,
            Utc.with_ymd_and_hms(2026, 10, 31, 15, 0, 0).unwrap()
        );
        assert_eq!(
            period.to,
            Utc.with_ymd_and_hms(2026, 11, 30, 15, 0, 0).unwrap()
        );
        assert_eq!(Month::parse("2026-13"), None);
        assert_eq!(Month::parse("2026-1"), None);
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(0, 0), "－");
        assert_eq!(Span::month(november).period(), period);
        let year = Span::fiscal_year(2026).unwrap();
        assert_eq!(year.days().len(), 365);
        assert_eq!(
            year.period().to,
            Utc.with_ymd_and_hms(2027, 3, 31, 15, 0, 0).unwrap()
        );
        assert_eq!(Span::half_year(2026).unwrap().days().len(), 183);
    }
}

//! The year's runs (5(3)ウ: 全体のスケジュールを管理): each job's schedule rule laid on the
//! business calendar for one fiscal year (April to March).
//!
//! * `monthly`: on `day` of each listed month; `weekly`: on each listed weekday;
//!   `on_demand` (随時): never on the schedule.
//! * A run day that is not a business day moves by the job's `closed_day` rule to the
//!   business day before or after, or is skipped. A run moved onto a day the job already
//!   runs on is dropped, so a job never runs twice on one day.
//! * The data is due from the 担当課 `data_due_business_days` business days before.

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

use super::catalogue::{Catalogue, Job};
use super::definition::ScheduleRule;
use crate::calendar::BusinessCalendar;
use crate::domain::ClosedDayRule;

/// One run on the schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduledRun {
    pub job: String,
    pub name: String,
    pub date: NaiveDate,
    /// The day the rule named, when the calendar moved the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<NaiveDate>,
    /// When the 担当課's data is due.
    pub data_due: NaiveDate,
    pub department: String,
}

/// The first and last day of fiscal year `year` (令和8年度 = 2026: 2026-04-01 to 2027-03-31).
pub fn fiscal_year_span(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(year, 4, 1)?,
        NaiveDate::from_ymd_opt(year + 1, 3, 31)?,
    ))
}

/// Every run of every job in fiscal year `year`, by date then catalogue order.
pub fn fiscal_year(
    catalogue: &Catalogue,
    calendar: &BusinessCalendar,
    year: i32,
) -> Vec<ScheduledRun> {
    let mut runs: Vec<(usize, ScheduledRun)> = Vec::new();
    for (order, job) in catalogue.jobs().iter().enumerate() {
        runs.extend(
            job_runs(job, calendar, year)
                .into_iter()
                .map(|r| (order, r)),
        );
    }
    runs.sort_by(|(a_order, a), (b_order, b)| (a.date, a_order).cmp(&(b.date, b_order)));
    runs.into_iter().map(|(_, run)| run).collect()
}

/// The runs of one job in fiscal year `year`, in date order.
pub fn job_runs(job: &Job, calendar: &BusinessCalendar, year: i32) -> Vec<ScheduledRun> {
    let Some((first, last)) = fiscal_year_span(year) else {
        return Vec::new();
    };
    let definition = &job.definition;
    let (nominal, rule, due_days): (Vec<NaiveDate>, ClosedDayRule, u32) = match &definition.schedule
    {
        ScheduleRule::OnDemand => return Vec::new(),
        ScheduleRule::Monthly {
            months,
            day,
            closed_day,
            data_due_business_days,
        } => {
            let dates = months
                .iter()
                .filter_map(|&m| {
                    let y = if m >= 4 { year } else { year + 1 };
                    NaiveDate::from_ymd_opt(y, m, *day)
                })
                .collect();
            (dates, *closed_day, *data_due_business_days)
        }
        ScheduleRule::Weekly {
            weekdays,
            closed_day,
            data_due_business_days,
        } => {
            let dates = first
                .iter_days()
                .take_while(|d| *d <= last)
                .filter(|d| weekdays.contains(&d.weekday()))
                .collect();
            (dates, *closed_day, *data_due_business_days)
        }
    };
    let mut runs: Vec<ScheduledRun> = Vec::new();
    let mut nominal = nominal;
    nominal.sort();
    for day in nominal {
        let Some(date) = move_to_business_day(calendar, day, rule) else {
            continue;
        };
        if runs.iter().any(|r| r.date == date) {
            continue;
        }
        runs.push(ScheduledRun {
            job: definition.id.clone(),
            name: definition.name.clone(),
            date,
            moved_from: (date != day).then_some(day),
            data_due: business_days_before(calendar, date, due_days),
            department: definition.department.clone(),
        });
    }
    runs.sort_by_key(|r| r.date);
    runs
}

/// `day` if it is a business day, else the business day the rule picks.
pub fn move_to_business_day(
    calendar: &BusinessCalendar,
    day: NaiveDate,
    rule: ClosedDayRule,
) -> Option<NaiveDate> {
    if calendar.is_business_day(day) {
        return Some(day);
    }
    let step = match rule {
        ClosedDayRule::Skip => return None,
        ClosedDayRule::Earlier => Duration::days(-1),
        ClosedDayRule::Later => Duration::days(1),
    };
    let mut d = day;
    // The longest closure the configuration allows is bounded; a year is plenty.
    for _ in 0..366 {
        d += step;
        if calendar.is_business_day(d) {
            return Some(d);
        }
    }
    None
}

/// The `n`-th business day before `date` (`n == 0` gives `date`).
pub fn business_days_before(calendar: &BusinessCalendar, date: NaiveDate, n: u32) -> NaiveDate {
    let mut d = date;
    let mut left = n;
    while left > 0 {
        d -= Duration::days(1);
        if calendar.is_business_day(d) {
            left -= 1;
        }
    }
    d
}

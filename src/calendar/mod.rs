//! The city hall's business calendar: when the office is open, and for how long.
//!
//! Used to tell a staff member when a person will answer, and by anything that counts
//! business time (SLA due times, equipment loans, batch schedules).
//!
//! # Rules
//! * Business hours: weekdays from `open` (8:30) to `close` (17:15) Japan time. `open` is
//!   inside business hours, `close` is not: 8:30:00 is open, 17:14:59 is open, 17:15 is not.
//! * Closed days, by precedence (the first that applies is the [`ClosedReason`]):
//!   1. one-off opening days from the configuration are business days whatever else applies;
//!   2. one-off closures from the configuration ([`ClosedReason::Closure`]);
//!   3. the year-end closure, December 29 to January 3 ([`ClosedReason::YearEnd`]), even
//!      for 元日 and for weekends inside it;
//!   4. national holidays including 振替休日 and 国民の休日 ([`ClosedReason::Holiday`]),
//!      also on Saturdays and Sundays;
//!   5. Saturdays and Sundays ([`ClosedReason::Weekend`]).
//! * National holidays come from rules, not a table ([`holiday_name`]), after
//!   国民の祝日に関する法律:
//!   - fixed days 1/1, 2/11, 2/23, 4/29, 5/3, 5/4, 5/5, 8/11, 11/3, 11/23;
//!   - Mondays: 成人の日 (2nd of January), 海の日 (3rd of July), 敬老の日 (3rd of
//!     September), スポーツの日 (2nd of October);
//!   - 春分の日 and 秋分の日 by the equinox formula (integer form, valid 1980-2099);
//!   - 振替休日: a holiday on a Sunday gives the next day that is not a holiday;
//!   - 国民の休日: a day between two holidays (e.g. 2026-09-22);
//!   - one-off laws (2019 enthronement, 2020 and 2021 Olympic moves) from a small table.
//!
//!   Exact for 2007-2099. Tested against the Cabinet Office (内閣府) list, syukujitsu.csv,
//!   for 2019-2021 and 2025-2027, and the formula's dates for 2028-2030; compared once,
//!   outside the tests, with Python's `holidays` package for every day of 2007-2099.
//! * All times are Japan Standard Time (UTC+9, no daylight saving) as [`NaiveDateTime`];
//!   convert with [`to_local`] and [`to_utc`].
//!
//! # Availability
//! [`BusinessCalendar::availability`] answers "when will a person be there":
//! * during business hours, [`Availability::Open`];
//! * on a business day outside business hours, [`Availability::AfterHours`], whose
//!   `reopens_at` is the next opening even if closed days come first: Friday 18:00 gives
//!   Monday 8:30 (the bot says 「11月30日(月) 8:30以降」), and the evening of 12/28
//!   gives the first business day after the year-end closure;
//! * on a closed day, [`Availability::Closed`] with the day's own reason and the run of
//!   consecutive closed days around it that belong to the same closure: the year-end
//!   closure (12/29-1/3 only, not the weekend days next to it), one configured closure
//!   (consecutive days with the same reason), or the ordinary 土日祝日 run, in which
//!   weekends and national holidays merge (Sat 11/21 to Mon 11/23 勤労感謝の日, or the
//!   whole silver week). `reopens_at` is the next opening, which may lie beyond further
//!   closed days of another kind (2025-12-30: 12/29〜1/3, then Sunday 1/4, so 1/5 8:30).

mod config;
mod format;
mod holidays;

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use chrono::{TimeZone, Utc, Weekday};

pub use config::{CalendarConfig, CalendarError, Closure, MAX_CLOSURE_DAYS};
pub use format::{format_date_ja, format_datetime_ja, format_span_ja, format_time_ja};
pub use holidays::{holiday_name, holidays_in_year};

/// Japan Standard Time, UTC+9 (Japan has no daylight saving time).
pub fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("UTC+9 is a valid offset")
}

/// The Japan local time of an instant.
pub fn to_local(at: DateTime<Utc>) -> NaiveDateTime {
    at.with_timezone(&jst()).naive_local()
}

/// The instant of a Japan local time (always exactly one: JST has no gaps or repeats).
pub fn to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    jst()
        .from_local_datetime(&local)
        .single()
        .expect("a fixed offset maps every local time to one instant")
        .with_timezone(&Utc)
}

/// Why a day is not a business day.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClosedReason {
    /// Saturday or Sunday.
    Weekend,
    /// A national holiday, by its legal name: "元日", "振替休日", "国民の休日", …
    Holiday(&'static str),
    /// The year-end closure, December 29 to January 3.
    YearEnd,
    /// A one-off closure from the configuration, with its configured reason.
    Closure(String),
}

impl ClosedReason {
    /// Whether two closed days belong to the same closure run (see the module doc):
    /// weekends and holidays together, the year-end alone, closures by reason.
    fn same_run(&self, other: &ClosedReason) -> bool {
        use ClosedReason::*;
        match (self, other) {
            (Weekend | Holiday(_), Weekend | Holiday(_)) | (YearEnd, YearEnd) => true,
            (Closure(a), Closure(b)) => a == b,
            _ => false,
        }
    }
}

/// What the bot needs to tell a staff member about when a person will be there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    /// Within business hours now.
    Open,
    /// Today is a business day but before opening or after closing. `reopens_at` is the
    /// next opening: today's if before opening, else the next business day's, however
    /// many closed days lie between (Friday evening: Monday 8:30).
    AfterHours { reopens_at: NaiveDateTime },
    /// Closed today. `reason` is today's ([`BusinessCalendar::closed_reason`]);
    /// `from..=to` is the run of consecutive closed days containing today that belong to
    /// the same closure (the year-end 12/29-1/3, one configured closure, or a run of
    /// weekend days and national holidays); `reopens_at` is the next opening, after `to`
    /// and possibly after further closed days of another kind.
    Closed {
        reason: ClosedReason,
        from: NaiveDate,
        to: NaiveDate,
        reopens_at: NaiveDateTime,
    },
}

/// The city's business calendar, built from a checked [`CalendarConfig`].
#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    open: NaiveTime,
    close: NaiveTime,
    closures: Vec<Closure>,
    openings: BTreeSet<NaiveDate>,
}

impl BusinessCalendar {
    /// Builds the calendar; fails if the configuration does not make sense
    /// (see [`CalendarConfig::validate`]).
    pub fn new(config: &CalendarConfig) -> Result<Self, CalendarError> {
        config.validate()?;
        Ok(Self {
            open: config.open,
            close: config.close,
            closures: config.closures.clone(),
            openings: config.openings.iter().copied().collect(),
        })
    }

    /// Opening time of business days.
    pub fn open_time(&self) -> NaiveTime {
        self.open
    }

    /// Closing time of business days (not itself within business hours).
    pub fn close_time(&self) -> NaiveTime {
        self.close
    }

    /// Why `date` is closed, or `None` for a business day (precedence in the module doc).
    pub fn closed_reason(&self, date: NaiveDate) -> Option<ClosedReason> {
        if self.openings.contains(&date) {
            None
        } else if let Some(closure) = self.closures.iter().find(|c| c.contains(date)) {
            Some(ClosedReason::Closure(closure.reason.clone()))
        } else if is_year_end(date) {
            Some(ClosedReason::YearEnd)
        } else if let Some(name) = holiday_name(date) {
            Some(ClosedReason::Holiday(name))
        } else if is_weekend(date) {
            Some(ClosedReason::Weekend)
        } else {
            None
        }
    }

    /// Whether `date` is a business day.
    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        self.openings.contains(&date)
            || !(is_weekend(date)
                || is_year_end(date)
                || self.closures.iter().any(|c| c.contains(date))
                || holiday_name(date).is_some())
    }

    /// Whether `at` is within business hours: a business day and `open <= time < close`.
    pub fn is_open(&self, at: NaiveDateTime) -> bool {
        self.open <= at.time() && at.time() < self.close && self.is_business_day(at.date())
    }

    /// `at` itself if open, else the start of the next business hours.
    pub fn next_opening(&self, at: NaiveDateTime) -> NaiveDateTime {
        if self.is_open(at) {
            return at;
        }
        let date = at.date();
        if at.time() < self.open && self.is_business_day(date) {
            return date.and_time(self.open);
        }
        self.next_business_day(date).and_time(self.open)
    }

    /// Whether a person is there at `at`, and if not, why and until when.
    pub fn availability(&self, at: NaiveDateTime) -> Availability {
        if self.is_open(at) {
            return Availability::Open;
        }
        let reopens_at = self.next_opening(at);
        let date = at.date();
        let Some(reason) = self.closed_reason(date) else {
            return Availability::AfterHours { reopens_at };
        };
        let in_run = |d: NaiveDate| self.closed_reason(d).is_some_and(|r| r.same_run(&reason));
        let mut from = date;
        while let Some(d) = from.pred_opt().filter(|&d| in_run(d)) {
            from = d;
        }
        let mut to = date;
        while let Some(d) = to.succ_opt().filter(|&d| in_run(d)) {
            to = d;
        }
        Availability::Closed {
            reason,
            from,
            to,
            reopens_at,
        }
    }

    /// The earliest instant by which `duration` of business hours have passed since
    /// `start`: the due time of an SLA counted in business hours. Ends at a closing time
    /// (17:15) rather than the next opening when the time runs out exactly then.
    /// A zero or negative `duration` gives `start`.
    pub fn add_business_time(&self, start: NaiveDateTime, duration: Duration) -> NaiveDateTime {
        if duration <= Duration::zero() {
            return start;
        }
        let mut left = duration;
        let mut at = self.next_opening(start);
        loop {
            let close = at.date().and_time(self.close);
            if left <= close - at {
                return at + left;
            }
            left -= close - at;
            at = self.next_opening(close);
        }
    }

    /// Business hours between `a` and `b`; negative if `b` is before `a`, so that
    /// `business_time_between(start, add_business_time(start, d)) == d` for `d >= 0`.
    pub fn business_time_between(&self, a: NaiveDateTime, b: NaiveDateTime) -> Duration {
        if b < a {
            return -self.business_time_between(b, a);
        }
        a.date()
            .iter_days()
            .take_while(|&day| day <= b.date())
            .filter(|&day| self.is_business_day(day))
            .map(|day| {
                let from = a.max(day.and_time(self.open));
                let to = b.min(day.and_time(self.close));
                (to - from).max(Duration::zero())
            })
            .sum()
    }

    /// The `n`-th business day after `date` (`date` itself does not count; `n == 0` gives
    /// `date`): `business_days_after(friday, 1)` is the next Monday if that is not closed.
    pub fn business_days_after(&self, date: NaiveDate, n: u32) -> NaiveDate {
        (0..n).fold(date, |d, _| self.next_business_day(d))
    }

    /// The first business day after `date`.
    fn next_business_day(&self, date: NaiveDate) -> NaiveDate {
        let mut day = date;
        loop {
            day = day.succ_opt().expect("date within chrono's range");
            if self.is_business_day(day) {
                return day;
            }
        }
    }
}

impl Default for BusinessCalendar {
    /// The regular calendar: 8:30-17:15, no one-off closures or openings.
    fn default() -> Self {
        Self::new(&CalendarConfig::default()).expect("the default configuration is valid")
    }
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// December 29 to January 3.
fn is_year_end(date: NaiveDate) -> bool {
    matches!((date.month(), date.day()), (12, 29..) | (1, ..=3))
}

#[cfg(test)]
mod tests;

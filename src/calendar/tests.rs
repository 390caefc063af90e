//! Tests of the business calendar; the holiday rules are tested in `holidays.rs`.

mod arithmetic;
mod availability;
mod settings;

use chrono::{NaiveDate, NaiveDateTime};

use super::*;

pub(super) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub(super) fn at(y: i32, m: u32, day: u32, h: u32, min: u32) -> NaiveDateTime {
    d(y, m, day).and_hms_opt(h, min, 0).unwrap()
}

pub(super) fn cal() -> BusinessCalendar {
    BusinessCalendar::default()
}

pub(super) fn closed(
    reason: ClosedReason,
    from: NaiveDate,
    to: NaiveDate,
    reopens_at: NaiveDateTime,
) -> Availability {
    Availability::Closed {
        reason,
        from,
        to,
        reopens_at,
    }
}

pub(super) fn closure(from: NaiveDate, to: Option<NaiveDate>, reason: &str) -> Closure {
    Closure {
        from,
        to,
        reason: reason.to_string(),
    }
}

#[test]
fn calendar_is_shareable() {
    fn check<T: Clone + std::fmt::Debug + Send + Sync + 'static>() {}
    check::<BusinessCalendar>();
    check::<CalendarConfig>();
    check::<Availability>();
}

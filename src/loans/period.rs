//! A reservation's period on the business calendar: what `from` and `to` mean for each
//! kind of item, and the rules a period must meet (not in the past, end after start, not
//! longer than the item allows, pickup in opening hours; a return outside them moves to
//! the next opening).

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

use super::{LoanError, LoanResult};
use crate::calendar::{self, BusinessCalendar};
use crate::storage::reservations::ReservableItem;

/// A time as given: an instant, or a day (the day's opening for a pickup, its closing
/// for a return, the whole day for a licence).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    At(DateTime<Utc>),
    Day(NaiveDate),
}

impl When {
    /// `2026-12-10T09:00:00+09:00` (RFC 3339), `2026-12-10T09:00` or `2026-12-10 09:00`
    /// (Japan time), or `2026-12-10` (a day).
    pub fn parse(field: &str, text: &str) -> LoanResult<When> {
        let text = text.trim();
        if let Ok(at) = DateTime::parse_from_rfc3339(text) {
            return Ok(When::At(at.with_timezone(&Utc)));
        }
        for format in ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"] {
            if let Ok(local) = NaiveDateTime::parse_from_str(text, format) {
                return Ok(When::At(calendar::to_utc(local)));
            }
        }
        if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Ok(When::Day(day));
        }
        Err(LoanError::Invalid(format!(
            "{field} は 2026-12-10、2026-12-10T09:00 または RFC 3339 の日時で指定してください。"
        )))
    }
}

/// When a period of `item` starting at `from` begins, as staff read it: the day for an
/// item taken by whole days (a licence's period starts at midnight), else the day and
/// time.
pub fn period_start_text(item: &ReservableItem, from: DateTime<Utc>) -> String {
    let local = calendar::to_local(from);
    if item.kind.by_day() {
        calendar::format_date_ja(local.date())
    } else {
        calendar::format_datetime_ja(local)
    }
}

/// A checked period: `[from, to)`, and the return asked for when it was moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub asked_to: Option<DateTime<Utc>>,
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    calendar::to_utc(day.and_time(NaiveTime::MIN))
}

/// Whether a return at local time `at` falls in opening hours (closing time included).
fn return_fits(calendar: &BusinessCalendar, at: NaiveDateTime) -> bool {
    calendar.is_business_day(at.date())
        && at.time() >= calendar.open_time()
        && at.time() <= calendar.close_time()
}

/// The period `from`..`to` for `item`, checked at `now`.
pub fn resolve(
    calendar: &BusinessCalendar,
    item: &ReservableItem,
    from: When,
    to: When,
    now: DateTime<Utc>,
) -> LoanResult<Period> {
    if item.kind.by_day() {
        return resolve_days(item, from, to, now);
    }
    let from = match from {
        When::At(at) => at,
        When::Day(day) => pickup_on(calendar, item, day, now),
    };
    let asked = match to {
        When::At(at) => at,
        When::Day(day) => calendar::to_utc(day.and_time(calendar.close_time())),
    };
    if from < now {
        return Err(LoanError::Invalid("開始が過去の日時です。".into()));
    }
    if asked <= from {
        return Err(LoanError::Invalid(
            "終了は開始より後にしてください。".into(),
        ));
    }
    check_length(item, from, asked)?;
    if item.kind.by_hour() {
        let on_hour = |t: DateTime<Utc>| t.minute() == 0 && t.second() == 0 && t.nanosecond() == 0;
        if !on_hour(from) || !on_hour(asked) {
            return Err(LoanError::Invalid(format!(
                "{}は1時間単位（9:00〜10:00 など）で予約してください。",
                item.name
            )));
        }
    }
    let pickup = calendar::to_local(from);
    if !calendar.is_open(pickup) {
        return Err(LoanError::Invalid(format!(
            "受け取り（{}）は開庁時間内（平日 {}〜{}）にしてください。",
            calendar::format_datetime_ja(pickup),
            calendar::format_time_ja(calendar.open_time()),
            calendar::format_time_ja(calendar.close_time()),
        )));
    }
    let (to, asked_to) = return_time(calendar, asked);
    Ok(Period { from, to, asked_to })
}

/// The pickup on `day` when no time was given: the day's opening; today, once that has
/// passed, the next quarter hour from `now` (the next full hour for an item booked by the
/// hour), so that 「今日から」 said at 10:05 means from 10:15, not a start in the past.
fn pickup_on(
    calendar: &BusinessCalendar,
    item: &ReservableItem,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let opening = calendar::to_utc(day.and_time(calendar.open_time()));
    let local = calendar::to_local(now);
    if opening >= now || local.date() != day {
        return opening;
    }
    let step: i64 = if item.kind.by_hour() { 3600 } else { 900 };
    let since_midnight = i64::from(local.time().num_seconds_from_midnight());
    let next = (since_midnight + step - 1) / step * step;
    calendar::to_utc(day.and_time(NaiveTime::MIN) + Duration::seconds(next))
}

/// The period of a reservation from `start` with its return moved to `to` (an
/// extension): the new return is checked like a first one.
pub fn extension(
    calendar: &BusinessCalendar,
    item: &ReservableItem,
    start: DateTime<Utc>,
    to: When,
) -> LoanResult<Period> {
    let (end, asked_to) = if item.kind.by_day() {
        let last = match to {
            When::Day(d) => d,
            When::At(at) => calendar::to_local(at).date(),
        };
        (midnight(last + Duration::days(1)), None)
    } else {
        let asked = match to {
            When::At(at) => at,
            When::Day(day) => calendar::to_utc(day.and_time(calendar.close_time())),
        };
        return_time(calendar, asked)
    };
    check_length(item, start, end)?;
    Ok(Period {
        from: start,
        to: end,
        asked_to,
    })
}

/// The return at `asked`, or the next opening when `asked` is outside opening hours
/// (then with `asked` kept, to tell the requester).
pub(super) fn return_time(
    calendar: &BusinessCalendar,
    asked: DateTime<Utc>,
) -> (DateTime<Utc>, Option<DateTime<Utc>>) {
    let local = calendar::to_local(asked);
    if return_fits(calendar, local) {
        (asked, None)
    } else {
        (calendar::to_utc(calendar.next_opening(local)), Some(asked))
    }
}

fn check_length(item: &ReservableItem, from: DateTime<Utc>, to: DateTime<Utc>) -> LoanResult<()> {
    if to - from > Duration::days(item.max_days) {
        return Err(LoanError::Invalid(format!(
            "{}は一度に{}日までです。",
            item.name, item.max_days
        )));
    }
    Ok(())
}

/// A licence's days: from the first day's start to the end of the last day (Japan time).
fn resolve_days(
    item: &ReservableItem,
    from: When,
    to: When,
    now: DateTime<Utc>,
) -> LoanResult<Period> {
    let day = |w: When| match w {
        When::Day(d) => d,
        When::At(at) => calendar::to_local(at).date(),
    };
    let (first, last) = (day(from), day(to));
    if first < calendar::to_local(now).date() {
        return Err(LoanError::Invalid("開始が過去の日付です。".into()));
    }
    if last < first {
        return Err(LoanError::Invalid(
            "終了は開始より後にしてください。".into(),
        ));
    }
    if (last - first).num_days() + 1 > item.max_days {
        return Err(LoanError::Invalid(format!(
            "{}は一度に{}日までです。",
            item.name, item.max_days
        )));
    }
    Ok(Period {
        from: midnight(first),
        to: midnight(last + Duration::days(1)),
        asked_to: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::CalendarConfig;
    use crate::domain::ItemKind;

    fn jst(text: &str) -> DateTime<Utc> {
        calendar::to_utc(NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap())
    }

    fn item(kind: ItemKind) -> ReservableItem {
        ReservableItem {
            id: "pc".into(),
            name: "研修用端末".into(),
            kind,
            quantity: 30,
            max_days: 14,
            created_at: jst("2026-11-01 09:00"),
        }
    }

    fn cal() -> BusinessCalendar {
        BusinessCalendar::new(&CalendarConfig::default()).unwrap()
    }

    fn when(text: &str) -> When {
        When::parse("from", text).unwrap()
    }

    #[test]
    fn today_without_a_time_means_from_the_next_quarter_hour_once_opening_has_passed() {
        let pool = item(ItemKind::Pool);
        let slot = item(ItemKind::TimeSlot);
        let at = |now: &str, item: &ReservableItem, to: &str| {
            resolve(&cal(), item, when("2026-11-26"), when(to), jst(now))
                .map(|p| p.from)
                .map_err(|e| e.to_string())
        };
        // Before opening: the opening.
        assert_eq!(
            at("2026-11-26 08:00", &pool, "2026-11-26"),
            Ok(jst("2026-11-26 08:30"))
        );
        // After it: the next quarter hour (on the quarter: that one).
        assert_eq!(
            at("2026-11-26 10:05", &pool, "2026-11-26"),
            Ok(jst("2026-11-26 10:15"))
        );
        assert_eq!(
            at("2026-11-26 10:15", &pool, "2026-11-26"),
            Ok(jst("2026-11-26 10:15"))
        );
        // By the hour: the next full hour, to a full hour.
        assert_eq!(
            at("2026-11-26 10:05", &slot, "2026-11-26T15:00"),
            Ok(jst("2026-11-26 11:00"))
        );
        // After closing: refused, not moved to tomorrow.
        assert!(at("2026-11-26 17:20", &pool, "2026-11-27").is_err());
        // A day before today is still in the past.
        let past = resolve(
            &cal(),
            &pool,
            when("2026-11-25"),
            when("2026-11-27"),
            jst("2026-11-26 10:05"),
        );
        assert_eq!(
            past.map_err(|e| e.to_string()),
            Err("開始が過去の日時です。".to_owned())
        );
    }

    #[test]
    fn days_mean_opening_and_closing_and_a_holiday_return_moves() {
        let now = jst("2026-11-26 10:00");
        let pool = item(ItemKind::Pool);
        let p = resolve(&cal(), &pool, when("2026-12-10"), when("2026-12-11"), now).unwrap();
        assert_eq!(
            (p.from, p.to),
            (jst("2026-12-10 08:30"), jst("2026-12-11 17:15"))
        );
        assert_eq!(p.asked_to, None);
        // Saturday 12/12: the return moves to Monday 8:30, and the asked time is kept.
        let p = resolve(
            &cal(),
            &pool,
            when("2026-12-10T09:00"),
            when("2026-12-12T10:00"),
            now,
        )
        .unwrap();
        assert_eq!(p.to, jst("2026-12-14 08:30"));
        assert_eq!(p.asked_to, Some(jst("2026-12-12 10:00")));
    }

    #[test]
    fn bad_periods_are_refused_with_a_reason() {
        let now = jst("2026-11-26 10:00");
        let pool = item(ItemKind::Pool);
        let refused = |from: &str, to: &str, it: &ReservableItem| {
            resolve(&cal(), it, when(from), when(to), now)
                .unwrap_err()
                .to_string()
        };
        assert!(refused("2026-11-25", "2026-11-27", &pool).contains("過去"));
        assert!(refused("2026-12-10T10:00", "2026-12-10T09:00", &pool).contains("後に"));
        assert!(refused("2026-12-01", "2026-12-20", &pool).contains("14日まで"));
        assert!(refused("2026-12-12T10:00", "2026-12-14T10:00", &pool).contains("開庁時間"));
        let rpa = item(ItemKind::TimeSlot);
        assert!(refused("2026-12-10T09:30", "2026-12-10T10:30", &rpa).contains("1時間単位"));
        assert!(When::parse("from", "12月10日").is_err());
    }

    #[test]
    fn licences_take_whole_days() {
        let now = jst("2026-11-26 10:00");
        let licence = item(ItemKind::LicencePool);
        let p = resolve(
            &cal(),
            &licence,
            when("2026-12-10"),
            when("2026-12-10"),
            now,
        )
        .unwrap();
        assert_eq!(
            (p.from, p.to),
            (jst("2026-12-10 00:00"), jst("2026-12-11 00:00"))
        );
        // Today is fine for a licence.
        assert!(resolve(
            &cal(),
            &licence,
            when("2026-11-26"),
            when("2026-11-26"),
            now
        )
        .is_ok());
    }
}

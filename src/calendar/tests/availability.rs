//! When a person is there: closed days, runs, openings and the reopening time.

use chrono::{Datelike, Duration, NaiveDateTime, Weekday};

use super::*;

#[test]
fn year_end_closure_and_its_reopening() {
    let c = cal();
    assert_eq!(
        c.availability(at(2026, 12, 30, 10, 0)),
        closed(
            ClosedReason::YearEnd,
            d(2026, 12, 29),
            d(2027, 1, 3),
            at(2027, 1, 4, 8, 30)
        )
    );
    assert_eq!(d(2027, 1, 4).weekday(), Weekday::Mon);
    assert!(c.is_business_day(d(2027, 1, 4)));
    // 2025/26: the closure ends on Saturday 1/3 and Sunday 1/4 follows, so Monday 1/5.
    let year_end_2025 = closed(
        ClosedReason::YearEnd,
        d(2025, 12, 29),
        d(2026, 1, 3),
        at(2026, 1, 5, 8, 30),
    );
    assert_eq!(c.availability(at(2025, 12, 30, 10, 0)), year_end_2025);
    // 元日 inside the closure reads as the year-end closure; the holiday is still known.
    assert_eq!(c.availability(at(2026, 1, 1, 12, 0)), year_end_2025);
    assert_eq!(holiday_name(d(2026, 1, 1)), Some("元日"));
    // The weekend days next to the closure are their own run, with the same reopening.
    assert_eq!(
        c.availability(at(2025, 12, 27, 9, 0)),
        closed(
            ClosedReason::Weekend,
            d(2025, 12, 27),
            d(2025, 12, 28),
            at(2026, 1, 5, 8, 30)
        )
    );
    assert_eq!(
        c.availability(at(2026, 1, 4, 9, 0)),
        closed(
            ClosedReason::Weekend,
            d(2026, 1, 4),
            d(2026, 1, 4),
            at(2026, 1, 5, 8, 30)
        )
    );
    // The evening before the closure: after hours, reopening after it.
    assert_eq!(
        c.availability(at(2026, 12, 28, 18, 0)),
        Availability::AfterHours {
            reopens_at: at(2027, 1, 4, 8, 30)
        }
    );
}

#[test]
fn after_hours_on_business_days() {
    let c = cal();
    // Friday evening: after hours; the weekend is not reported, the reopening skips it.
    assert_eq!(
        c.availability(at(2026, 11, 27, 18, 0)),
        Availability::AfterHours {
            reopens_at: at(2026, 11, 30, 8, 30)
        }
    );
    // Before opening on a business day: today's opening.
    assert_eq!(
        c.availability(at(2026, 11, 30, 7, 0)),
        Availability::AfterHours {
            reopens_at: at(2026, 11, 30, 8, 30)
        }
    );
    assert_eq!(
        c.availability(at(2026, 11, 28, 10, 0)),
        closed(
            ClosedReason::Weekend,
            d(2026, 11, 28),
            d(2026, 11, 29),
            at(2026, 11, 30, 8, 30)
        )
    );
    assert_eq!(c.availability(at(2026, 11, 30, 10, 0)), Availability::Open);
}

#[test]
fn holidays_merge_with_weekends() {
    let c = cal();
    assert_eq!(
        c.availability(at(2026, 11, 23, 10, 0)),
        closed(
            ClosedReason::Holiday("勤労感謝の日"),
            d(2026, 11, 21),
            d(2026, 11, 23),
            at(2026, 11, 24, 8, 30)
        )
    );
    // Silver week 2026: Sat 9/19 to Wed 9/23.
    for (day, name) in [(21, "敬老の日"), (22, "国民の休日"), (23, "秋分の日")] {
        assert_eq!(
            c.availability(at(2026, 9, day, 10, 0)),
            closed(
                ClosedReason::Holiday(name),
                d(2026, 9, 19),
                d(2026, 9, 23),
                at(2026, 9, 24, 8, 30)
            )
        );
    }
    // A holiday on a Sunday is reported as the holiday; its substitute day follows.
    assert_eq!(
        c.closed_reason(d(2026, 5, 3)),
        Some(ClosedReason::Holiday("憲法記念日"))
    );
    assert_eq!(
        c.closed_reason(d(2026, 5, 6)),
        Some(ClosedReason::Holiday("振替休日"))
    );
    assert_eq!(c.closed_reason(d(2026, 5, 9)), Some(ClosedReason::Weekend));
    assert_eq!(c.closed_reason(d(2026, 5, 7)), None);
    assert_eq!(c.next_opening(at(2026, 5, 2, 9, 0)), at(2026, 5, 7, 8, 30));
}

#[test]
fn opening_and_closing_instants() {
    let c = cal();
    let fri = d(2026, 11, 27);
    assert!(c.is_open(fri.and_hms_opt(8, 30, 0).unwrap()));
    assert!(!c.is_open(fri.and_hms_opt(8, 29, 59).unwrap()));
    assert!(c.is_open(fri.and_hms_opt(17, 14, 59).unwrap()));
    assert!(!c.is_open(fri.and_hms_opt(17, 15, 0).unwrap()));
    assert_eq!(
        c.next_opening(at(2026, 11, 27, 17, 15)),
        at(2026, 11, 30, 8, 30)
    );
    assert_eq!(
        c.next_opening(at(2026, 11, 27, 12, 0)),
        at(2026, 11, 27, 12, 0)
    );
}

#[test]
fn configured_closures_and_openings() {
    let config = CalendarConfig {
        closures: vec![
            closure(d(2026, 12, 4), None, "庁舎電気設備点検"),
            closure(d(2026, 12, 5), Some(d(2026, 12, 7)), "庁舎電気設備点検"),
            closure(d(2026, 12, 8), None, "システム更新"),
        ],
        openings: vec![d(2027, 4, 3), d(2027, 1, 2), d(2026, 11, 23)],
        ..CalendarConfig::default()
    };
    let c = BusinessCalendar::new(&config).unwrap();
    let reason = ClosedReason::Closure("庁舎電気設備点検".into());
    // Consecutive closures with one reason are one run, weekend included.
    for day in 4..=7 {
        assert_eq!(
            c.availability(at(2026, 12, day, 10, 0)),
            closed(
                reason.clone(),
                d(2026, 12, 4),
                d(2026, 12, 7),
                at(2026, 12, 9, 8, 30)
            )
        );
    }
    assert_eq!(
        c.availability(at(2026, 12, 8, 10, 0)),
        closed(
            ClosedReason::Closure("システム更新".into()),
            d(2026, 12, 8),
            d(2026, 12, 8),
            at(2026, 12, 9, 8, 30)
        )
    );
    assert!(cal().is_business_day(d(2026, 12, 4)));
    // Openings beat weekends, the year-end closure and holidays.
    assert_eq!(d(2027, 4, 3).weekday(), Weekday::Sat);
    assert!(c.is_open(at(2027, 4, 3, 10, 0)));
    assert!(!c.is_open(at(2027, 4, 3, 17, 30)));
    assert_eq!(c.next_opening(at(2027, 4, 2, 18, 0)), at(2027, 4, 3, 8, 30));
    assert_eq!(c.closed_reason(d(2027, 1, 2)), None);
    assert_eq!(
        c.next_opening(at(2026, 12, 30, 10, 0)),
        at(2027, 1, 2, 8, 30)
    );
    // 12/29-1/1 is still the year-end closure, ending before the opening day.
    assert_eq!(
        c.availability(at(2026, 12, 30, 10, 0)),
        closed(
            ClosedReason::YearEnd,
            d(2026, 12, 29),
            d(2027, 1, 1),
            at(2027, 1, 2, 8, 30)
        )
    );
    assert_eq!(c.availability(at(2026, 11, 23, 10, 0)), Availability::Open);
    assert_eq!(c.business_days_after(d(2026, 11, 20), 1), d(2026, 11, 23));
}

/// Every 15 minutes of 2026: next_opening is open, nothing open is skipped, and
/// availability agrees with is_open and next_opening.
#[test]
fn next_opening_never_skips_an_open_instant() {
    let c = cal();
    let step = Duration::minutes(15);
    let start = at(2026, 1, 1, 0, 0);
    let steps_2026 = 365 * 24 * 4;
    let all = steps_2026 + 30 * 24 * 4; // enough of 2027 to find the next openings
    let instants: Vec<NaiveDateTime> = (0..all).map(|i| start + step * i).collect();
    let open: Vec<bool> = instants.iter().map(|&t| c.is_open(t)).collect();
    let mut next_open = vec![usize::MAX; instants.len()];
    for i in (0..instants.len()).rev() {
        next_open[i] = if open[i] {
            i
        } else {
            next_open.get(i + 1).copied().unwrap_or(usize::MAX)
        };
    }
    for i in 0..steps_2026 as usize {
        let t = instants[i];
        let next = c.next_opening(t);
        assert!(c.is_open(next), "{t}: {next} is not open");
        assert_eq!(
            Some(&next),
            instants.get(next_open[i]),
            "{t}: an earlier instant is open"
        );
        match c.availability(t) {
            Availability::Open => assert!(open[i]),
            Availability::AfterHours { reopens_at } => {
                assert!(c.is_business_day(t.date()) && reopens_at == next);
            }
            Availability::Closed {
                reason,
                from,
                to,
                reopens_at,
            } => {
                assert_eq!(c.closed_reason(t.date()), Some(reason));
                assert!(from <= t.date() && t.date() <= to && to < reopens_at.date());
                assert!(from
                    .iter_days()
                    .take_while(|&x| x <= to)
                    .all(|x| !c.is_business_day(x)));
                assert_eq!(reopens_at, next);
            }
        }
    }
    // 2026: 261 weekdays - 16 weekday holidays - 5 weekdays of the year-end closure = 240
    // business days of 35 quarter hours (8:30-17:15).
    assert_eq!(
        open.iter()
            .take(steps_2026 as usize)
            .filter(|&&o| o)
            .count(),
        240 * 35
    );
}

//! Business time and business days; Japan time and Japanese wording.

use chrono::{Duration, TimeZone, Utc};

use super::*;

#[test]
fn business_time_arithmetic() {
    let c = cal();
    let h = Duration::hours;
    assert_eq!(
        c.add_business_time(at(2026, 11, 27, 16, 15), h(2)),
        at(2026, 11, 30, 9, 30)
    );
    assert_eq!(
        c.add_business_time(at(2026, 12, 28, 16, 15), h(2)),
        at(2027, 1, 4, 9, 30)
    );
    assert_eq!(
        c.add_business_time(at(2025, 12, 26, 17, 0), h(1)),
        at(2026, 1, 5, 9, 15)
    );
    // Running out exactly at closing time gives the closing time.
    assert_eq!(
        c.add_business_time(at(2026, 11, 27, 16, 15), h(1)),
        at(2026, 11, 27, 17, 15)
    );
    // From a closed instant, counting starts at the next opening.
    assert_eq!(
        c.add_business_time(at(2026, 11, 28, 10, 0), Duration::minutes(30)),
        at(2026, 11, 30, 9, 0)
    );
    assert_eq!(
        c.add_business_time(at(2026, 11, 30, 6, 0), Duration::minutes(1)),
        at(2026, 11, 30, 8, 31)
    );
    // One business day is 8h45m; three days from Wednesday 11/18 skip the 11/23 weekend run.
    let day = h(8) + Duration::minutes(45);
    assert_eq!(
        c.add_business_time(at(2026, 11, 18, 8, 30), day),
        at(2026, 11, 18, 17, 15)
    );
    assert_eq!(
        c.add_business_time(at(2026, 11, 18, 8, 30), day * 3 + Duration::seconds(1)),
        at(2026, 11, 24, 8, 30) + Duration::seconds(1)
    );
    assert_eq!(
        c.add_business_time(at(2026, 11, 28, 10, 0), Duration::zero()),
        at(2026, 11, 28, 10, 0)
    );
    assert_eq!(
        c.add_business_time(at(2026, 11, 28, 10, 0), -h(1)),
        at(2026, 11, 28, 10, 0)
    );

    assert_eq!(
        c.business_time_between(at(2026, 11, 27, 17, 0), at(2026, 11, 30, 9, 0)),
        Duration::minutes(45)
    );
    assert_eq!(
        c.business_time_between(at(2026, 11, 30, 9, 0), at(2026, 11, 27, 17, 0)),
        -Duration::minutes(45)
    );
    assert_eq!(
        c.business_time_between(at(2026, 11, 28, 0, 0), at(2026, 11, 29, 23, 0)),
        Duration::zero()
    );
    assert_eq!(
        c.business_time_between(at(2026, 12, 28, 0, 0), at(2027, 1, 5, 0, 0)),
        day * 2
    );
    assert_eq!(
        c.business_time_between(at(2026, 1, 1, 0, 0), at(2027, 1, 1, 0, 0)),
        day * 240
    );

    // Inverse: the business time up to add_business_time(start, d) is d.
    let starts = [
        at(2026, 11, 27, 16, 15),
        at(2026, 12, 28, 12, 0),
        at(2026, 9, 18, 20, 0),
        at(2026, 5, 2, 9, 0),
        at(2026, 11, 30, 8, 30),
    ];
    let durations = [
        Duration::minutes(1),
        h(2),
        day,
        h(30),
        day * 20 + Duration::seconds(7),
    ];
    for start in starts {
        for duration in durations {
            let due = c.add_business_time(start, duration);
            assert_eq!(
                c.business_time_between(start, due),
                duration,
                "{start} + {duration}"
            );
            assert!(c.business_time_between(start, due - Duration::seconds(1)) < duration);
        }
    }
}

#[test]
fn business_days_after() {
    let c = cal();
    assert_eq!(c.business_days_after(d(2026, 11, 20), 0), d(2026, 11, 20));
    assert_eq!(c.business_days_after(d(2026, 11, 20), 1), d(2026, 11, 24));
    assert_eq!(c.business_days_after(d(2026, 12, 25), 1), d(2026, 12, 28));
    assert_eq!(c.business_days_after(d(2026, 12, 25), 2), d(2027, 1, 4));
    assert_eq!(c.business_days_after(d(2026, 9, 18), 5), d(2026, 9, 30));
    assert_eq!(c.business_days_after(d(2026, 11, 28), 1), d(2026, 11, 30));
}

#[test]
fn japan_time() {
    assert_eq!(jst().local_minus_utc(), 9 * 3600);
    let utc = Utc.with_ymd_and_hms(2026, 12, 29, 23, 30, 0).unwrap();
    assert_eq!(to_local(utc), at(2026, 12, 30, 8, 30));
    assert_eq!(to_utc(at(2026, 12, 30, 8, 30)), utc);
}

#[test]
fn japanese_wording() {
    assert_eq!(format_date_ja(d(2026, 1, 5)), "1月5日(月)");
    assert_eq!(format_date_ja(d(2026, 11, 29)), "11月29日(日)");
    assert_eq!(
        format_time_ja(NaiveTime::from_hms_opt(8, 30, 0).unwrap()),
        "8:30"
    );
    assert_eq!(
        format_time_ja(NaiveTime::from_hms_opt(17, 15, 59).unwrap()),
        "17:15"
    );
    assert_eq!(
        format_span_ja(d(2025, 12, 29), d(2026, 1, 3)),
        "12月29日〜1月3日"
    );
    assert_eq!(
        format_span_ja(d(2026, 11, 23), d(2026, 11, 23)),
        "11月23日(月)"
    );
    assert_eq!(format_datetime_ja(at(2026, 1, 5, 8, 30)), "1月5日(月) 8:30");
    let Availability::Closed {
        from,
        to,
        reopens_at,
        ..
    } = cal().availability(at(2025, 12, 30, 10, 0))
    else {
        panic!("closed at year end");
    };
    let notice = format!(
        "{}は閉庁のため、{}以降に担当者からご連絡します",
        format_span_ja(from, to),
        format_datetime_ja(reopens_at)
    );
    assert_eq!(
        notice,
        "12月29日〜1月3日は閉庁のため、1月5日(月) 8:30以降に担当者からご連絡します"
    );
}

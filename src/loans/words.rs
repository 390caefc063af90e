//! What a chat message says about a loan (「研修用のパソコンを12月10日から2日間3台借りたい」):
//! days in the forms staff type (12月10日, 12/10, 今日, 明日, 明後日, 来週火曜, 金曜日),
//! a length (3日間), an end (〜12月11日まで), a quantity (3台), 午前 / 午後, times of day
//! (13時から15時, 13:00〜15:00, 午後1時から3時, 10時半), and whether it asks to borrow at
//! all. Pure: the day it is read on is given.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};
use unicode_normalization::UnicodeNormalization;

/// Part of a day asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayPart {
    Morning,
    Afternoon,
}

/// What was recognised; `None` for what the message does not say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoanWords {
    pub from: Option<NaiveDate>,
    /// The last day.
    pub to: Option<NaiveDate>,
    pub quantity: Option<i64>,
    pub part: Option<DayPart>,
    /// A length in days (3日間), also when no first day was said.
    pub days: Option<u32>,
    /// The message asks to borrow or reserve something.
    pub asks_loan: bool,
    /// Times of day named, in order (the first a start, the second an end).
    pub times: Vec<NaiveTime>,
    /// The last time named is followed by まで (an end: 「15時まで」).
    pub until: bool,
}

const LOAN_VERBS: &[&str] = &[
    "借り",
    "貸して",
    "貸出",
    "貸し出",
    "予約したい",
    "予約できます",
    "使いたい",
];
const COUNTERS: &[&str] = &[
    "台",
    "個",
    "本",
    "件",
    "式",
    "セット",
    "つ",
    "人分",
    "ライセンス",
];
const WEEKDAYS: [(char, Weekday); 7] = [
    ('月', Weekday::Mon),
    ('火', Weekday::Tue),
    ('水', Weekday::Wed),
    ('木', Weekday::Thu),
    ('金', Weekday::Fri),
    ('土', Weekday::Sat),
    ('日', Weekday::Sun),
];

/// Reads `text` on `today` (Japan date).
pub fn read(text: &str, today: NaiveDate) -> LoanWords {
    let text: String = text.nfkc().collect();
    let chars: Vec<char> = text.chars().collect();
    let mut days: Vec<NaiveDate> = Vec::new();
    let mut length = None;
    let mut words = LoanWords {
        asks_loan: LOAN_VERBS.iter().any(|v| text.contains(v)),
        ..LoanWords::default()
    };
    let at = |i: usize, s: &str| {
        chars[i.min(chars.len())..]
            .iter()
            .collect::<String>()
            .starts_with(s)
    };
    // 午後 / 午前 said before a time (None: neither yet).
    let mut afternoon: Option<bool> = None;
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let (n, j) = number(&chars, i);
            if at(j, "月") || at(j, "/") {
                let (d, k) = number(&chars, j + 1);
                if k > j + 1 {
                    if let Some(day) = day_of(today, n, d) {
                        days.push(day);
                    }
                    i = if at(k, "日") { k + 1 } else { k };
                    continue;
                }
            } else if let Some((time, k)) = time_at(&chars, n, j, afternoon) {
                words.times.push(time);
                words.until = at(k, "まで");
                i = k;
                continue;
            } else if at(j, "日間") || at(j, "日分") {
                length = Some(n);
            } else if let Some(c) = COUNTERS.iter().find(|c| at(j, c)) {
                words.quantity = Some(i64::from(n));
                i = j + c.chars().count();
                continue;
            }
            i = j.max(i + 1);
            continue;
        }
        let relative = [
            ("明後日", 2),
            ("あさって", 2),
            ("明日", 1),
            ("あした", 1),
            ("今日", 0),
            ("きょう", 0),
            ("本日", 0),
        ];
        if let Some((w, n)) = relative.iter().find(|(w, _)| at(i, w)) {
            days.push(today + Duration::days(*n));
            i += w.chars().count();
            continue;
        }
        if at(i, "来週") || at(i, "今週") || chars.get(i + 1) == Some(&'曜') {
            let next_week = at(i, "来週");
            let k = if next_week || at(i, "今週") {
                i + 2
            } else {
                i
            };
            if chars.get(k + 1) == Some(&'曜') {
                if let Some((_, weekday)) = WEEKDAYS.iter().find(|(c, _)| chars.get(k) == Some(c)) {
                    days.push(weekday_day(today, *weekday, next_week));
                    i = k + 2;
                    continue;
                }
            }
        }
        if at(i, "午後") {
            words.part = Some(DayPart::Afternoon);
            afternoon = Some(true);
        } else if at(i, "午前") {
            words.part = Some(DayPart::Morning);
            afternoon = Some(false);
        }
        i += 1;
    }
    words.from = days.first().copied();
    words.days = length;
    words.to = match (days.get(1), length, words.from) {
        (Some(last), _, _) => Some(*last),
        (None, Some(n), Some(from)) if n >= 1 => Some(from + Duration::days(i64::from(n) - 1)),
        _ => None,
    };
    words
}

/// A time of day whose hour `hour` ends at `j` (「13時」「13時半」「13時30分」「13:30」),
/// and where it ends. 午後 (`afternoon`) adds 12 hours; without 午前 or 午後, 1 to 6 o'clock
/// are read as the afternoon's (the office is closed at 1 to 6 in the morning).
fn time_at(
    chars: &[char],
    hour: u32,
    j: usize,
    afternoon: Option<bool>,
) -> Option<(NaiveTime, usize)> {
    let (minute, end) = match chars.get(j) {
        Some('時') => match chars.get(j + 1) {
            // 「3時間」 is a length, not a time.
            Some('間') => return None,
            Some('半') => (30, j + 2),
            Some(c) if c.is_ascii_digit() => {
                let (m, k) = number(chars, j + 1);
                if chars.get(k) == Some(&'分') {
                    (m, k + 1)
                } else {
                    (0, j + 1)
                }
            }
            _ => (0, j + 1),
        },
        Some(':') => {
            let (m, k) = number(chars, j + 1);
            if k != j + 3 {
                return None;
            }
            (m, k)
        }
        _ => return None,
    };
    let hour = match afternoon {
        Some(true) if hour < 12 => hour + 12,
        None if (1..=6).contains(&hour) => hour + 12,
        _ => hour,
    };
    Some((NaiveTime::from_hms_opt(hour, minute, 0)?, end))
}

/// The number starting at `i` and where it ends.
fn number(chars: &[char], i: usize) -> (u32, usize) {
    let mut n: u32 = 0;
    let mut j = i;
    while let Some(d) = chars.get(j).and_then(|c| c.to_digit(10)) {
        n = n.saturating_mul(10).saturating_add(d);
        j += 1;
    }
    (n, j)
}

/// Month `m` day `d` of this year, or of next year when it has passed.
fn day_of(today: NaiveDate, m: u32, d: u32) -> Option<NaiveDate> {
    let this = NaiveDate::from_ymd_opt(today.year(), m, d)?;
    if this >= today {
        Some(this)
    } else {
        NaiveDate::from_ymd_opt(today.year() + 1, m, d)
    }
}

/// The `weekday` of next week (weeks start on Monday), or its next one from today.
fn weekday_day(today: NaiveDate, weekday: Weekday, next_week: bool) -> NaiveDate {
    if next_week {
        let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
        monday + Duration::days(7 + i64::from(weekday.num_days_from_monday()))
    } else {
        let ahead =
            (7 + weekday.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
        today + Duration::days(i64::from(ahead))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    /// Thursday 2026-11-26.
    fn read_now(text: &str) -> LoanWords {
        read(text, day("2026-11-26"))
    }

    #[test]
    fn the_issues_sentence_gives_item_period_and_quantity() {
        let w = read_now("研修用のパソコンを12月10日から2日間3台借りたい");
        assert_eq!(w.from, Some(day("2026-12-10")));
        assert_eq!(w.to, Some(day("2026-12-11")));
        assert_eq!(w.quantity, Some(3));
        assert!(w.asks_loan);
    }

    #[test]
    fn japanese_day_forms_are_read() {
        assert_eq!(read_now("12/10に").from, Some(day("2026-12-10")));
        assert_eq!(
            read_now("１２／１０から１２／１１まで").to,
            Some(day("2026-12-11"))
        );
        assert_eq!(read_now("来週火曜").from, Some(day("2026-12-01")));
        assert_eq!(read_now("金曜日").from, Some(day("2026-11-27")));
        let w = read_now("明日から3日間");
        assert_eq!(
            (w.from, w.to),
            (Some(day("2026-11-27")), Some(day("2026-11-29")))
        );
        let w = read_now("明日の午後にプロジェクターを貸してください");
        assert_eq!(
            (w.from, w.part),
            (Some(day("2026-11-27")), Some(DayPart::Afternoon))
        );
        assert!(w.asks_loan);
        // A date already past this year is next year's.
        assert_eq!(read_now("1月8日").from, Some(day("2027-01-08")));
        assert_eq!(read_now("2月30日"), LoanWords::default());
        assert!(!read_now("パスワードを忘れました").asks_loan);
    }

    #[test]
    fn times_of_day_are_read_in_order() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        let w = read_now("RPA端末を12月10日の13時から15時まで借りたい");
        assert_eq!(w.from, Some(day("2026-12-10")));
        assert_eq!(w.times, [t(13, 0), t(15, 0)]);
        assert_eq!(
            read_now("１３：００〜１５：００").times,
            [t(13, 0), t(15, 0)]
        );
        assert_eq!(read_now("午後1時から3時").times, [t(13, 0), t(15, 0)]);
        assert_eq!(read_now("1時から3時").times, [t(13, 0), t(15, 0)]);
        assert_eq!(read_now("午前9時から11時").times, [t(9, 0), t(11, 0)]);
        assert_eq!(read_now("10時半から11時45分").times, [t(10, 30), t(11, 45)]);
        // Dates and counts are not times.
        let w = read_now("12/10に3台");
        assert!(w.times.is_empty(), "{w:?}");
        assert_eq!(read_now("25時").times, []);
        assert_eq!(read_now("3時間使いたい").times, []);
        let w = read_now("15時まで");
        assert_eq!((w.times.as_slice(), w.until), (&[t(15, 0)][..], true));
        assert!(!read_now("9時から").until);
    }
}

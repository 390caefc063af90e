//! Japanese national holidays by rule (国民の祝日に関する法律), without a date table.
//!
//! 1. Statutory days ([`statutory`]): fixed dates, the "Happy Monday" days, and the
//!    equinoxes by the integer form of the usual formula.
//! 2. 振替休日 (article 3(2), since 2007): a statutory day on a Sunday moves the rest day to
//!    the next day that is not a statutory day.
//! 3. 国民の休日 (article 3(3)): a day that is not a statutory day, between two that are.
//!
//! Rules 2 and 3 apply to the statutory days only, never to each other's results.
//! One-off laws (the 2019 enthronement, the 2020/2021 Olympic moves) are in [`OVERRIDES`].

use chrono::{Datelike, NaiveDate, Weekday};

/// One-off laws: in `year` the holiday `name` falls on `(month, day)` instead of its rule
/// date (the rule date is then an ordinary day), or is an extra holiday that year.
const OVERRIDES: &[(i32, &str, (u32, u32))] = &[
    // 天皇の即位の日及び即位礼正殿の儀の行われる日を休日とする法律 (2018).
    (2019, "天皇の即位の日", (5, 1)),
    (2019, "即位礼正殿の儀の行われる日", (10, 22)),
    // Tokyo Olympics special measures law, as amended in 2018 and 2020.
    (2020, "海の日", (7, 23)),
    (2020, "スポーツの日", (7, 24)),
    (2020, "山の日", (8, 10)),
    (2021, "海の日", (7, 22)),
    (2021, "スポーツの日", (7, 23)),
    (2021, "山の日", (8, 8)),
];

/// The name of the national holiday on `date`, or `None` for an ordinary day.
///
/// Names are the law's: "元日", "成人の日", …, "振替休日" for a substitute day and
/// "国民の休日" for a day between two holidays.
///
/// Exact for 2007-2099 (the law in its form since 2007, the equinox formula valid to 2099,
/// one-off laws to 2021). Earlier years get today's rules, which differ from history
/// (e.g. 4/29 was みどりの日 before 2007); from 2100 the equinox days follow the
/// 2100-2150 formula and are provisional, as all equinox days are until the
/// National Astronomical Observatory publishes them each February for the next year.
pub fn holiday_name(date: NaiveDate) -> Option<&'static str> {
    if let Some(name) = statutory(date) {
        return Some(name);
    }
    // 振替休日: walk back over the run of statutory days before `date`; if one is a Sunday,
    // `date` is the first non-statutory day after it.
    let mut day = date.pred_opt()?;
    while statutory(day).is_some() {
        if day.weekday() == Weekday::Sun {
            return Some("振替休日");
        }
        day = day.pred_opt()?;
    }
    let before = date.pred_opt().and_then(statutory);
    let after = date.succ_opt().and_then(statutory);
    if before.is_some() && after.is_some() {
        return Some("国民の休日");
    }
    None
}

/// Every national holiday of `year`, in date order.
pub fn holidays_in_year(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let Some(first) = NaiveDate::from_ymd_opt(year, 1, 1) else {
        return Vec::new();
    };
    first
        .iter_days()
        .take_while(|d| d.year() == year)
        .filter_map(|d| holiday_name(d).map(|name| (d, name)))
        .collect()
}

/// The statutory holidays (article 2 of the law, with the one-off laws), without
/// 振替休日 and 国民の休日.
fn statutory(date: NaiveDate) -> Option<&'static str> {
    let (year, month, day) = (date.year(), date.month(), date.day());
    if let Some(&(_, name, _)) = OVERRIDES
        .iter()
        .find(|&&(y, _, md)| y == year && md == (month, day))
    {
        return Some(name);
    }
    let name = by_rule(date, year, month, day)?;
    let moved = OVERRIDES.iter().any(|&(y, n, _)| y == year && n == name);
    (!moved).then_some(name)
}

fn by_rule(date: NaiveDate, year: i32, month: u32, day: u32) -> Option<&'static str> {
    // The n-th Monday of the month (1-based).
    let nth_monday = |n: u32| date.weekday() == Weekday::Mon && (day - 1) / 7 + 1 == n;
    let name = match (month, day) {
        (1, 1) => "元日",
        (1, _) if nth_monday(2) => "成人の日",
        (2, 11) => "建国記念の日",
        (2, 23) if year >= 2020 => "天皇誕生日",
        (3, _) if Some(day) == equinox(year, Equinox::Spring) => "春分の日",
        (4, 29) => "昭和の日",
        (5, 3) => "憲法記念日",
        (5, 4) => "みどりの日",
        (5, 5) => "こどもの日",
        (7, _) if nth_monday(3) => "海の日",
        (8, 11) if year >= 2016 => "山の日",
        (9, _) if nth_monday(3) => "敬老の日",
        (9, _) if Some(day) == equinox(year, Equinox::Autumn) => "秋分の日",
        (10, _) if nth_monday(2) && year >= 2020 => "スポーツの日",
        (10, _) if nth_monday(2) => "体育の日",
        (11, 3) => "文化の日",
        (11, 23) => "勤労感謝の日",
        (12, 23) if (1989..=2018).contains(&year) => "天皇誕生日",
        _ => return None,
    };
    Some(name)
}

#[derive(Clone, Copy)]
enum Equinox {
    Spring,
    Autumn,
}

/// Day of the month of the equinox holiday: floor(C + 0.242194 t) - floor(t / 4) with
/// t = year - 1980, computed in integers (millionths) so no float rounding can move a day.
/// `None` outside 1980-2150, where the formula's constants are not defined here.
fn equinox(year: i32, which: Equinox) -> Option<u32> {
    let c: i64 = match (year, which) {
        (1980..=2099, Equinox::Spring) => 20_843_100,
        (1980..=2099, Equinox::Autumn) => 23_248_800,
        (2100..=2150, Equinox::Spring) => 21_851_000,
        (2100..=2150, Equinox::Autumn) => 24_248_800,
        _ => return None,
    };
    let t = i64::from(year - 1980);
    u32::try_from((c + 242_194 * t) / 1_000_000 - t / 4).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "MM-DD name, …" for one year: the whole list, so a missing or extra day fails.
    fn check_year(year: i32, expected: &str) {
        let expected: Vec<(NaiveDate, &str)> = expected
            .split(',')
            .map(|item| {
                let (md, name) = item.trim().split_once(' ').expect("MM-DD name");
                let date = NaiveDate::parse_from_str(&format!("{year}-{md}"), "%Y-%m-%d");
                (date.expect("valid date"), name)
            })
            .collect();
        assert_eq!(holidays_in_year(year), expected, "holidays of {year}");
    }

    /// The Cabinet Office list (syukujitsu.csv) for 2025-2027.
    #[test]
    fn official_list_2025_to_2027() {
        check_year(2025, "01-01 元日, 01-13 成人の日, 02-11 建国記念の日, 02-23 天皇誕生日, 02-24 振替休日, 03-20 春分の日, 04-29 昭和の日, 05-03 憲法記念日, 05-04 みどりの日, 05-05 こどもの日, 05-06 振替休日, 07-21 海の日, 08-11 山の日, 09-15 敬老の日, 09-23 秋分の日, 10-13 スポーツの日, 11-03 文化の日, 11-23 勤労感謝の日, 11-24 振替休日");
        check_year(2026, "01-01 元日, 01-12 成人の日, 02-11 建国記念の日, 02-23 天皇誕生日, 03-20 春分の日, 04-29 昭和の日, 05-03 憲法記念日, 05-04 みどりの日, 05-05 こどもの日, 05-06 振替休日, 07-20 海の日, 08-11 山の日, 09-21 敬老の日, 09-22 国民の休日, 09-23 秋分の日, 10-12 スポーツの日, 11-03 文化の日, 11-23 勤労感謝の日");
        check_year(2027, "01-01 元日, 01-11 成人の日, 02-11 建国記念の日, 02-23 天皇誕生日, 03-21 春分の日, 03-22 振替休日, 04-29 昭和の日, 05-03 憲法記念日, 05-04 みどりの日, 05-05 こどもの日, 07-19 海の日, 08-11 山の日, 09-20 敬老の日, 09-23 秋分の日, 10-11 スポーツの日, 11-03 文化の日, 11-23 勤労感謝の日");
    }

    /// 2028-2030 by the law and the equinox formula (not yet official): equinoxes
    /// 3/20 and 9/22 (2028), 9/23 (2029, 2030); substitute days as in the notes.
    #[test]
    fn formula_years_2028_to_2030() {
        check_year(2028, "01-01 元日, 01-10 成人の日, 02-11 建国記念の日, 02-23 天皇誕生日, 03-20 春分の日, 04-29 昭和の日, 05-03 憲法記念日, 05-04 みどりの日, 05-05 こどもの日, 07-17 海の日, 08-11 山の日, 09-18 敬老の日, 09-22 秋分の日, 10-09 スポーツの日, 11-03 文化の日, 11-23 勤労感謝の日");
        check_year(2029, "01-01 元日, 01-08 成人の日, 02-11 建国記念の日, 02-12 振替休日, 02-23 天皇誕生日, 03-20 春分の日, 04-29 昭和の日, 04-30 振替休日, 05-03 憲法記念日, 05-04 みどりの日, 05-05 こどもの日, 07-16 海の日, 08-11 山の日, 09-17 敬老の日, 09-23 秋分の日, 09-24 振替休日, 10-08 スポーツの日, 11-03 文化の日, 11-23 勤労感謝の日");
        check_year(2030, "01-01 元日, 01-14 成人の日, 02-11 建国記念の日, 02-23 天皇誕生日, 03-20 春分の日, 04-29 昭和の日, 05-03 憲法記念日, 05-04 みどりの日, 05-05 こどもの日, 05-06 振替休日, 07-15 海の日, 08-11 山の日, 08-12 振替休日, 09-16 敬老の日, 09-23 秋分の日, 10-14 スポーツの日, 11-03 文化の日, 11-04 振替休日, 11-23 勤労感謝の日");
    }

    /// The one-off laws: enthronement (2019), Olympic moves (2020, 2021), and the
    /// 天皇誕生日 gap of 2019 (neither 12/23 nor 2/23).
    #[test]
    fn one_off_years_2019_to_2021() {
        check_year(2019, "01-01 元日, 01-14 成人の日, 02-11 建国記念の日, 03-21 春分の日, 04-29 昭和の日, 04-30 国民の休日, 05-01 天皇の即位の日, 05-02 国民の休日, 05-03 憲法記念日, 05-04 みどりの日, 05-05 こどもの日, 05-06 振替休日, 07-15 海の日, 08-11 山の日, 08-12 振替休日, 09-16 敬老の日, 09-23 秋分の日, 10-14 体育の日, 10-22 即位礼正殿の儀の行われる日, 11-03 文化の日, 11-04 振替休日, 11-23 勤労感謝の日");
        check_year(2020, "01-01 元日, 01-13 成人の日, 02-11 建国記念の日, 02-23 天皇誕生日, 02-24 振替休日, 03-20 春分の日, 04-29 昭和の日, 05-03 憲法記念日, 05-04 みどりの日, 05-05 こどもの日, 05-06 振替休日, 07-23 海の日, 07-24 スポーツの日, 08-10 山の日, 09-21 敬老の日, 09-22 秋分の日, 11-03 文化の日, 11-23 勤労感謝の日");
        check_year(2021, "01-01 元日, 01-11 成人の日, 02-11 建国記念の日, 02-23 天皇誕生日, 03-20 春分の日, 04-29 昭和の日, 05-03 憲法記念日, 05-04 みどりの日, 05-05 こどもの日, 07-22 海の日, 07-23 スポーツの日, 08-08 山の日, 08-09 振替休日, 09-20 敬老の日, 09-23 秋分の日, 11-03 文化の日, 11-23 勤労感謝の日");
    }

    #[test]
    fn older_years_follow_the_law_of_their_time() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(holiday_name(d(2018, 12, 23)), Some("天皇誕生日"));
        assert_eq!(holiday_name(d(2018, 12, 24)), Some("振替休日"));
        assert_eq!(holiday_name(d(2015, 8, 11)), None, "山の日 starts in 2016");
        assert_eq!(holiday_name(d(2016, 8, 11)), Some("山の日"));
        // 2008: 5/4 on a Sunday, so the substitute skips 5/5 and falls on 5/6.
        assert_eq!(holiday_name(d(2008, 5, 6)), Some("振替休日"));
        assert_eq!(holiday_name(d(2015, 9, 22)), Some("国民の休日"));
    }

    #[test]
    fn later_silver_weeks_and_year_sizes() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(holiday_name(d(2032, 9, 21)), Some("国民の休日"));
        assert_eq!(holiday_name(d(2037, 9, 22)), Some("国民の休日"));
        for year in 2022..=2099 {
            let days = holidays_in_year(year);
            let statutory = days
                .iter()
                .filter(|(_, n)| !matches!(*n, "振替休日" | "国民の休日"))
                .count();
            assert_eq!(statutory, 16, "{year}: 16 statutory holidays since 2020");
            assert!((16..=21).contains(&days.len()), "{year}: {days:?}");
        }
    }
}

//! Japanese date and time wording for prompts and replies: "1月5日(月)", "8:30",
//! "12月29日〜1月3日". Years are never shown: the bot only talks about the coming days.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

const WEEKDAYS: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];

/// "1月5日(月)".
pub fn format_date_ja(date: NaiveDate) -> String {
    let weekday = WEEKDAYS[date.weekday().num_days_from_monday() as usize];
    format!("{}月{}日({weekday})", date.month(), date.day())
}

/// "8:30", "17:15": hours without a leading zero; seconds are dropped.
pub fn format_time_ja(time: NaiveTime) -> String {
    format!("{}:{:02}", time.hour(), time.minute())
}

/// "1月5日(月) 8:30".
pub fn format_datetime_ja(at: NaiveDateTime) -> String {
    format!(
        "{} {}",
        format_date_ja(at.date()),
        format_time_ja(at.time())
    )
}

/// "12月29日〜1月3日" for a run of days; a single day reads like [`format_date_ja`],
/// "11月23日(月)".
pub fn format_span_ja(from: NaiveDate, to: NaiveDate) -> String {
    if from == to {
        return format_date_ja(from);
    }
    format!(
        "{}月{}日〜{}月{}日",
        from.month(),
        from.day(),
        to.month(),
        to.day()
    )
}

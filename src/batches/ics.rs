//! The schedule as iCalendar (RFC 5545): one all-day event per run, for Outlook or any
//! calendar that imports or subscribes to `.ics` files.

use chrono::{DateTime, Duration, Utc};

use super::schedule::ScheduledRun;

/// `runs` as a VCALENDAR. `stamp` is the DTSTAMP of every event (the time of export).
pub fn to_ics(runs: &[ScheduledRun], stamp: DateTime<Utc>) -> String {
    let mut out = String::new();
    let mut line = |text: &str| fold(&mut out, text);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line("PRODID:-//madoguchi//print batches//JA");
    line("CALSCALE:GREGORIAN");
    let stamp = stamp.format("%Y%m%dT%H%M%SZ").to_string();
    for run in runs {
        let day = run.date.format("%Y%m%d");
        let next = (run.date + Duration::days(1)).format("%Y%m%d");
        line("BEGIN:VEVENT");
        line(&format!("UID:{}-{day}@madoguchi", run.job));
        line(&format!("DTSTAMP:{stamp}"));
        line(&format!("DTSTART;VALUE=DATE:{day}"));
        line(&format!("DTEND;VALUE=DATE:{next}"));
        line(&format!(
            "SUMMARY:{}",
            escape(&format!("印刷: {}", run.name))
        ));
        let description = format!(
            "担当課: {} / データ期限: {}",
            run.department,
            run.data_due.format("%Y-%m-%d")
        );
        line(&format!("DESCRIPTION:{}", escape(&description)));
        line("TRANSP:TRANSPARENT");
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

/// Text escaped as RFC 5545 §3.3.11 says.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | ';' | ',' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out
}

/// Appends `text` as content lines of at most 75 octets, never splitting a character,
/// each ended by CRLF (continuations start with a space).
pub fn fold(out: &mut String, text: &str) {
    let mut width = 0;
    for c in text.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn events_are_all_day_escaped_and_folded() {
        let date = NaiveDate::from_ymd_opt(2026, 4, 10).unwrap();
        let run = ScheduledRun {
            job: "kouki-kettei".into(),
            name: "決定通知書, その2; 長い名前".repeat(4),
            date,
            moved_from: None,
            data_due: NaiveDate::from_ymd_opt(2026, 4, 3).unwrap(),
            department: "国民健康保険課".into(),
        };
        let stamp = DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let ics = to_ics(&[run], stamp);
        assert!(ics.contains("DTSTART;VALUE=DATE:20260410\r\nDTEND;VALUE=DATE:20260411\r\n"));
        assert!(ics.contains("決定通知書\\, その2\\; 長い名前"));
        assert!(ics.lines().all(|l| l.trim_end_matches('\r').len() <= 75));
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
    }
}

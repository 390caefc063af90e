//! How tickets and times read on the console's pages (Japanese labels, due-time states).

use chrono::{DateTime, Utc};

use crate::calendar::{format_datetime_ja, to_local};
use crate::domain::{TextEnum, TicketStatus};
use crate::storage::Ticket;

/// A due time as the queue shows it: the time, and whether it is near or past.
pub struct Due {
    pub text: String,
    /// `overdue`, `soon` (within an hour) or empty.
    pub class: &'static str,
}

impl Due {
    pub fn of(due: Option<DateTime<Utc>>, now: DateTime<Utc>, still_counts: bool) -> Due {
        let Some(at) = due else {
            return Due {
                text: "-".into(),
                class: "",
            };
        };
        let left = at - now;
        let class = if !still_counts {
            ""
        } else if left <= chrono::Duration::zero() {
            "overdue"
        } else if left <= chrono::Duration::hours(1) {
            "soon"
        } else {
            ""
        };
        let mut text = format_datetime_ja(to_local(at));
        if class == "overdue" {
            text.push_str(&format!("（{}超過）", span(-left)));
        } else if class == "soon" {
            text.push_str(&format!("（あと{}）", span(left)));
        }
        Due { text, class }
    }
}

/// 「1時間5分」, 「3日」.
fn span(d: chrono::Duration) -> String {
    let minutes = d.num_minutes().max(1);
    match (minutes / (24 * 60), minutes / 60 % 24, minutes % 60) {
        (0, 0, m) => format!("{m}分"),
        (0, h, 0) => format!("{h}時間"),
        (0, h, m) => format!("{h}時間{m}分"),
        (days, _, _) => format!("{days}日"),
    }
}

/// A choice in a `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: &str, label: &str, current: &str) -> Choice {
        Choice {
            value: value.to_owned(),
            label: label.to_owned(),
            selected: value == current,
        }
    }

    /// Every value of a stored-as-text type, labelled, `current` selected.
    pub fn all<T: TextEnum + PartialEq>(current: Option<T>) -> Vec<Choice> {
        T::ALL
            .iter()
            .map(|v| Choice {
                value: v.as_str().to_owned(),
                label: v.label().to_owned(),
                selected: Some(*v) == current,
            })
            .collect()
    }
}

/// One line of the queue.
pub struct Row {
    pub id: i64,
    pub subject: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub priority: &'static str,
    pub category: String,
    pub assignee: String,
    pub channel: &'static str,
    pub requester: String,
    pub opened: String,
    pub first_due: Due,
    pub resolution_due: Due,
    /// The staff member wrote since an operator last read the ticket.
    pub updated_by_staff: bool,
}

/// Display names by login, to show who has a ticket.
pub type Names = std::collections::HashMap<String, String>;

/// The name to show for a login: the account's display name, else the login itself.
pub fn display_name(names: &Names, login: Option<&str>) -> String {
    login.map_or_else(String::new, |l| {
        names.get(l).cloned().unwrap_or_else(|| l.to_owned())
    })
}

impl Row {
    pub fn of(t: &Ticket, now: DateTime<Utc>, names: &Names) -> Row {
        Row {
            id: t.id,
            subject: t.subject.clone(),
            status: t.status.label(),
            status_code: t.status.as_str(),
            priority: t.priority.label(),
            category: t.category.clone().unwrap_or_default(),
            assignee: display_name(names, t.assignee.as_deref()),
            channel: t.channel.label(),
            requester: t.requester_name.clone().unwrap_or_default(),
            opened: format_datetime_ja(to_local(t.opened_at)),
            first_due: Due::of(t.first_response_due, now, t.status == TicketStatus::New),
            resolution_due: Due::of(t.resolution_due, now, t.status.is_open()),
            updated_by_staff: t.updated_by_staff_at.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_in_japanese() {
        assert_eq!(span(chrono::Duration::minutes(5)), "5分");
        assert_eq!(span(chrono::Duration::minutes(65)), "1時間5分");
        assert_eq!(span(chrono::Duration::minutes(120)), "2時間");
        assert_eq!(span(chrono::Duration::minutes(3 * 24 * 60 + 5)), "3日");
        assert_eq!(span(chrono::Duration::seconds(10)), "1分");
    }

    #[test]
    fn due_times_are_marked_soon_and_overdue() {
        use chrono::TimeZone;
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 1, 0, 0).unwrap();
        let soon = Due::of(Some(now + chrono::Duration::minutes(30)), now, true);
        assert_eq!(soon.class, "soon");
        assert!(soon.text.contains("あと30分"), "{}", soon.text);
        let late = Due::of(Some(now - chrono::Duration::minutes(90)), now, true);
        assert_eq!(late.class, "overdue");
        assert!(late.text.contains("1時間30分超過"), "{}", late.text);
        assert_eq!(
            Due::of(Some(now - chrono::Duration::minutes(90)), now, false).class,
            ""
        );
    }
}

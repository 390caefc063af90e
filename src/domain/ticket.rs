//! Tickets: where a staff member's inquiry stands with a person, and how urgent it is.

use super::text_enum::text_enum;

text_enum! {
    /// Where a ticket stands (the queue's 新規/対応中/保留/解決済/完了).
    pub enum TicketStatus: "ticket status" {
        /// Opened, nobody has answered yet.
        New = "new" / "新規",
        InProgress = "in_progress" / "対応中",
        /// Waiting on someone else (the staff member, a vendor).
        OnHold = "on_hold" / "保留",
        /// Answered; the staff member was told.
        Resolved = "resolved" / "解決済",
        /// Finished for good.
        Closed = "closed" / "完了",
    }
}

impl TicketStatus {
    /// The statuses of a ticket someone still has to work on.
    pub const OPEN: &'static [TicketStatus] = &[
        TicketStatus::New,
        TicketStatus::InProgress,
        TicketStatus::OnHold,
    ];

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    /// Statuses an operator may set by hand from this one. Resolving is not among them:
    /// it goes through the resolve action, which tells the staff member.
    pub fn manual_next(self) -> &'static [TicketStatus] {
        use TicketStatus::*;
        match self {
            New | InProgress | OnHold => &[InProgress, OnHold],
            Resolved => &[InProgress, Closed],
            Closed => &[],
        }
    }
}

/// How a ticket is named to staff and operators: 「#12」.
pub fn ticket_number(id: i64) -> String {
    format!("#{id}")
}

/// The id in a ticket number (`#12`, `＃12`, `12`).
pub fn parse_ticket_number(text: &str) -> Option<i64> {
    let t = text.trim();
    let t = t
        .strip_prefix('#')
        .or_else(|| t.strip_prefix('＃'))
        .unwrap_or(t);
    t.parse().ok().filter(|id| *id > 0)
}

text_enum! {
    /// How urgent a ticket is; with its category it picks the SLA targets.
    #[derive(Default)]
    pub enum Priority: "priority" {
        Low = "low" / "低",
        #[default]
        Normal = "normal" / "中",
        High = "high" / "高",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_tickets_stay_closed_and_open_ones_cannot_be_resolved_by_hand() {
        assert!(TicketStatus::Closed.manual_next().is_empty());
        for status in TicketStatus::OPEN {
            assert!(!status.manual_next().contains(&TicketStatus::Resolved));
            assert!(status.is_open());
        }
        assert!(!TicketStatus::Resolved.is_open());
    }
}

//! Loans and reservations (貸出・予約): what can be reserved, where a reservation stands
//! and what may be done with it next. The rules are pure functions of the state, so the
//! service, the API and the console ask the same question and get the same answer.
//!
//! ```text
//! 申請中 ──approve──▶ 承認 ──checkout──▶ 貸出中 ──return──▶ 返却済
//!   │                  │                   │
//!   ├──reject──▶ 却下   └──cancel──▶ 取消    └──extend (re-checked)
//!   └──cancel──▶ 取消
//! ```
//!
//! A pending reservation already holds its units: 申請中, 承認 and 貸出中 hold, the
//! others do not.

use super::text_enum::text_enum;

text_enum! {
    /// What kind of thing a reservable item is.
    pub enum ItemKind: "item kind" {
        /// One device (a projector): quantity 1.
        Device = "device" / "機器",
        /// Interchangeable devices lent by number (研修用端末 ×30).
        Pool = "pool" / "台数貸出",
        /// A set lent together (Web会議キット = 端末 + カメラ + スピーカー).
        Kit = "kit" / "キット",
        /// A resource booked by the hour (RPA端末).
        TimeSlot = "time_slot" / "時間枠",
        /// Paid web-meeting licences, granted per day (Web会議 有償ライセンス ×N).
        LicencePool = "licence_pool" / "ライセンス",
    }
}

text_enum! {
    /// Where a reservation stands (the request states: decided by an approver, then
    /// carried out).
    pub enum ReservationStatus: "reservation status" {
        /// Asked for; holds its units until decided.
        Pending = "pending" / "申請中",
        Approved = "approved" / "承認",
        Rejected = "rejected" / "却下",
        Cancelled = "cancelled" / "取消",
        /// Handed out (a licence: granted).
        CheckedOut = "checked_out" / "貸出中",
        /// Back (a licence: revoked).
        Returned = "returned" / "返却済",
    }
}

text_enum! {
    /// What someone does with a reservation (the API's `{action}`, the history's verb).
    pub enum ReservationAction: "reservation action" {
        /// The first request (history only).
        Reserve = "reserve" / "予約",
        Approve = "approve" / "承認",
        Reject = "reject" / "却下",
        Cancel = "cancel" / "取消",
        Checkout = "checkout" / "貸出",
        Return = "return" / "返却",
        Extend = "extend" / "延長",
    }
}

text_enum! {
    /// A line of the operators' list for a day.
    pub enum TaskKind: "loan task" {
        /// An approved loan is picked up today.
        Pickup = "pickup" / "受け取り",
        /// An approved loan whose first day has passed without a pickup (a licence: whose
        /// last day has passed without a grant): ask the staff member, or cancel it.
        NotPickedUp = "not_picked_up" / "未受け取り",
        /// A loan is due back today.
        Return = "return" / "返却",
        /// A loan is past its return.
        Overdue = "overdue" / "返却遅れ",
        /// The 所属 needs an account in the web-meeting system before its licence.
        Register = "register" / "アカウント登録",
        /// Grant the 所属's account a licence today.
        Grant = "grant" / "付与",
        /// Take the licence back (the business day after its last day).
        Revoke = "revoke" / "回収",
    }
}

impl ReservationStatus {
    /// The statuses that hold units of the item.
    pub const HOLDING: &'static [ReservationStatus] = &[
        ReservationStatus::Pending,
        ReservationStatus::Approved,
        ReservationStatus::CheckedOut,
    ];

    /// Whether a reservation in this status holds its units.
    pub fn holds(self) -> bool {
        Self::HOLDING.contains(&self)
    }

    /// The actions that may follow this status.
    pub fn actions(self) -> &'static [ReservationAction] {
        use ReservationAction::*;
        match self {
            Self::Pending => &[Approve, Reject, Cancel, Extend],
            Self::Approved => &[Checkout, Cancel, Extend],
            Self::CheckedOut => &[Return, Extend],
            Self::Rejected | Self::Cancelled | Self::Returned => &[],
        }
    }
}

impl ReservationAction {
    /// The API's path names; `reserve` is not one (a reservation is made by creating it).
    pub fn from_path(s: &str) -> Option<Self> {
        Self::parse(s).ok().filter(|a| *a != Self::Reserve)
    }
}

impl ItemKind {
    /// Whether periods are whole days (licences are granted per day).
    pub fn by_day(self) -> bool {
        self == Self::LicencePool
    }

    /// Whether periods start and end on the hour (the RPA terminal's slots).
    pub fn by_hour(self) -> bool {
        self == Self::TimeSlot
    }
}

/// Why an action is not allowed from a status. Nothing changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}の予約は{}できません。", .from.label(), .action.label())]
pub struct NotAllowed {
    pub from: ReservationStatus,
    pub action: ReservationAction,
}

/// The status after `action` on a reservation in `from`, or why it is not allowed.
pub fn transition(
    from: ReservationStatus,
    action: ReservationAction,
) -> Result<ReservationStatus, NotAllowed> {
    use ReservationAction as A;
    use ReservationStatus as S;
    if !from.actions().contains(&action) {
        return Err(NotAllowed { from, action });
    }
    Ok(match action {
        A::Reserve => S::Pending,
        A::Approve => S::Approved,
        A::Reject => S::Rejected,
        A::Cancel => S::Cancelled,
        A::Checkout => S::CheckedOut,
        A::Return => S::Returned,
        A::Extend => from,
    })
}

/// A loan asked for in the chat, what is known so far (the conversation's state).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LoanDraft {
    pub item: Option<String>,
    pub quantity: Option<i64>,
    pub from: Option<chrono::NaiveDate>,
    /// The last day.
    pub to: Option<chrono::NaiveDate>,
    /// From 13:00 rather than from opening.
    #[serde(default)]
    pub afternoon: bool,
    pub purpose: Option<String>,
    /// The question last asked (`item`, `from`, `to`, `time`, `quantity`, `purpose`,
    /// `confirm`).
    pub asked: Option<String>,
    /// For an item booked by the hour: the start on the first day and the end on the last.
    #[serde(default)]
    pub from_time: Option<chrono::NaiveTime>,
    #[serde(default)]
    pub to_time: Option<chrono::NaiveTime>,
}

/// How a reservation is named to staff and operators: 「予約 L-12」.
pub fn reservation_number(id: i64) -> String {
    format!("L-{id}")
}

/// The peak number of units held at once over a period by `held` (each a half-open
/// `[from, to)` and a quantity): back-to-back periods do not overlap.
pub fn peak_units<T: Ord + Copy>(held: impl IntoIterator<Item = (T, T, i64)>) -> i64 {
    let mut edges: Vec<(T, i64)> = Vec::new();
    for (from, to, quantity) in held {
        if from < to {
            edges.push((from, quantity));
            edges.push((to, -quantity));
        }
    }
    // At one instant, ends come before starts: a return at 12:00 frees the unit for a
    // pickup at 12:00.
    edges.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut now, mut peak) = (0, 0);
    for (_, change) in edges {
        now += change;
        peak = peak.max(now);
    }
    peak
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TextEnum;

    #[test]
    fn pending_approved_and_checked_out_hold_units() {
        let holding: Vec<_> = ReservationStatus::ALL
            .iter()
            .filter(|s| s.holds())
            .map(|s| s.label())
            .collect();
        assert_eq!(holding, ["申請中", "承認", "貸出中"]);
    }

    #[test]
    fn transitions_follow_the_request_states() {
        use ReservationAction as A;
        use ReservationStatus as S;
        assert_eq!(transition(S::Pending, A::Approve), Ok(S::Approved));
        assert_eq!(transition(S::Approved, A::Checkout), Ok(S::CheckedOut));
        assert_eq!(transition(S::CheckedOut, A::Return), Ok(S::Returned));
        assert_eq!(
            transition(S::Pending, A::Checkout),
            Err(NotAllowed {
                from: S::Pending,
                action: A::Checkout
            })
        );
        assert!(transition(S::Approved, A::Return).is_err());
        assert!(transition(S::Returned, A::Cancel).is_err());
        assert_eq!(
            NotAllowed {
                from: S::Pending,
                action: A::Checkout
            }
            .to_string(),
            "申請中の予約は貸出できません。"
        );
        assert_eq!(ReservationAction::from_path("reserve"), None);
        assert_eq!(ReservationAction::from_path("return"), Some(A::Return));
    }

    #[test]
    fn back_to_back_periods_do_not_overlap() {
        assert_eq!(peak_units([(1, 3, 2), (3, 5, 2)]), 2);
        assert_eq!(peak_units([(1, 4, 2), (3, 5, 2)]), 4);
        assert_eq!(peak_units([(1, 2, 1), (5, 6, 1), (2, 5, 1)]), 1);
        assert_eq!(peak_units(Vec::<(i32, i32, i64)>::new()), 0);
    }
}

//! Requests (申請): where one stands, what may be done with it next, and by whom. The
//! rules are pure functions of the state, so the service, the API and the console ask the
//! same question and get the same answer.
//!
//! ```text
//! 申請済 ──approve──▶ 承認待ち (a second approval step is due) ──approve──▶ 承認
//!    │                    │                                               │
//!    ├──approve (last step)──────────────────────────────────────────────▶│
//!    ├──return──▶ 差戻し ──resubmit──▶ 申請済                              start
//!    ├──reject──▶ 却下                                                    ▼
//!    └──cancel──▶ 取消 (by the requester, any time before 作業中)        作業中 ──complete──▶ 完了
//!                                                                         └──fail──▶ 失敗 ──start (retry)──▶ 作業中
//! ```

use super::text_enum::text_enum;

text_enum! {
    /// Where a request stands.
    pub enum RequestStatus: "request status" {
        /// Submitted; no approver has decided yet.
        Submitted = "submitted" / "申請済",
        /// Approved by the first approver; the type's second approval step is due.
        AwaitingApproval = "awaiting_approval" / "承認待ち",
        Approved = "approved" / "承認",
        /// Sent back to the requester with a reason, to correct and resubmit.
        Returned = "returned" / "差戻し",
        Rejected = "rejected" / "却下",
        /// The work order is being carried out.
        InProgress = "in_progress" / "作業中",
        Done = "done" / "完了",
        /// The work could not be done (with the reason); it may be tried again.
        Failed = "failed" / "失敗",
        /// Withdrawn by the requester before work started.
        Cancelled = "cancelled" / "取消",
    }
}

text_enum! {
    /// What someone does with a request (the API's `{action}`, the audit log's verb).
    pub enum RequestAction: "request action" {
        /// The first submission (history only: no state leads here by an action).
        Submit = "submit" / "申請",
        Approve = "approve" / "承認",
        Return = "return" / "差戻し",
        Reject = "reject" / "却下",
        Start = "start" / "作業開始",
        Complete = "complete" / "完了",
        Fail = "fail" / "失敗",
        Cancel = "cancel" / "取消",
        Resubmit = "resubmit" / "再申請",
    }
}

text_enum! {
    /// Where a step of a work order stands.
    pub enum StepStatus: "work step status" {
        Pending = "pending" / "未着手",
        Done = "done" / "完了",
        Failed = "failed" / "失敗",
    }
}

/// In which capacity someone acts on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capacity {
    /// The staff member who asked (or an operator entering it for them).
    Requester,
    /// A helpdesk operator: carries the work order out.
    Operator,
    /// An approver (an admin of ICT推進課): decides, and may also do the work.
    Approver,
}

/// What an approval decision needs to know: how many approval steps the type has, and
/// who approved so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Approvals<'a> {
    pub needed: usize,
    pub given_by: &'a [String],
}

/// Why an action is not allowed. Nothing changes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotAllowed {
    #[error("{}の申請は{}できません。", .from.label(), .action.label())]
    FromState {
        from: RequestStatus,
        action: RequestAction,
    },
    #[error("{}は承認者（ICT推進課の管理者）だけができます。", .0.label())]
    NeedsApprover(RequestAction),
    #[error("{}は担当者（オペレーター）だけができます。", .0.label())]
    NeedsOperator(RequestAction),
    #[error("再申請は申請した本人だけができます。")]
    NeedsRequester,
    #[error("同じ人が二段階の承認を両方することはできません。")]
    SameApproverTwice,
    #[error("{}には理由が必要です。", .0.label())]
    ReasonRequired(RequestAction),
}

impl RequestStatus {
    /// Statuses of requests someone still has to act on (the queue's open ones).
    pub const OPEN: &'static [RequestStatus] = &[
        RequestStatus::Submitted,
        RequestStatus::AwaitingApproval,
        RequestStatus::Approved,
        RequestStatus::InProgress,
        RequestStatus::Failed,
    ];

    /// Waiting for an approver's decision.
    pub fn awaits_decision(self) -> bool {
        matches!(self, Self::Submitted | Self::AwaitingApproval)
    }

    /// Finished for good: nothing more can be done with it.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Done | Self::Rejected | Self::Cancelled)
    }

    /// The actions that may follow this status, whoever does them.
    pub fn actions(self) -> &'static [RequestAction] {
        use RequestAction::*;
        match self {
            Self::Submitted | Self::AwaitingApproval => &[Approve, Return, Reject, Cancel],
            Self::Approved => &[Start, Cancel],
            Self::Returned => &[Resubmit, Cancel],
            Self::InProgress => &[Complete, Fail],
            Self::Failed => &[Start],
            Self::Rejected | Self::Done | Self::Cancelled => &[],
        }
    }
}

impl RequestAction {
    /// Whether the action must say why (差戻し, 却下, 失敗).
    pub fn needs_reason(self) -> bool {
        matches!(self, Self::Return | Self::Reject | Self::Fail)
    }

    /// The API's path names (`approve`, `return`, ...) are the stored names; `submit` is
    /// not one (a request is submitted by creating it).
    pub fn from_path(s: &str) -> Option<Self> {
        Self::parse(s).ok().filter(|a| *a != Self::Submit)
    }
}

/// The status after `action` on a request in `from`, done by `by` in `capacity`; or why
/// it is not allowed. `reason` is what the actor wrote (required for return, reject and
/// fail).
pub fn transition(
    from: RequestStatus,
    action: RequestAction,
    capacity: Capacity,
    by: &str,
    approvals: Approvals<'_>,
    reason: Option<&str>,
) -> Result<RequestStatus, NotAllowed> {
    use RequestAction as A;
    use RequestStatus as S;
    if !from.actions().contains(&action) {
        return Err(NotAllowed::FromState { from, action });
    }
    match (action, capacity) {
        (A::Approve | A::Return | A::Reject, Capacity::Approver) => {}
        (A::Approve | A::Return | A::Reject, _) => return Err(NotAllowed::NeedsApprover(action)),
        (A::Start | A::Complete | A::Fail, Capacity::Requester) => {
            return Err(NotAllowed::NeedsOperator(action))
        }
        (A::Resubmit, Capacity::Requester) => {}
        (A::Resubmit, _) => return Err(NotAllowed::NeedsRequester),
        _ => {}
    }
    if action.needs_reason() && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(NotAllowed::ReasonRequired(action));
    }
    Ok(match action {
        A::Approve => {
            if approvals.given_by.iter().any(|b| b == by) {
                return Err(NotAllowed::SameApproverTwice);
            }
            if approvals.given_by.len() + 1 >= approvals.needed.max(1) {
                S::Approved
            } else {
                S::AwaitingApproval
            }
        }
        A::Return => S::Returned,
        A::Reject => S::Rejected,
        A::Start => S::InProgress,
        A::Complete => S::Done,
        A::Fail => S::Failed,
        A::Cancel => S::Cancelled,
        A::Resubmit | A::Submit => S::Submitted,
    })
}

/// How a request is named to staff and operators: 「申請 R-12」 (a ticket is 「#12」).
pub fn request_number(id: i64) -> String {
    format!("R-{id}")
}

/// The id in a request number (`R-12`, `r12`, `12`).
pub fn parse_request_number(text: &str) -> Option<i64> {
    let t = text.trim();
    let t = t
        .strip_prefix("R-")
        .or_else(|| t.strip_prefix("r-"))
        .or_else(|| t.strip_prefix('R'))
        .or_else(|| t.strip_prefix('r'))
        .unwrap_or(t);
    t.parse().ok().filter(|id| *id > 0)
}

#[cfg(test)]
mod tests;

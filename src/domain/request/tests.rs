use super::*;
use crate::domain::TextEnum;
use RequestAction as A;
use RequestStatus as S;

const NONE: Approvals<'static> = Approvals {
    needed: 1,
    given_by: &[],
};

fn approver(from: S, action: A) -> Result<S, NotAllowed> {
    transition(
        from,
        action,
        Capacity::Approver,
        "admin",
        NONE,
        Some("理由"),
    )
}

#[test]
fn the_happy_path_runs_from_submitted_to_done() {
    let approved = approver(S::Submitted, A::Approve).unwrap();
    assert_eq!(approved, S::Approved);
    let working = transition(approved, A::Start, Capacity::Operator, "op", NONE, None);
    assert_eq!(working, Ok(S::InProgress));
    let done = transition(
        S::InProgress,
        A::Complete,
        Capacity::Operator,
        "op",
        NONE,
        None,
    );
    assert_eq!(done, Ok(S::Done));
}

#[test]
fn two_approval_steps_need_two_different_approvers() {
    let two = Approvals {
        needed: 2,
        given_by: &[],
    };
    let first = transition(S::Submitted, A::Approve, Capacity::Approver, "a", two, None);
    assert_eq!(first, Ok(S::AwaitingApproval));
    let given = ["a".to_owned()];
    let after_first = Approvals {
        needed: 2,
        given_by: &given,
    };
    let again = transition(
        S::AwaitingApproval,
        A::Approve,
        Capacity::Approver,
        "a",
        after_first,
        None,
    );
    assert_eq!(again, Err(NotAllowed::SameApproverTwice));
    let second = transition(
        S::AwaitingApproval,
        A::Approve,
        Capacity::Approver,
        "b",
        after_first,
        None,
    );
    assert_eq!(second, Ok(S::Approved));
}

#[test]
fn an_approved_request_cannot_be_approved_again() {
    assert_eq!(
        approver(S::Approved, A::Approve),
        Err(NotAllowed::FromState {
            from: S::Approved,
            action: A::Approve
        })
    );
}

#[test]
fn only_approvers_decide_and_requesters_do_not_work() {
    for action in [A::Approve, A::Return, A::Reject] {
        for capacity in [Capacity::Requester, Capacity::Operator] {
            let got = transition(S::Submitted, action, capacity, "x", NONE, Some("r"));
            assert_eq!(got, Err(NotAllowed::NeedsApprover(action)));
        }
    }
    let got = transition(S::Approved, A::Start, Capacity::Requester, "x", NONE, None);
    assert_eq!(got, Err(NotAllowed::NeedsOperator(A::Start)));
}

#[test]
fn return_reject_and_fail_need_a_reason() {
    for (from, action) in [
        (S::Submitted, A::Return),
        (S::Submitted, A::Reject),
        (S::InProgress, A::Fail),
    ] {
        for reason in [None, Some("  ")] {
            let got = transition(from, action, Capacity::Approver, "a", NONE, reason);
            assert_eq!(got, Err(NotAllowed::ReasonRequired(action)));
        }
    }
}

#[test]
fn cancelling_is_possible_only_before_work_starts() {
    for from in [S::Submitted, S::AwaitingApproval, S::Approved, S::Returned] {
        let got = transition(from, A::Cancel, Capacity::Requester, "r", NONE, None);
        assert_eq!(got, Ok(S::Cancelled), "{from:?}");
    }
    for from in [S::InProgress, S::Done, S::Failed, S::Rejected, S::Cancelled] {
        let got = transition(from, A::Cancel, Capacity::Requester, "r", NONE, None);
        assert!(got.is_err(), "{from:?}");
    }
}

#[test]
fn a_returned_request_is_resubmitted_by_its_requester_and_a_failed_one_retried() {
    let got = transition(
        S::Returned,
        A::Resubmit,
        Capacity::Requester,
        "r",
        NONE,
        None,
    );
    assert_eq!(got, Ok(S::Submitted));
    let got = transition(
        S::Returned,
        A::Resubmit,
        Capacity::Operator,
        "o",
        NONE,
        None,
    );
    assert_eq!(got, Err(NotAllowed::NeedsRequester));
    let got = transition(S::Failed, A::Start, Capacity::Operator, "o", NONE, None);
    assert_eq!(got, Ok(S::InProgress));
}

#[test]
fn final_states_allow_nothing() {
    for status in RequestStatus::ALL {
        assert_eq!(status.is_final(), status.actions().is_empty(), "{status:?}");
    }
}

#[test]
fn request_numbers_read_back() {
    assert_eq!(request_number(12), "R-12");
    for text in ["R-12", "r12", " 12 "] {
        assert_eq!(parse_request_number(text), Some(12));
    }
    assert_eq!(parse_request_number("R-0"), None);
    assert_eq!(parse_request_number("abc"), None);
}

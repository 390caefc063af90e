//! The loan service on every backend: a loan from request to return, units held from
//! the request on, back-to-back periods, a return on a holiday, extension and
//! cancellation, and bad input that changes nothing.

use madoguchi::domain::{ItemKind, ReservationAction, ReservationStatus, TaskKind};
use madoguchi::loans::{Checkout, LoanAction, LoanError, ReturnNote};

use crate::db::backends;
use crate::helpers::{jst, Desk};
use crate::request_support::request_desk;
use crate::support::{asking, item, reserve, snapshot, when, OPERATOR};

#[tokio::test]
async fn loans_on_every_backend() {
    for db in backends().await {
        let d = request_desk(Some(db.url.clone())).await;
        a_loan_runs_from_request_to_return(&d).await;
        a_pending_reservation_holds_and_back_to_back_is_allowed(&d).await;
        a_return_on_a_holiday_moves_to_the_next_opening(&d).await;
        extending_rechecks_conflicts_and_cancelling_frees_units(&d).await;
        bad_input_is_refused_and_changes_nothing(&d).await;
    }
}

async fn a_loan_runs_from_request_to_return(d: &Desk) {
    let loans = d.helpdesk.loans();
    item(d, "training-pc", "研修用端末", ItemKind::Pool, 30).await;
    let made = reserve(d, "training-pc", 3, "2026-12-10", "2026-12-11").await;
    let r = made.reservation;
    assert_eq!(r.status, ReservationStatus::Pending);
    assert_eq!(
        (r.starts_at, r.ends_at),
        (jst("2026-12-10 08:30"), jst("2026-12-11 17:15"))
    );
    assert_eq!(
        (r.requester_name.as_str(), r.department.as_str()),
        ("沼津 太郎", "ICT推進課")
    );
    assert!(
        made.notice.contains(&format!("L-{}", r.id)),
        "{}",
        made.notice
    );
    // Pending already holds its three.
    let (pc, period) = loans
        .period(
            "training-pc",
            when("2026-12-10T13:00"),
            when("2026-12-10T15:00"),
        )
        .await
        .unwrap();
    assert_eq!(loans.available(&pc, &period).await.unwrap(), 27);

    let r = loans
        .act(r.id, OPERATOR, LoanAction::Approve)
        .await
        .unwrap();
    assert_eq!(r.status, ReservationStatus::Approved);
    // Approved and not picked up: 受け取り on its day, then 未受け取り every day after.
    let tasks = |day: &str| {
        let day = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
        async move {
            let lines = loans.today(day).await.unwrap();
            lines.into_iter().map(|l| l.task).collect::<Vec<_>>()
        }
    };
    assert_eq!(tasks("2026-12-10").await, [TaskKind::Pickup]);
    assert_eq!(tasks("2026-12-11").await, [TaskKind::NotPickedUp]);
    assert_eq!(tasks("2026-12-14").await, [TaskKind::NotPickedUp]);
    d.clock.set(jst("2026-12-10 09:00"));
    let checkout = Checkout {
        asset_numbers: vec!["PC-0001".into(), " PC-0002 ".into(), "PC-0003".into()],
        condition: "良好".into(),
        settings_done: Some("研修用アカウントでサインイン確認".into()),
    };
    let r = loans
        .act(r.id, OPERATOR, LoanAction::Checkout(checkout))
        .await
        .unwrap();
    assert_eq!(r.status, ReservationStatus::CheckedOut);
    assert_eq!(r.assets(), ["PC-0001", "PC-0002", "PC-0003"]);
    assert_eq!(r.condition_out.as_deref(), Some("良好"));
    assert_eq!(r.checked_out_at, Some(jst("2026-12-10 09:00")));
    // Back a day late.
    d.clock.set(jst("2026-12-14 17:15"));
    let back = ReturnNote {
        condition: "1台キーボードに傷".into(),
        damage: Some("PC-0002 キートップ欠け".into()),
    };
    let r = loans
        .act(r.id, OPERATOR, LoanAction::Return(back))
        .await
        .unwrap();
    assert_eq!(r.status, ReservationStatus::Returned);
    assert_eq!(r.late_minutes, Some(3 * 24 * 60));
    assert_eq!(r.damage.as_deref(), Some("PC-0002 キートップ欠け"));
    let history: Vec<ReservationAction> = loans
        .history(r.id)
        .await
        .unwrap()
        .iter()
        .map(|e| e.action)
        .collect();
    use ReservationAction as A;
    assert_eq!(history, [A::Reserve, A::Approve, A::Checkout, A::Return]);
    // Returned units are free again.
    assert_eq!(loans.available(&pc, &period).await.unwrap(), 30);
    d.clock.set(jst("2026-11-26 10:00"));
}

async fn a_pending_reservation_holds_and_back_to_back_is_allowed(d: &Desk) {
    let loans = d.helpdesk.loans();
    item(d, "projector", "プロジェクター", ItemKind::Device, 1).await;
    reserve(d, "projector", 1, "2026-12-10T09:00", "2026-12-10T12:00").await;
    // [9:00, 12:00) and [12:00, 15:00) meet without overlapping.
    reserve(d, "projector", 1, "2026-12-10T12:00", "2026-12-10T15:00").await;
    let err = loans
        .reserve(&asking(
            "projector",
            1,
            "2026-12-10T11:00",
            "2026-12-10T13:00",
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(err, LoanError::Unavailable { available: 0 }),
        "{err:?}"
    );
    reserve(d, "projector", 1, "2026-12-10T15:00", "2026-12-10T17:15").await;
}

async fn a_return_on_a_holiday_moves_to_the_next_opening(d: &Desk) {
    item(d, "web-kit", "Web会議キット", ItemKind::Kit, 2).await;
    // Saturday 12/12 10:00: moved to Monday 12/14 8:30, and the requester is told.
    let made = reserve(d, "web-kit", 1, "2026-12-11T09:00", "2026-12-12T10:00").await;
    let r = made.reservation;
    assert_eq!(r.ends_at, jst("2026-12-14 08:30"));
    assert_eq!(r.asked_ends_at, Some(jst("2026-12-12 10:00")));
    assert!(made.notice.contains("閉庁時間"), "{}", made.notice);
    assert!(made.notice.contains("12月14日"), "{}", made.notice);
}

async fn extending_rechecks_conflicts_and_cancelling_frees_units(d: &Desk) {
    let loans = d.helpdesk.loans();
    item(d, "camera", "書画カメラ", ItemKind::Device, 1).await;
    let first = reserve(d, "camera", 1, "2026-12-15", "2026-12-16")
        .await
        .reservation;
    let second = reserve(d, "camera", 1, "2026-12-17", "2026-12-18")
        .await
        .reservation;
    let extend = |to: &str| LoanAction::Extend { to: when(to) };
    let before = snapshot(d).await;
    let err = loans
        .act(first.id, OPERATOR, extend("2026-12-17"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, LoanError::Unavailable { available: 0 }),
        "{err:?}"
    );
    assert_eq!(snapshot(d).await, before);
    loans
        .act(second.id, OPERATOR, LoanAction::Cancel { reason: None })
        .await
        .unwrap();
    let r = loans
        .act(first.id, OPERATOR, extend("2026-12-17"))
        .await
        .unwrap();
    assert_eq!(r.ends_at, jst("2026-12-17 17:15"));
    assert_eq!(r.status, ReservationStatus::Pending);
}

async fn bad_input_is_refused_and_changes_nothing(d: &Desk) {
    let loans = d.helpdesk.loans();
    let pending = reserve(d, "training-pc", 1, "2026-12-21", "2026-12-22")
        .await
        .reservation;
    let before = snapshot(d).await;
    let cases = [
        (asking("training-pc", 1, "2026-11-20", "2026-11-27"), "過去"),
        (
            asking("training-pc", 1, "2026-12-10T15:00", "2026-12-10T10:00"),
            "後に",
        ),
        (
            asking("training-pc", 1, "2026-12-01", "2026-12-25"),
            "14日まで",
        ),
        (asking("training-pc", 0, "2026-12-10", "2026-12-11"), "数量"),
        (
            asking("training-pc", 31, "2026-12-10", "2026-12-11"),
            "数量",
        ),
        (
            asking("no-such-item", 1, "2026-12-10", "2026-12-11"),
            "ありません",
        ),
        (
            asking("training-pc", 1, "2026-12-12T10:00", "2026-12-14T10:00"),
            "開庁時間",
        ),
    ];
    for (request, expected) in cases {
        let err = loans.reserve(&request).await.unwrap_err();
        assert!(err.to_string().contains(expected), "{expected}: {err}");
    }
    let mut stranger = asking("training-pc", 1, "2026-12-10", "2026-12-11");
    stranger.requester = "99999".into();
    assert!(matches!(
        loans.reserve(&stranger).await.unwrap_err(),
        LoanError::UnknownRequester(_)
    ));
    let mut no_purpose = asking("training-pc", 1, "2026-12-10", "2026-12-11");
    no_purpose.purpose = "  ".into();
    assert!(loans
        .reserve(&no_purpose)
        .await
        .unwrap_err()
        .to_string()
        .contains("purpose"));
    // Checkout before approval, return of what is not out, an unknown operator.
    let checkout = LoanAction::Checkout(Checkout {
        asset_numbers: vec!["PC-0009".into()],
        condition: "良好".into(),
        settings_done: None,
    });
    let err = loans.act(pending.id, OPERATOR, checkout).await.unwrap_err();
    assert_eq!(err.to_string(), "申請中の予約は貸出できません。");
    let back = LoanAction::Return(ReturnNote {
        condition: "良好".into(),
        damage: None,
    });
    assert!(matches!(
        loans.act(pending.id, OPERATOR, back).await.unwrap_err(),
        LoanError::NotAllowed(_)
    ));
    assert!(matches!(
        loans
            .act(pending.id, "nobody", LoanAction::Approve)
            .await
            .unwrap_err(),
        LoanError::UnknownOperator(_)
    ));
    assert!(matches!(
        loans
            .act(999_999, OPERATOR, LoanAction::Approve)
            .await
            .unwrap_err(),
        LoanError::NoSuchReservation(999_999)
    ));
    let reject = LoanAction::Reject { reason: " ".into() };
    assert!(loans
        .act(pending.id, OPERATOR, reject)
        .await
        .unwrap_err()
        .to_string()
        .contains("reason"));
    assert_eq!(snapshot(d).await, before);
}

#[tokio::test]
async fn the_nearest_free_period_spans_the_same_business_days_and_never_ends_on_a_weekend() {
    let d = request_desk(None).await;
    item(&d, "projector-b", "プロジェクターB", ItemKind::Device, 1).await;
    // Thursday 12-10 is taken.
    reserve(&d, "projector-b", 1, "2026-12-10T08:30", "2026-12-10T17:15").await;
    let loans = d.helpdesk.loans();
    // Wednesday morning to Thursday evening (two business days) is refused ...
    let (projector, asked) = loans
        .period(
            "projector-b",
            when("2026-12-09T08:30"),
            when("2026-12-10T17:15"),
        )
        .await
        .unwrap();
    assert_eq!(loans.available(&projector, &asked).await.unwrap(), 0);
    // ... and the alternative is Friday morning to Monday evening: two business days,
    // not Friday to Saturday 17:15 (a return the office could not take).
    let later = loans
        .nearest_free(&projector, &asked, 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (later.from, later.to),
        (jst("2026-12-11 08:30"), jst("2026-12-14 17:15"))
    );
    // It is what the reservation itself would be.
    let (_, resolved) = loans
        .period(
            "projector-b",
            when("2026-12-11T08:30"),
            when("2026-12-14T17:15"),
        )
        .await
        .unwrap();
    assert_eq!((resolved.from, resolved.to), (later.from, later.to));
}

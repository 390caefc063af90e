//! The loans pages: today's list and the month calendar show a reservation made through
//! the service; a bad month is a clear 400 that changes nothing; viewers read.

use axum::http::StatusCode;
use madoguchi::accounts::Role;
use madoguchi::domain::{Channel, ItemKind};
use madoguchi::loans::{LoanAction, NewItem, ReservationRequest, When};
use madoguchi::storage::sql;

use crate::helpers::{desk, Desk};
use crate::support::{account, Browser};

/// A projector, reserved by 沼津 太郎 from this afternoon (2026-11-26) and approved.
async fn with_reservation(d: &Desk) -> i64 {
    let loans = d.helpdesk.loans();
    let item = NewItem {
        id: "projector".into(),
        name: "プロジェクター".into(),
        kind: ItemKind::Device,
        quantity: 1,
        max_days: None,
    };
    loans.create_item(&item, "test").await.unwrap();
    let request = ReservationRequest {
        item: "projector".into(),
        quantity: 1,
        from: When::parse("from", "2026-11-26 13:00").unwrap(),
        to: When::parse("to", "2026-11-27 15:00").unwrap(),
        requester: "10001".into(),
        purpose: "新規採用職員研修".into(),
        channel: Channel::Api,
        conversation_id: None,
        actor: "10001".into(),
    };
    let id = loans.reserve(&request).await.unwrap().reservation.id;
    loans.act(id, "op", LoanAction::Approve).await.unwrap();
    id
}

async fn rows(d: &Desk) -> i64 {
    sql("SELECT (SELECT COUNT(*) FROM reservations) + (SELECT COUNT(*) FROM audit_log)")
        .scalar(&mut d.helpdesk.store().conn())
        .await
        .unwrap()
}

#[tokio::test]
async fn today_lists_the_pickup_and_the_calendar_shows_the_reservation() {
    let d = desk().await;
    account(&d, "op", "窓口 一郎", Role::Operator).await;
    with_reservation(&d).await;
    let op = Browser::sign_in(&d, "op").await;

    let today = op.get(&d, "/operator/loans").await;
    assert_eq!(today.status, StatusCode::OK);
    assert!(
        today.body.contains("aria-current=\"page\">貸出"),
        "{}",
        today.body
    );
    assert!(today.body.contains("2026-11-26"));
    assert!(today.body.contains("task-pickup") && today.body.contains("プロジェクター"));
    assert!(today.body.contains("沼津 太郎"), "{}", today.body);

    let month = op
        .get(&d, "/operator/loans/calendar?item=projector&month=2026-11")
        .await;
    assert_eq!(month.status, StatusCode::OK);
    let b = &month.body;
    assert!(
        b.contains("<caption id=\"calendar-caption\">2026年11月の予約</caption>"),
        "{b}"
    );
    assert_eq!(b.matches("<th scope=\"col\"").count(), 7);
    let day = |date: &str| {
        let at = b.find(&format!("id=\"day-{date}\"")).expect(date);
        b[at..at + b[at..].find("</td>").unwrap()].to_owned()
    };
    assert!(day("2026-11-26").contains("プロジェクター") && day("2026-11-26").contains("承認"));
    assert!(day("2026-11-27").contains("プロジェクター"));
    assert!(!day("2026-11-25").contains("プロジェクター"));
    assert!(b.contains("month=2026-10") && b.contains("month=2026-12"));

    let all = op.get(&d, "/operator/loans/calendar").await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(all.body.contains("2026年11月") && all.body.contains("プロジェクター"));
    let december = op.get(&d, "/operator/loans/calendar?month=2026-12").await;
    assert!(!december.body.contains("沼津 太郎"));
}

#[tokio::test]
async fn a_bad_month_or_item_is_a_clear_400_and_changes_nothing() {
    let d = desk().await;
    account(&d, "op", "窓口 一郎", Role::Operator).await;
    with_reservation(&d).await;
    let op = Browser::sign_in(&d, "op").await;
    let before = rows(&d).await;
    let bad = op.get(&d, "/operator/loans/calendar?month=2026-13").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("YYYY-MM"), "{}", bad.body);
    let unknown = op.get(&d, "/operator/loans/calendar?item=nothing").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(rows(&d).await, before);
}

#[tokio::test]
async fn viewers_read_the_loan_pages() {
    let d = desk().await;
    account(&d, "op", "窓口 一郎", Role::Operator).await;
    account(&d, "viewer", "閲覧 花子", Role::Viewer).await;
    with_reservation(&d).await;
    let viewer = Browser::sign_in(&d, "viewer").await;
    let today = viewer.get(&d, "/operator/loans").await;
    assert_eq!(today.status, StatusCode::OK);
    assert!(today.body.contains("プロジェクター"));
    let month = viewer
        .get(&d, "/operator/loans/calendar?month=2026-11")
        .await;
    assert_eq!(month.status, StatusCode::OK);
    assert!(month.body.contains("プロジェクター"));
}

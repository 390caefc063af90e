//! The iCalendar feed behind a revocable token: parsed by an iCalendar parser (the
//! `icalendar` crate), with UTC times, a cancelled reservation as STATUS:CANCELLED, CRLF
//! line endings and lines of at most 75 octets; a revoked or unknown token is 404.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use icalendar::{Calendar, CalendarComponent, Component, DatePerhapsTime, EventStatus};
use madoguchi::domain::ItemKind;
use madoguchi::loans::LoanAction;
use serde_json::json;
use tower::ServiceExt;

use crate::helpers::{jst, operator_post, Desk};
use crate::request_support::request_desk;
use crate::support::{item, reserve, OPERATOR};

async fn fetch(d: &Desk, path: &str) -> (StatusCode, String) {
    let response = madoguchi::http::app(d.helpdesk.clone())
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

#[tokio::test]
async fn the_feed_is_valid_icalendar_and_a_revoked_token_is_refused() {
    let d = request_desk(None).await;
    let loans = d.helpdesk.loans();
    item(
        &d,
        "training-pc",
        "研修用端末（第二庁舎3階研修室に常設、貸出時は台車で搬出）",
        ItemKind::Pool,
        30,
    )
    .await;
    item(&d, "projector", "プロジェクター", ItemKind::Device, 1).await;
    let kept = reserve(&d, "training-pc", 3, "2026-12-10", "2026-12-11")
        .await
        .reservation;
    let dropped = reserve(&d, "training-pc", 2, "2026-12-15", "2026-12-15")
        .await
        .reservation;
    reserve(&d, "projector", 1, "2026-12-10", "2026-12-10").await;
    loans
        .act(kept.id, OPERATOR, LoanAction::Approve)
        .await
        .unwrap();
    loans
        .act(dropped.id, OPERATOR, LoanAction::Cancel { reason: None })
        .await
        .unwrap();

    let (status, body) = d
        .http(operator_post(
            "/api/v1/calendar-feeds",
            &json!({"operator": OPERATOR, "item": "training-pc"}),
        ))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let path = body["path"].as_str().unwrap().to_owned();
    let (status, ics) = fetch(&d, &path).await;
    assert_eq!(status, StatusCode::OK, "{ics}");
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    assert!(!ics.replace("\r\n", "").contains('\n'), "bare LF in {ics}");
    assert!(ics.split("\r\n").all(|line| line.len() <= 75), "{ics}");
    assert!(ics.contains("\r\n "), "a long SUMMARY is folded: {ics}");

    let calendar: Calendar = ics.parse().unwrap();
    let events: Vec<_> = calendar
        .components
        .iter()
        .filter_map(|c| match c {
            CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 2, "only the training PCs: {ics}");
    let first = events[0];
    assert_eq!(
        first.get_uid(),
        Some(format!("reservation-{}@madoguchi", kept.id).as_str())
    );
    assert_eq!(
        first.get_start(),
        Some(DatePerhapsTime::DateTime(jst("2026-12-10 08:30").into()))
    );
    assert_eq!(
        first.get_end(),
        Some(DatePerhapsTime::DateTime(jst("2026-12-11 17:15").into()))
    );
    assert!(first.get_summary().unwrap().contains("研修用端末"));
    assert!(first.get_timestamp().is_some());
    assert_eq!(first.get_status(), Some(EventStatus::Confirmed));
    assert_eq!(events[1].get_status(), Some(EventStatus::Cancelled));

    // Revoked: the same URL is refused, and so is a made-up one.
    let id = body["id"].as_i64().unwrap();
    let (status, _) = d
        .http(operator_post(
            &format!("/api/v1/calendar-feeds/{id}/revoke"),
            &json!({"operator": OPERATOR}),
        ))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(fetch(&d, &path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        fetch(&d, "/calendar/0123abcd.ics").await.0,
        StatusCode::NOT_FOUND
    );
    let (status, body) = d
        .http(operator_post(
            &format!("/api/v1/calendar-feeds/{id}/revoke"),
            &json!({"operator": OPERATOR}),
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

//! The records page: operators log work, record a virus incident (queued to the city's
//! contact) and move stock; bad input is refused with a reason and changes nothing;
//! viewers only read; a form without the CSRF token is refused.

use axum::http::StatusCode;
use madoguchi::accounts::Role;
use madoguchi::storage::sql;

use crate::helpers::{desk, desk_with};
use crate::support::{account, form, send, Browser};

async fn rows(d: &crate::helpers::Desk, table: &'static str) -> i64 {
    let query = match table {
        "work_log" => "SELECT COUNT(*) FROM work_log",
        "virus_incidents" => "SELECT COUNT(*) FROM virus_incidents",
        "stock_moves" => "SELECT COUNT(*) FROM stock_moves",
        _ => "SELECT COUNT(*) FROM outbox",
    };
    sql(query)
        .scalar(&mut d.helpdesk.store().conn())
        .await
        .unwrap()
}

#[tokio::test]
async fn an_operator_logs_work_records_an_incident_and_moves_stock() {
    let d = desk_with(|s| s.ledgers.city_contact.logochat_room = Some("room-ict".into())).await;
    account(&d, "op", "窓口 一郎", Role::Operator).await;
    let op = Browser::sign_in(&d, "op").await;
    let logged = op
        .post(
            &d,
            "/operator/records/work",
            &[
                ("kind", "サーバ再起動"),
                ("description", "ファイルサーバ"),
                ("done_at", ""),
            ],
        )
        .await;
    assert_eq!(logged.status, StatusCode::SEE_OTHER, "{}", logged.body);
    let incident = op
        .post(
            &d,
            "/operator/records/incidents",
            &[
                ("occurred_at", "2026-11-26T09:30"),
                ("device", "K012-PC001"),
                ("detection_name", "EICAR-Test-File"),
                ("found_by", "ウイルス対策ソフトの検知"),
                ("isolated", "1"),
            ],
        )
        .await;
    assert_eq!(incident.status, StatusCode::SEE_OTHER, "{}", incident.body);
    assert_eq!(
        rows(&d, "outbox").await,
        1,
        "the city's room is told at once"
    );
    let item = op
        .post(
            &d,
            "/operator/records/stock",
            &[("kind", "hub"), ("name", "HUB 8ポート"), ("threshold", "2")],
        )
        .await;
    assert_eq!(item.status, StatusCode::SEE_OTHER, "{}", item.body);
    let id: i64 = sql("SELECT id FROM stock_items")
        .scalar(&mut d.helpdesk.store().conn())
        .await
        .unwrap();
    let moved = op
        .post(
            &d,
            &format!("/operator/records/stock/{id}"),
            &[("delta", "5"), ("reason", "納品")],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    let page = op.get(&d, "/operator/records").await;
    assert_eq!(page.status, StatusCode::OK);
    for shown in [
        "サーバ再起動",
        "EICAR-Test-File",
        "11/26 09:30",
        "HUB 8ポート",
        "市担当者（LoGoチャット）",
    ] {
        assert!(page.body.contains(shown), "{shown} missing");
    }
}

#[tokio::test]
async fn bad_records_are_refused_with_a_reason_and_change_nothing() {
    let d = desk().await;
    account(&d, "op", "窓口 一郎", Role::Operator).await;
    account(&d, "viewer", "閲覧 花子", Role::Viewer).await;
    let op = Browser::sign_in(&d, "op").await;
    for (uri, fields) in [
        (
            "/operator/records/work",
            vec![("kind", "パッチ適用"), ("description", " ")],
        ),
        (
            "/operator/records/work",
            vec![
                ("kind", "パッチ適用"),
                ("description", "x"),
                ("done_at", "昨日"),
            ],
        ),
        (
            "/operator/records/incidents",
            vec![("device", "PC"), ("detection_name", ""), ("found_by", "x")],
        ),
        (
            "/operator/records/stock",
            vec![("kind", "cable"), ("name", "x"), ("threshold", "1")],
        ),
        (
            "/operator/records/stock",
            vec![("kind", "hub"), ("name", "x"), ("threshold", "many")],
        ),
    ] {
        let refused = op.post(&d, uri, &fields).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{uri} {fields:?}");
        assert!(refused.body.contains("role=\"alert\""), "a reason is shown");
    }
    let unknown = op
        .post(
            &d,
            "/operator/records/stock/99",
            &[("delta", "1"), ("reason", "x")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let no_token = send(
        &d,
        form(
            "/operator/records/work",
            &op.cookie,
            &[("kind", "a"), ("description", "b")],
        ),
    )
    .await;
    assert_ne!(no_token.status, StatusCode::SEE_OTHER);
    let viewer = Browser::sign_in(&d, "viewer").await;
    let forbidden = viewer
        .post(
            &d,
            "/operator/records/work",
            &[("kind", "a"), ("description", "b")],
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    for table in ["work_log", "virus_incidents", "stock_moves", "outbox"] {
        assert_eq!(rows(&d, table).await, 0, "{table}");
    }
}

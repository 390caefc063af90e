//! The outages pages: an operator declares an outage for メール, a staff member's
//! question is linked to it, the operator writes the timeline, replies to everyone and
//! closes it (each linked LoGoチャット conversation gets one outbox item per message);
//! bad input is refused with a reason and changes nothing; viewers only read the list; a
//! form without the CSRF token is refused; every action and view of the page is audited.

use axum::http::StatusCode;
use madoguchi::accounts::Role;
use madoguchi::storage::sql;

use crate::helpers::{desk, Desk};
use crate::support::{account, form, send, Browser};

async fn rows(d: &Desk, table: &'static str) -> i64 {
    let query = match table {
        "outages" => "SELECT COUNT(*) FROM outages",
        "outage_timeline" => "SELECT COUNT(*) FROM outage_timeline",
        "audit_log" => "SELECT COUNT(*) FROM audit_log WHERE object_kind = 'outage'",
        _ => "SELECT COUNT(*) FROM outbox",
    };
    sql(query)
        .scalar(&mut d.helpdesk.store().conn())
        .await
        .unwrap()
}

async fn all_rows(d: &Desk) -> Vec<i64> {
    let mut all = Vec::new();
    for table in ["outages", "outage_timeline", "audit_log", "outbox"] {
        all.push(rows(d, table).await);
    }
    all
}

#[tokio::test]
async fn an_operator_declares_replies_to_everyone_and_closes_an_outage() {
    let d = desk().await;
    account(&d, "op", "窓口 一郎", Role::Operator).await;
    let op = Browser::sign_in(&d, "op").await;
    let declared = op
        .post(
            &d,
            "/operator/outages",
            &[
                ("title", "メールサーバ障害"),
                ("systems", "メール、Outlook"),
                ("network", "lgwan"),
                ("place", "本庁舎"),
                ("since", "2026-11-26T09:40"),
                ("vendor", "○○通信"),
                ("vendor_ticket", "INC-4711"),
            ],
        )
        .await;
    assert_eq!(declared.status, StatusCode::SEE_OTHER, "{}", declared.body);
    let at = declared.location.clone().unwrap();
    assert_eq!(at, "/operator/outages/1");

    let said = d.logo("room-mail", "メールが送れない").await;
    assert!(
        said.replies[0]
            .text
            .starts_with("現在、メール・Outlookで障害が発生しています"),
        "{:?}",
        said.replies
    );
    let page = op.get(&d, &at).await;
    assert_eq!(page.status, StatusCode::OK);
    for shown in [
        "メールサーバ障害",
        "LGWAN接続系",
        "本庁舎",
        "2026-11-26 09:40",
        "INC-4711",
        "沼津 太郎",
        "1件",
    ] {
        assert!(page.body.contains(shown), "{shown} missing");
    }

    let noted = op
        .post(&d, &format!("{at}/note"), &[("text", "業者到着")])
        .await;
    assert_eq!(noted.status, StatusCode::SEE_OTHER, "{}", noted.body);
    let replied = op
        .post(&d, &format!("{at}/reply"), &[("text", "再起動しています")])
        .await;
    assert_eq!(replied.status, StatusCode::SEE_OTHER, "{}", replied.body);
    assert_eq!(
        rows(&d, "outbox").await,
        1,
        "one message to the one linked room"
    );
    let closed = op
        .post(
            &d,
            &format!("{at}/close"),
            &[
                ("cause", "ディスク故障"),
                ("measures", "ディスク交換、監視追加"),
            ],
        )
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    assert_eq!(rows(&d, "outbox").await, 2);
    let items = d.helpdesk.store().outbox(None, 1).await.unwrap();
    let text = items[0].delivery().unwrap().text;
    assert!(
        text.starts_with("メール・Outlookの障害は復旧しました"),
        "{text}"
    );

    // Closing again: refused with a reason, nothing sent.
    let again = op.post(&d, &format!("{at}/close"), &[]).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("role=\"alert\""));
    assert_eq!(rows(&d, "outbox").await, 2);

    let list = op.get(&d, "/operator/outages").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("復旧"), "{}", list.body);
    let audited: Vec<String> = sql(
        "SELECT action FROM audit_log WHERE object_kind = 'outage' AND action <> 'outage.view' ORDER BY id",
    )
    .scalars(&mut d.helpdesk.store().conn())
    .await
    .unwrap();
    assert_eq!(
        audited,
        [
            "outage.declare",
            "outage.note",
            "outage.reply_all",
            "outage.close"
        ]
    );
}

#[tokio::test]
async fn bad_outages_are_refused_and_change_nothing() {
    let d = desk().await;
    account(&d, "op", "窓口 一郎", Role::Operator).await;
    account(&d, "viewer", "閲覧 花子", Role::Viewer).await;
    let op = Browser::sign_in(&d, "op").await;
    let before = all_rows(&d).await;
    for fields in [
        vec![("title", " "), ("systems", "メール")],
        vec![("title", "メール障害"), ("systems", " 、 ")],
        vec![
            ("title", "メール障害"),
            ("systems", "メール"),
            ("network", "lan"),
        ],
        vec![
            ("title", "メール障害"),
            ("systems", "メール"),
            ("since", "昨日"),
        ],
    ] {
        let refused = op.post(&d, "/operator/outages", &fields).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{fields:?}");
        assert!(refused.body.contains("role=\"alert\""), "a reason is shown");
    }
    let unknown = op
        .post(&d, "/operator/outages/99/note", &[("text", "x")])
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let no_token = send(
        &d,
        form(
            "/operator/outages",
            &op.cookie,
            &[("title", "a"), ("systems", "b")],
        ),
    )
    .await;
    assert_ne!(no_token.status, StatusCode::SEE_OTHER);
    let viewer = Browser::sign_in(&d, "viewer").await;
    assert_eq!(
        viewer.get(&d, "/operator/outages").await.status,
        StatusCode::OK
    );
    let forbidden = viewer
        .post(&d, "/operator/outages", &[("title", "a"), ("systems", "b")])
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_eq!(all_rows(&d).await, before);
    assert_eq!(
        viewer.get(&d, "/operator/outages/1").await.status,
        StatusCode::FORBIDDEN
    );
}

//! The dashboard page: today's and this month's counts, the queue now, and the
//! auto-answer rate by day as an inline SVG chart with a table of the same days, on the
//! desk's fixed clock.

use axum::http::StatusCode;
use chrono::Duration;
use madoguchi::accounts::Role;
use madoguchi::calendar::{format_date_ja, to_local};
use madoguchi::learning::{chart, DayCounts, CHART_DAYS};

use crate::helpers::{desk, said, ticket_in};
use crate::support::{account, Browser};

#[tokio::test]
async fn the_dashboard_shows_todays_counts_the_queue_and_thirty_days_to_any_role() {
    let d = desk().await;
    let now = d.helpdesk.now();
    account(&d, "viewer", "閲覧 次郎", Role::Viewer).await;
    let answered = d.logo("room-1", "ＶＰＮつながらない").await;
    assert!(answered.replies[0].faq_id.is_some());
    d.logo("room-2", "朝来たらパソコンがウンともスンとも言わない")
        .await;
    ticket_in(&said(&d.logo("room-2", "はい").await));

    let viewer = Browser::sign_in(&d, "viewer").await;
    let page = viewer.get(&d, "/operator/dashboard").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    assert!(body.contains(&format_date_ja(to_local(now).date())));
    for period in ["今日", "今月"] {
        let row = format!(
            "<th scope=\"row\">{period}</th><td>2件</td><td>1件</td><td>50%</td><td>1件</td>"
        );
        assert!(body.contains(&row), "{row} missing: {body}");
    }
    assert!(body.contains("<strong id=\"open-tickets\">1件</strong>"));
    assert!(body.contains("href=\"/operator?overdue=1\""));
    assert!(body.contains("<strong id=\"overdue-tickets\">0件</strong>"));
    assert!(body.contains("aria-current=\"page\">ダッシュボード</a>"));

    // The chart inline, and the same days as a table.
    assert_eq!(body.matches("<svg").count(), 1);
    assert!(body.contains("aria-labelledby=\"answer-rate-title answer-rate-desc\""));
    assert_eq!(body.matches("<g><title>").count(), CHART_DAYS);
    let table = &body[body.find("id=\"by-day\"").expect("the table")..];
    assert_eq!(table.matches("<th scope=\"row\">").count(), CHART_DAYS);
    let today = format!(
        "<th scope=\"row\">{}</th><td>2</td><td>1</td><td>50%</td>",
        format_date_ja(to_local(now).date())
    );
    assert!(table.contains(&today), "{today} missing: {table}");
    assert!(!body.contains("style="), "the CSP forbids inline styles");
    assert!(!body.contains("<script>"), "nor inline scripts");

    // A week later: nothing asked today, and the open ticket is overdue.
    d.clock.set(now + Duration::days(7));
    let viewer = Browser::sign_in(&d, "viewer").await;
    let later = viewer.get(&d, "/operator/dashboard").await;
    assert_eq!(later.status, StatusCode::OK);
    assert!(later
        .body
        .contains("<strong id=\"overdue-tickets\">1件</strong>"));
    assert!(later
        .body
        .contains("<th scope=\"row\">今日</th><td>0件</td><td>0件</td><td>-</td><td>0件</td>"));
}

#[tokio::test]
async fn the_dashboard_counts_pending_proposals() {
    let d = desk().await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    d.logo("room-1", "朝来たらパソコンがウンともスンとも言わない")
        .await;
    let ticket = ticket_in(&said(&d.logo("room-1", "はい").await));
    let operator = Browser::sign_in(&d, "yamada").await;
    let resolve = format!("/operator/tickets/{ticket}/resolve");
    operator
        .post(&d, &resolve, &[("faq_id", "pc-wont-start")])
        .await;
    let page = operator.get(&d, "/operator/dashboard").await;
    assert!(page
        .body
        .contains("<strong id=\"pending-proposals\">1件</strong>"));
}

/// What the dashboard inserts unescaped (`|safe`) must not let any text out of the SVG.
#[test]
fn a_hostile_chart_title_cannot_break_out_of_the_svg() {
    let days: Vec<DayCounts> = (1..=3)
        .map(|day| DayCounts {
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
            questions: 4,
            answered: 3,
        })
        .collect();
    for title in [
        "</title></svg><script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "' onload='alert(1)",
        "]]><![CDATA[<script>",
        "<!-- --><style>*{}</style>",
        "&lt;already&gt; & more",
    ] {
        for series in [&days[..], &[]] {
            let svg = chart::answer_rate_chart(title, series);
            assert!(svg.starts_with("<svg "), "{title}");
            assert_eq!(svg.matches("</svg>").count(), 1, "{title}: {svg}");
            assert!(svg.ends_with("</svg>"), "{title}");
            for raw in ["<script", "<img", "<style", "<!--", "<![CDATA["] {
                assert!(!svg.contains(raw), "{title}: {raw} in {svg}");
            }
            assert!(!svg.contains("' onload"), "{title}");
            // The only markup is the chart's own: every `<` opens a known SVG element.
            for tag in svg.split('<').skip(1) {
                let name: String = tag
                    .trim_start_matches('/')
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .collect();
                assert!(
                    ["svg", "title", "desc", "text", "g", "rect", "line", "polyline", "circle"]
                        .contains(&name.as_str()),
                    "{title}: <{name}"
                );
            }
            assert_eq!(svg.matches("<title").count(), 1 + series.len(), "{title}");
        }
    }
}

/// A delivery the outbox gave up on: counted for everyone, listed with its kind, where it
/// went, what it said and why it failed for those who work tickets, and 再送 (audited)
/// puts it back in the queue; a viewer can do neither, and a second 再送 is refused.
#[tokio::test]
async fn failed_deliveries_are_listed_by_kind_and_sent_again_from_the_dashboard() {
    use madoguchi::domain::{OutboxKind, OutboxRoute, OutboxStatus};
    use madoguchi::storage::{outbox, sql, Delivery, NewOutboxItem};

    let d = desk().await;
    account(&d, "viewer", "閲覧 次郎", Role::Viewer).await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    let store = d.helpdesk.store();
    let mut tx = store.begin().await.unwrap();
    let item = NewOutboxItem {
        kind: OutboxKind::Escalation,
        route: OutboxRoute::Mail,
        room: "operators".into(),
        recipient: Some("helpdesk@city.example.lg.jp".into()),
        delivery: Delivery {
            text: "本文".into(),
            subject: Some("【ヘルプデスク】#7 プリンターが動かない".into()),
        },
    };
    outbox::push(&mut tx, &item, None).await.unwrap();
    tx.commit().await.unwrap();
    let id: i64 = sql("SELECT MAX(id) FROM outbox")
        .scalar(&mut store.conn())
        .await
        .unwrap();
    sql("UPDATE outbox SET status = $1, attempts = 20, last_error = $2 WHERE id = $3")
        .bind(OutboxStatus::Failed)
        .bind("SMTP: connection refused")
        .bind(id)
        .execute(&mut store.conn())
        .await
        .unwrap();
    let status = || async {
        let s: String = sql("SELECT status FROM outbox WHERE id = $1")
            .bind(id)
            .scalar(&mut d.helpdesk.store().conn())
            .await
            .unwrap();
        s
    };

    // A viewer: the count only, no text, no 再送, and a direct post is refused.
    let viewer = Browser::sign_in(&d, "viewer").await;
    let page = viewer.get(&d, "/operator/dashboard").await;
    assert!(page
        .body
        .contains("<strong id=\"failed-count\">1件</strong>"));
    assert!(!page.body.contains("プリンターが動かない"), "{}", page.body);
    assert!(!page.body.contains("/retry"));
    let refused = viewer
        .post(&d, &format!("/operator/outbox/{id}/retry"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(status().await, "failed");

    // An operator: the row, then 再送.
    let operator = Browser::sign_in(&d, "yamada").await;
    let page = operator.get(&d, "/operator/dashboard").await;
    let table = &page.body[page.body.find("id=\"failed\"").expect("the list")..];
    for shown in [
        "エスカレーションの通知",
        "メール",
        "【ヘルプデスク】#7 プリンターが動かない",
        "20回",
        "SMTP: connection refused",
    ] {
        assert!(table.contains(shown), "{shown} missing: {table}");
    }
    let before = d.helpdesk.store().audit_log(1000).await.unwrap().len();
    let sent = operator
        .post(&d, &format!("/operator/outbox/{id}/retry"), &[])
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert_eq!(status().await, "pending");
    let log = d.helpdesk.store().audit_log(1000).await.unwrap();
    assert_eq!(log.len(), before + 1);
    assert!(log.iter().any(|a| a.action == "outbox.retry"
        && a.actor == "yamada"
        && a.object_id == id.to_string()));
    let page = operator.get(&d, sent.location.as_deref().unwrap()).await;
    assert!(page.body.contains("送信待ちに戻しました"), "{}", page.body);
    assert!(page
        .body
        .contains("<strong id=\"failed-count\">0件</strong>"));
    // Again: refused, nothing changes.
    let again = operator
        .post(&d, &format!("/operator/outbox/{id}/retry"), &[])
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        d.helpdesk.store().audit_log(1000).await.unwrap().len(),
        before + 1
    );
}

//! The queue page: filters, SLA due times, the live rows, paging.

use axum::http::StatusCode;
use chrono::Duration;
use madoguchi::accounts::Role;
use madoguchi::domain::{Channel, Priority};

use crate::helpers::{desk, desk_with, thursday_morning};
use crate::support::{account, escalated, Browser};

#[tokio::test]
async fn an_escalated_question_appears_in_the_queue_with_its_due_time() {
    let d = desk().await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    let id = escalated(&d, "room-1", "庁内の会議室のプロジェクターが映りません").await;
    let browser = Browser::sign_in(&d, "yamada").await;
    let page = browser.get(&d, "/operator").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains(&format!("href=\"/operator/tickets/{id}\"")),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains("庁内の会議室のプロジェクターが映りません"));
    assert!(page.body.contains("新規"));
    assert!(page.body.contains("LoGoチャット"));
    // Opened Thursday 10:00: first response due one business hour later, and it is
    // within the hour, so marked as soon.
    assert!(
        page.body.contains("11月26日(木) 11:00（あと1時間）"),
        "{}",
        page.body
    );
    assert!(page.body.contains("1件"));

    d.clock.set(thursday_morning() + Duration::minutes(90));
    let rows = browser.get(&d, "/operator/queue/rows").await;
    assert_eq!(rows.status, StatusCode::OK);
    assert!(rows.body.contains("class=\"overdue\""), "{}", rows.body);
    assert!(rows.body.contains("30分超過"), "{}", rows.body);
    assert!(rows.body.contains("data-total=\"1\""));
    assert!(
        !rows.body.contains("<html"),
        "the rows come without the layout"
    );
}

#[tokio::test]
async fn filters_narrow_the_queue_by_status_assignee_channel_and_overdue() {
    let d = desk().await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    let first = escalated(&d, "room-1", "プリンターの紙詰まりが直りません").await;
    let second = escalated(&d, "room-2", "共有フォルダに入れません").await;
    let browser = Browser::sign_in(&d, "yamada").await;
    let took = browser
        .post(&d, &format!("/operator/tickets/{second}/take"), &[])
        .await;
    assert_eq!(took.status, StatusCode::SEE_OTHER, "{}", took.body);

    let shows = |body: &str, id: i64| body.contains(&format!("data-id=\"{id}\""));
    let mine = browser.get(&d, "/operator/queue/rows?assignee=me").await;
    assert!(shows(&mine.body, second) && !shows(&mine.body, first));
    let nobody = browser.get(&d, "/operator/queue/rows?assignee=none").await;
    assert!(shows(&nobody.body, first) && !shows(&nobody.body, second));
    let new = browser.get(&d, "/operator/queue/rows?status=new").await;
    assert!(shows(&new.body, first) && !shows(&new.body, second));
    let widget = browser.get(&d, "/operator/queue/rows?channel=widget").await;
    assert!(!shows(&widget.body, first) && !shows(&widget.body, second));
    let logo = browser
        .get(&d, "/operator/queue/rows?channel=logochat")
        .await;
    assert!(shows(&logo.body, first) && shows(&logo.body, second));

    // 90 minutes later only the untaken one has missed its first response.
    d.clock.set(thursday_morning() + Duration::minutes(90));
    let overdue = browser.get(&d, "/operator/queue/rows?overdue=1").await;
    assert!(shows(&overdue.body, first) && !shows(&overdue.body, second));

    let bad = browser.get(&d, "/operator?status=everything").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn priority_and_category_pick_the_sla_targets_from_the_rules() {
    let d = desk_with(|s| {
        s.sla.rules.push(madoguchi::config::SlaRule {
            category: None,
            priority: Some(Priority::High),
            first_response_minutes: 15,
            resolution_minutes: 120,
        })
    })
    .await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    let id = escalated(&d, "room-1", "住民情報システムにログインできません").await;
    let browser = Browser::sign_in(&d, "yamada").await;
    let page = browser
        .post(
            &d,
            &format!("/operator/tickets/{id}/classify"),
            &[("category", "住民情報系"), ("priority", "high")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let ticket = d.helpdesk.store().ticket(id).await.unwrap().unwrap();
    assert_eq!(ticket.priority, Priority::High);
    assert_eq!(ticket.category.as_deref(), Some("住民情報系"));
    // Counted again from when the ticket opened, in office hours: 15 and 120 business
    // minutes, the high-priority rule, not the 60 / 1,050 defaults.
    let opened = madoguchi::calendar::to_local(ticket.opened_at);
    let calendar =
        madoguchi::calendar::BusinessCalendar::new(&d.helpdesk.settings().calendar).unwrap();
    let due = |minutes| {
        Some(madoguchi::calendar::to_utc(
            calendar.add_business_time(opened, Duration::minutes(minutes)),
        ))
    };
    assert_eq!(ticket.first_response_due, due(15));
    assert_eq!(ticket.resolution_due, due(120));
    assert_ne!(due(15), due(60));
    let filtered = browser
        .get(
            &d,
            "/operator/queue/rows?category=%E4%BD%8F%E6%B0%91%E6%83%85%E5%A0%B1%E7%B3%BB",
        )
        .await;
    assert!(filtered.body.contains(&format!("data-id=\"{id}\"")));
    let unknown = browser
        .post(
            &d,
            &format!("/operator/tickets/{id}/classify"),
            &[("category", "x"), ("priority", "urgent")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.body.contains("優先度は 低・中・高 のどれかです。"));
    let unchanged = d.helpdesk.store().ticket(id).await.unwrap().unwrap();
    assert_eq!(unchanged, ticket);
}

#[tokio::test]
async fn the_queue_pages_by_one_hundred() {
    let d = desk().await;
    account(&d, "viewer", "閲覧 次郎", Role::Viewer).await;
    for i in 0..105 {
        let conversation = d
            .helpdesk
            .store()
            .open_conversation(
                &madoguchi::storage::ConversationKey {
                    channel: Channel::Widget,
                    room: format!("r{i}"),
                    user_ref: String::new(),
                },
                &format!("token{i}"),
            )
            .await
            .unwrap();
        d.helpdesk
            .store()
            .open_ticket(&madoguchi::storage::NewTicket::new(
                conversation.id,
                Channel::Widget,
                format!("質問 {i}"),
            ))
            .await
            .unwrap();
    }
    let browser = Browser::sign_in(&d, "viewer").await;
    let first = browser.get(&d, "/operator").await;
    assert_eq!(first.body.matches("data-id=").count(), 100);
    assert!(first.body.contains("1 / 2 ページ"));
    assert!(first.body.contains("105件"));
    let second = browser.get(&d, "/operator?page=2").await;
    assert_eq!(second.body.matches("data-id=").count(), 5);
    assert!(second.body.contains("質問 0<"), "oldest last");
}

#[tokio::test]
async fn a_message_added_to_an_open_ticket_marks_it_until_an_operator_opens_it() {
    let d = desk().await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    let id = escalated(&d, "room-1", "庁内の会議室のプロジェクターが映りません").await;
    let browser = Browser::sign_in(&d, "yamada").await;
    let rows = browser.get(&d, "/operator/queue/rows").await;
    assert!(!rows.body.contains("追記あり"), "{}", rows.body);
    let said = d
        .logo("room-1", "昨日の夕方から隣の席の人も同じ状態です")
        .await;
    assert!(crate::helpers::said(&said).contains(&format!("受付番号 #{id} に追記しました")));
    let rows = browser.get(&d, "/operator/queue/rows").await;
    assert!(rows.body.contains("追記あり"), "{}", rows.body);
    let ticket = browser.get(&d, &format!("/operator/tickets/{id}")).await;
    assert!(ticket
        .body
        .contains("昨日の夕方から隣の席の人も同じ状態です"));
    let rows = browser.get(&d, "/operator/queue/rows").await;
    assert!(!rows.body.contains("追記あり"), "{}", rows.body);
}

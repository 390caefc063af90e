//! The ticket page: who is asking, the transcript, and working the ticket from forms.

use axum::http::StatusCode;
use madoguchi::accounts::Role;
use madoguchi::domain::TicketStatus;

use crate::helpers::desk;
use crate::support::{account, escalated, Browser};

#[tokio::test]
async fn the_ticket_page_shows_the_requester_and_transcript_and_records_who_looked() {
    let d = desk().await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    let id = escalated(&d, "room-1", "ネットワークプリンターが見つかりません").await;
    let browser = Browser::sign_in(&d, "yamada").await;
    let page = browser.get(&d, &format!("/operator/tickets/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for shown in [
        "沼津 太郎",
        "ICT推進課",
        "1234",
        "10001",
        "ネットワークプリンターが見つかりません",
        "担当者と話したい",
        "確認中です",
    ] {
        assert!(page.body.contains(shown), "{shown} missing");
    }
    let log = d.helpdesk.store().audit_log(20).await.unwrap();
    let seen: Vec<_> = log
        .iter()
        .filter(|r| r.actor == "yamada")
        .map(|r| (r.action.as_str(), r.object_id.as_str()))
        .collect();
    assert!(
        seen.contains(&("ticket.view", id.to_string().as_str())),
        "{seen:?}"
    );
    assert!(seen.contains(&("staff.view", "10001")), "{seen:?}");

    let missing = browser.get(&d, "/operator/tickets/9999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_operator_takes_replies_notes_and_resolves_with_an_faq_link() {
    let d = desk().await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    let id = escalated(&d, "room-1", "ネットワークプリンターが見つかりません").await;
    let browser = Browser::sign_in(&d, "yamada").await;
    let url = |action: &str| format!("/operator/tickets/{id}/{action}");

    let take = browser.post(&d, &url("take"), &[]).await;
    assert_eq!(take.status, StatusCode::SEE_OTHER);
    assert_eq!(
        take.location.as_deref(),
        Some(format!("/operator/tickets/{id}").as_str())
    );
    let ticket = d.helpdesk.store().ticket(id).await.unwrap().unwrap();
    assert_eq!(
        (ticket.status, ticket.assignee.as_deref()),
        (TicketStatus::InProgress, Some("yamada"))
    );

    let reply = browser
        .post(
            &d,
            &url("reply"),
            &[("text", "プリンターのIPアドレスを確認します。")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    // The reply goes to the staff member through LoGo (the outbox), signed by name.
    let queued = d.helpdesk.store().outbox(None, 10).await.unwrap();
    assert!(
        queued
            .iter()
            .any(|o| o.payload.contains("プリンターのIPアドレスを確認します。")),
        "{queued:?}"
    );
    let note = browser
        .post(&d, &url("note"), &[("text", "前回も同じ症状（#3）")])
        .await;
    assert_eq!(note.status, StatusCode::SEE_OTHER);
    let empty_note = browser.post(&d, &url("note"), &[("text", "  ")]).await;
    assert_eq!(empty_note.status, StatusCode::BAD_REQUEST);
    assert!(empty_note
        .body
        .contains("メモは1〜4000文字で入力してください。"));

    let page = browser.get(&d, &format!("/operator/tickets/{id}")).await;
    assert!(
        page.body.contains("担当者 山田 花子"),
        "the staff member sees the name"
    );
    assert!(page.body.contains("前回も同じ症状（#3）"));
    assert_eq!(d.helpdesk.store().ticket_notes(id).await.unwrap().len(), 1);

    let unknown = browser
        .post(&d, &url("resolve"), &[("faq_id", "no-such-entry")])
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.body);
    assert_eq!(
        d.helpdesk.store().ticket(id).await.unwrap().unwrap().status,
        TicketStatus::InProgress
    );

    let faq = d.helpdesk.store().list_faqs().await.unwrap()[0].id.clone();
    let resolve = browser.post(&d, &url("resolve"), &[("faq_id", &faq)]).await;
    assert_eq!(resolve.status, StatusCode::SEE_OTHER, "{}", resolve.body);
    let ticket = d.helpdesk.store().ticket(id).await.unwrap().unwrap();
    assert_eq!(
        (ticket.status, ticket.faq_id.as_deref()),
        (TicketStatus::Resolved, Some(faq.as_str()))
    );
    let again = browser.post(&d, &url("reply"), &[("text", "追記")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    let close = browser
        .post(&d, &url("status"), &[("status", "closed")])
        .await;
    assert_eq!(close.status, StatusCode::SEE_OTHER);
    let reopen = browser
        .post(&d, &url("status"), &[("status", "in_progress")])
        .await;
    assert_eq!(
        reopen.status,
        StatusCode::CONFLICT,
        "a closed ticket stays closed"
    );

    let actions: Vec<String> = d
        .helpdesk
        .store()
        .audit_log(50)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.actor == "yamada" && r.object_kind == "ticket" && r.action != "ticket.view")
        .map(|r| r.action)
        .rev()
        .collect();
    assert_eq!(
        actions,
        [
            "ticket.take",
            "ticket.reply",
            "ticket.note",
            "ticket.resolve",
            "ticket.status"
        ]
    );
}

#[tokio::test]
async fn tickets_are_assigned_only_to_people_who_work_tickets() {
    let d = desk().await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    account(&d, "suzuki", "鈴木 一郎", Role::Operator).await;
    account(&d, "viewer", "閲覧 次郎", Role::Viewer).await;
    let id = escalated(&d, "room-1", "メールが送れません").await;
    let browser = Browser::sign_in(&d, "yamada").await;
    let url = format!("/operator/tickets/{id}/assign");
    let ok = browser.post(&d, &url, &[("assignee", "suzuki")]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let ticket = d.helpdesk.store().ticket(id).await.unwrap().unwrap();
    assert_eq!(ticket.assignee.as_deref(), Some("suzuki"));
    for refused in ["viewer", "nobody"] {
        let page = browser.post(&d, &url, &[("assignee", refused)]).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{refused}");
    }
    assert_eq!(
        d.helpdesk.store().ticket(id).await.unwrap().unwrap(),
        ticket
    );
    let hold = browser
        .post(
            &d,
            &format!("/operator/tickets/{id}/status"),
            &[("status", "on_hold")],
        )
        .await;
    assert_eq!(hold.status, StatusCode::SEE_OTHER);
    let bad = browser
        .post(
            &d,
            &format!("/operator/tickets/{id}/status"),
            &[("status", "resolved")],
        )
        .await;
    assert_eq!(
        bad.status,
        StatusCode::CONFLICT,
        "resolving goes through the resolve form"
    );
    assert_eq!(
        d.helpdesk.store().ticket(id).await.unwrap().unwrap().status,
        TicketStatus::OnHold
    );
}

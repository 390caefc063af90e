//! The operator API: take, reply, hand back, resolve; the bot is silent while a person
//! has the conversation; replies reach the staff member's channel.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use madoguchi::domain::TicketStatus;
use serde_json::{json, Value};

use crate::helpers::{
    assert_refused, desk, json_post, operator_post, said, ticket_in, OPERATOR_TOKEN,
};

async fn escalated_widget_ticket(d: &crate::helpers::Desk) -> (String, i64) {
    let (_, first) = d
        .http(json_post(
            "/api/v1/chat",
            &json!({"message_id": "1", "text": "担当者"}),
        ))
        .await;
    let token = first["conversation"].as_str().unwrap().to_owned();
    let (_, done) = d
        .http(json_post(
            "/api/v1/chat",
            &json!({"conversation": token, "message_id": "2", "text": "10001"}),
        ))
        .await;
    (
        token,
        ticket_in(done["messages"][0]["text"].as_str().unwrap()),
    )
}

#[tokio::test]
async fn an_operator_takes_replies_and_resolves_through_the_api() {
    let d = desk().await;
    let (token, id) = escalated_widget_ticket(&d).await;
    let (status, list) = d
        .http(
            Request::get("/api/v1/tickets?status=new")
                .header("authorization", format!("Bearer {OPERATOR_TOKEN}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list[0]["id"], id);

    let act =
        |verb: &str, body: Value| operator_post(&format!("/api/v1/tickets/{id}/{verb}"), &body);
    let (status, taken) = d.http(act("take", json!({"operator": "山田"}))).await;
    assert_eq!(status, StatusCode::OK, "{taken}");
    assert_eq!(taken["ticket"]["status"], "in_progress");
    assert!(taken["sent"][0]["text"].as_str().unwrap().contains("山田"));

    // The bot is silent now: a staff message is stored, not answered.
    let (_, silent) = d
        .http(json_post(
            "/api/v1/chat",
            &json!({"conversation": token, "message_id": "3", "text": "ＶＰＮつながらない"}),
        ))
        .await;
    assert_eq!(silent["messages"], json!([]));

    let (_, replied) = d
        .http(act(
            "reply",
            json!({"operator": "山田", "text": "VPNの設定を確認しました。"}),
        ))
        .await;
    assert_eq!(replied["sent"][0]["author"], "operator");
    assert_eq!(replied["sent"][0]["author_name"], "山田");
    // The widget reads the operator's reply by polling.
    let uri = format!("/api/v1/chat/{token}/messages?after=0");
    let (_, all) = d.http(Request::get(uri).body(Body::empty()).unwrap()).await;
    assert_eq!(all["handler"], "operator");
    assert!(all["messages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["text"] == "VPNの設定を確認しました。"));

    let (_, resolved) = d
        .http(act(
            "resolve",
            json!({"operator": "山田", "faq_id": "telework-cannot-connect-home"}),
        ))
        .await;
    assert_eq!(resolved["ticket"]["status"], "resolved");
    assert_eq!(resolved["ticket"]["faq_id"], "telework-cannot-connect-home");
    // Back to the bot, and no open ticket: a new question is answered.
    let (_, answered) = d
        .http(json_post(
            "/api/v1/chat",
            &json!({"conversation": token, "message_id": "4", "text": "ＶＰＮつながらない"}),
        ))
        .await;
    assert!(answered["messages"][0]["text"]
        .as_str()
        .unwrap()
        .contains("解決しましたか"));
    // Every look at and change to the ticket is in the audit log, oldest first.
    let mut log = d.helpdesk.store().audit_log(50).await.unwrap();
    log.reverse();
    let trail: Vec<(&str, &str)> = log
        .iter()
        .filter(|r| r.object_kind == "ticket" && r.object_id == id.to_string())
        .map(|r| (r.actor.as_str(), r.action.as_str()))
        .collect();
    assert_eq!(
        trail,
        [
            ("山田", "ticket.take"),
            ("山田", "ticket.reply"),
            ("山田", "ticket.resolve"),
        ]
    );
    let (_, _) = d
        .http(
            Request::get(format!("/api/v1/tickets/{id}"))
                .header("authorization", format!("Bearer {OPERATOR_TOKEN}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let newest = &d.helpdesk.store().audit_log(1).await.unwrap()[0];
    assert_eq!(
        (newest.actor.as_str(), newest.action.as_str()),
        ("operator-api", "ticket.view")
    );
    // A resolved ticket takes no more actions.
    let (status, body) = d
        .http(act("reply", json!({"operator": "山田", "text": "追伸"})))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_resolved"))
    );
}

#[tokio::test]
async fn handing_back_lets_the_bot_answer_again() {
    let d = desk().await;
    let taken = d.logo("r1", "担当者").await;
    let id = taken.conversation.ticket_id.unwrap();
    use madoguchi::tickets::OperatorAction;
    d.helpdesk
        .tickets()
        .act(id, "山田", OperatorAction::Take)
        .await
        .unwrap();
    assert!(d.logo("r1", "ＶＰＮつながらない").await.replies.is_empty());
    let (_, sent) = d
        .helpdesk
        .tickets()
        .act(id, "山田", OperatorAction::HandBack)
        .await
        .unwrap();
    assert_eq!(
        sent[0].text,
        d.helpdesk
            .prompts()
            .text(madoguchi::prompts::Prompt::HandedBack)
    );
    let answered = d.logo("r1", "ＶＰＮつながらない").await;
    assert!(said(&answered).contains("解決しましたか"));
}

#[tokio::test]
async fn the_operator_api_refuses_bad_calls_and_changes_nothing() {
    let d = desk().await;
    let (_, id) = escalated_widget_ticket(&d).await;
    let before = d.helpdesk.store().message_count().await.unwrap();
    let path = format!("/api/v1/tickets/{id}/reply");
    let no_token = json_post(&path, &json!({"operator": "山田", "text": "x"}));
    let wrong = Request::post(&path)
        .header("content-type", "application/json")
        .header("authorization", "Bearer nope")
        .body(Body::from(
            json!({"operator": "山田", "text": "x"}).to_string(),
        ))
        .unwrap();
    let cases = vec![
        (no_token, StatusCode::UNAUTHORIZED, "unauthorized"),
        (wrong, StatusCode::UNAUTHORIZED, "unauthorized"),
        (
            operator_post(&path, &json!({"operator": "", "text": "x"})),
            StatusCode::BAD_REQUEST,
            "invalid_operator",
        ),
        (
            operator_post(&path, &json!({"operator": "山田", "text": "  "})),
            StatusCode::BAD_REQUEST,
            "empty_reply",
        ),
        (
            operator_post("/api/v1/tickets/9999/take", &json!({"operator": "山田"})),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            operator_post(
                &format!("/api/v1/tickets/{id}/explode"),
                &json!({"operator": "山田"}),
            ),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            operator_post(
                &format!("/api/v1/tickets/{id}/resolve"),
                &json!({"operator": "山田", "faq_id": "no-such-entry"}),
            ),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            Request::get("/api/v1/tickets?status=done")
                .header("authorization", format!("Bearer {OPERATOR_TOKEN}"))
                .body(Body::empty())
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "invalid_status",
        ),
    ];
    assert_refused(&d, cases).await;
    assert_eq!(d.helpdesk.store().message_count().await.unwrap(), before);
    assert_eq!(
        d.helpdesk.store().ticket(id).await.unwrap().unwrap().status,
        TicketStatus::New
    );
}

#[tokio::test]
async fn overdue_tickets_are_listed_by_their_sla_due_times() {
    let d = desk().await;
    // Opened Thursday 10:00: first response due 11:00, resolution due Monday 10:00.
    let id = d.logo("r1", "担当者").await.conversation.ticket_id.unwrap();
    assert!(overdue_ids(&d).await.is_empty());
    d.clock.set(crate::helpers::jst("2026-11-26 11:30"));
    assert_eq!(overdue_ids(&d).await, [id], "no first response by 11:00");
    use madoguchi::tickets::OperatorAction;
    d.helpdesk
        .tickets()
        .act(id, "山田", OperatorAction::Take)
        .await
        .unwrap();
    assert!(
        overdue_ids(&d).await.is_empty(),
        "answered; resolution not due yet"
    );
    d.clock.set(crate::helpers::jst("2026-11-30 10:30"));
    assert_eq!(overdue_ids(&d).await, [id], "not resolved by Monday 10:00");
    let resolve = OperatorAction::Resolve { faq_id: None };
    d.helpdesk.tickets().act(id, "山田", resolve).await.unwrap();
    assert!(overdue_ids(&d).await.is_empty());
}

/// The ids `GET /api/v1/tickets?overdue=true` lists.
async fn overdue_ids(d: &crate::helpers::Desk) -> Vec<i64> {
    let request = Request::get("/api/v1/tickets?overdue=true")
        .header("authorization", format!("Bearer {OPERATOR_TOKEN}"))
        .body(Body::empty())
        .unwrap();
    let (status, list) = d.http(request).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_bad_ticket_id_or_query_gets_the_json_error_shape() {
    let d = desk().await;
    let get = |uri: &str| {
        Request::get(uri)
            .header("authorization", format!("Bearer {OPERATOR_TOKEN}"))
            .body(Body::empty())
            .unwrap()
    };
    let cases = vec![
        (
            get("/api/v1/tickets/abc"),
            StatusCode::BAD_REQUEST,
            "invalid_path",
        ),
        (
            get("/api/v1/tickets/%FF"),
            StatusCode::BAD_REQUEST,
            "invalid_path",
        ),
        (
            operator_post("/api/v1/tickets/x/take", &json!({"operator": "山田"})),
            StatusCode::BAD_REQUEST,
            "invalid_path",
        ),
        (
            get("/api/v1/tickets?overdue=perhaps"),
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            get("/api/v1/outbox?colour=red"),
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            operator_post("/api/v1/outbox/x/retry", &json!({})),
            StatusCode::BAD_REQUEST,
            "invalid_path",
        ),
    ];
    assert_refused(&d, cases).await;
}

#[tokio::test]
async fn retrying_an_unknown_outbox_item_is_404_and_one_not_failed_is_409() {
    let d = crate::helpers::desk_with(|s| {
        s.logochat.outgoing_url = Some("http://127.0.0.1:9/hook".into());
    })
    .await;
    d.logo("room-1", "ＶＰＮつながらない").await;
    let id = ticket_in(&said(&d.logo("room-1", "担当者と話したい").await));
    let (status, _) = d
        .http(operator_post(
            &format!("/api/v1/tickets/{id}/reply"),
            &json!({"operator": "山田", "text": "確認します。"}),
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let items = d.helpdesk.store().outbox(None, 10).await.unwrap();
    let item = items[0].id;
    // The operator's reply is a message of the conversation; the escalation's notice to
    // the operators' room, another kind.
    assert_eq!(items[0].kind, madoguchi::domain::OutboxKind::Message);
    assert!(
        items
            .iter()
            .all(|i| i.kind != madoguchi::domain::OutboxKind::Notice),
        "every new item records its kind: {items:?}"
    );
    let listing = Request::get("/api/v1/outbox")
        .header("authorization", format!("Bearer {OPERATOR_TOKEN}"))
        .body(Body::empty())
        .unwrap();
    let (_, listed) = d.http(listing).await;
    assert_eq!(listed[0]["kind"], "message", "{listed}");
    // Listing what was sent to whom is audited.
    let audited: i64 =
        madoguchi::storage::sql("SELECT COUNT(*) FROM audit_log WHERE action = 'outbox.view'")
            .scalar(&mut d.helpdesk.store().conn())
            .await
            .unwrap();
    assert_eq!(audited, 1);
    let retry = |id: i64| operator_post(&format!("/api/v1/outbox/{id}/retry"), &json!({}));

    assert_refused(
        &d,
        vec![
            (retry(item + 1000), StatusCode::NOT_FOUND, "not_found"),
            (retry(item), StatusCode::CONFLICT, "not_failed"),
        ],
    )
    .await;
    let now = d.helpdesk.now();
    madoguchi::storage::outbox::mark(
        d.helpdesk.store(),
        item,
        madoguchi::domain::OutboxStatus::Failed,
        now,
        Some("HTTP 503"),
    )
    .await
    .unwrap();
    let (status, _) = d.http(retry(item)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let log = d.helpdesk.store().audit_log(100).await.unwrap();
    assert!(
        log.iter()
            .any(|a| a.action == "outbox.retry" && a.actor == "operator-api"),
        "the API's 再送 is audited too"
    );
    assert_eq!(
        d.helpdesk.store().outbox(None, 10).await.unwrap()[0].status,
        madoguchi::domain::OutboxStatus::Pending
    );
}

//! Operator replies to a LoGo conversation reach the outgoing URL through the outbox,
//! signed when a signing secret is set; a receiver that is down gets them later.

use madoguchi::domain::OutboxStatus;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use madoguchi::config::Secret;
use madoguchi::tickets::OperatorAction;

use crate::helpers::desk_with;

#[derive(Default)]
pub struct Received {
    pub bodies: Vec<serde_json::Value>,
    pub headers: Vec<HeaderMap>,
    /// Answer 503 while true.
    pub down: bool,
    /// Rooms answered with this status instead of 200 (the body is not kept).
    pub refuse: HashMap<String, StatusCode>,
}

/// A local LoGo receiver; returns its URL.
pub async fn receiver(state: Arc<Mutex<Received>>) -> String {
    let app = axum::Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: String| {
            let state = state.clone();
            async move {
                let mut s = state.lock().unwrap();
                if s.down {
                    return StatusCode::SERVICE_UNAVAILABLE;
                }
                let body: serde_json::Value = serde_json::from_str(&body).unwrap();
                if let Some(status) = body["room_id"].as_str().and_then(|r| s.refuse.get(r)) {
                    return *status;
                }
                s.bodies.push(body);
                s.headers.push(headers);
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test]
async fn an_operator_reply_arrives_at_the_outgoing_url_after_the_receiver_recovers() {
    let received = Arc::new(Mutex::new(Received {
        down: true,
        ..Received::default()
    }));
    let url = receiver(received.clone()).await;
    let d = desk_with(|s| {
        s.logochat.outgoing_url = Some(url);
        s.logochat.signing_secret = Some(Secret("k".into()));
        s.outbox.first_delay_ms = 20;
        s.outbox.max_delay_secs = 1;
    })
    .await;
    // The outbox worker's schedule (backoff) is on the clock: let it run on from the
    // test's morning at real speed.
    d.clock.run();
    let worker = tokio::spawn(d.helpdesk.outbox().clone().run(std::future::pending()));
    let id = d
        .logo("room-7", "担当者")
        .await
        .conversation
        .ticket_id
        .unwrap();
    let (_, sent) = d
        .helpdesk
        .tickets()
        .act(id, "山田", OperatorAction::Reply("確認しました。".into()))
        .await
        .unwrap();
    assert_eq!(sent.len(), 1);
    // Down: retried, not lost.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let items = d.helpdesk.store().outbox(None, 10).await.unwrap();
        if items.iter().any(|i| i.attempts >= 2) {
            assert!(items.iter().all(|i| i.status == OutboxStatus::Pending));
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no retries: {items:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    received.lock().unwrap().down = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while received.lock().unwrap().bodies.is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "not delivered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.abort();
    let r = received.lock().unwrap();
    assert_eq!(
        r.bodies[0],
        serde_json::json!({"room_id": "room-7", "user_id": "logo-taro", "text": "確認しました。"})
    );
    let headers = &r.headers[0];
    let timestamp: i64 = headers["x-madoguchi-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let body = serde_json::to_string(&r.bodies[0]).unwrap();
    let expected = madoguchi::channels::logochat::auth::sign("k", timestamp, body.as_bytes());
    assert_eq!(headers["x-madoguchi-signature"], expected.as_str());
    assert!(headers.contains_key("x-madoguchi-delivery"));
}

/// LoGoチャット refuses an item for good (404: the room is gone): the item fails at once,
/// so the room's next item is not kept waiting behind twenty retries, and the reason kept
/// is the status code only. 408, 429 and 5xx (slow, busy or down) are retried, and so are
/// 401 and 403 (the helpdesk's token not accepted: every item would fail alike).
#[tokio::test]
async fn a_4xx_from_logochat_fails_at_once_and_the_room_goes_on_but_408_429_and_5xx_are_retried() {
    use madoguchi::domain::{OutboxKind, OutboxRoute};
    use madoguchi::storage::{outbox as queue, Delivery, NewOutboxItem};

    let received = Arc::new(Mutex::new(Received::default()));
    {
        let mut r = received.lock().unwrap();
        r.refuse.insert("room-gone".into(), StatusCode::NOT_FOUND);
        r.refuse
            .insert("room-slow".into(), StatusCode::REQUEST_TIMEOUT);
        r.refuse
            .insert("room-busy".into(), StatusCode::TOO_MANY_REQUESTS);
        r.refuse.insert("room-down".into(), StatusCode::BAD_GATEWAY);
        r.refuse
            .insert("room-token".into(), StatusCode::UNAUTHORIZED);
        r.refuse.insert("room-denied".into(), StatusCode::FORBIDDEN);
    }
    let url = receiver(received.clone()).await;
    let d = desk_with(|s| s.logochat.outgoing_url = Some(url)).await;
    let push = |room: &'static str, text: &'static str| NewOutboxItem {
        kind: OutboxKind::Message,
        route: OutboxRoute::LogoChat,
        room: room.into(),
        recipient: Some("logo-numazu-taro".into()),
        delivery: Delivery {
            text: text.into(),
            subject: None,
        },
    };
    let mut tx = d.helpdesk.store().begin().await.unwrap();
    for (room, text) in [
        ("room-gone", "沼津 太郎さん、パスワードを初期化しました。"),
        ("room-gone", "二通目"),
        ("room-slow", "遅い"),
        ("room-busy", "混雑"),
        ("room-down", "停止中"),
        ("room-token", "認証"),
        ("room-denied", "拒否"),
    ] {
        queue::push(&mut tx, &push(room, text), None).await.unwrap();
    }
    tx.commit().await.unwrap();

    let outbox = d.helpdesk.outbox().clone();
    assert_eq!(outbox.deliver_due().await.unwrap(), 6, "one item a room");
    let items = d.helpdesk.store().outbox(None, 10).await.unwrap();
    let of = |room: &str| -> Vec<_> { items.iter().filter(|i| i.room == room).collect() };
    let gone = of("room-gone");
    let first = gone.iter().find(|i| i.attempts == 1).unwrap();
    assert_eq!(first.status, OutboxStatus::Failed);
    let reason = first.last_error.as_deref().unwrap();
    assert_eq!(reason, "HTTP 404");
    for (room, code) in [
        ("room-slow", 408),
        ("room-busy", 429),
        ("room-down", 502),
        ("room-token", 401),
        ("room-denied", 403),
    ] {
        let item = of(room)[0];
        assert_eq!(
            (item.status, item.attempts, item.last_error.clone()),
            (OutboxStatus::Pending, 1, Some(format!("HTTP {code}"))),
            "{room}"
        );
    }
    // The room's next item goes ahead at once, and is delivered when the room answers.
    received.lock().unwrap().refuse.remove("room-gone");
    assert_eq!(outbox.deliver_due().await.unwrap(), 1);
    let r = received.lock().unwrap();
    assert_eq!(r.bodies.len(), 1);
    assert_eq!(r.bodies[0]["text"], "二通目");
}

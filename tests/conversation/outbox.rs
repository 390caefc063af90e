//! Operator replies to a LoGo conversation reach the outgoing URL through the outbox,
//! signed when a signing secret is set; a receiver that is down gets them later.

use madoguchi::domain::OutboxStatus;
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
                s.bodies.push(serde_json::from_str(&body).unwrap());
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

//! The widget's chat API: `POST /api/v1/chat`, `GET /api/v1/chat/{token}/messages`.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

use crate::helpers::{desk, desk_with, json_post};

#[tokio::test]
async fn a_conversation_starts_continues_and_reads_back() {
    let d = desk().await;
    let (status, first) = d
        .http(json_post(
            "/api/v1/chat",
            &json!({"message_id": "a1", "text": "ＶＰＮつながらない"}),
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let token = first["conversation"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 32);
    let answer = &first["messages"][0];
    assert_eq!(answer["author"], "bot");
    assert!(answer["html"].as_str().unwrap().contains("<ol>"));
    assert_eq!(
        answer["choices"][1],
        json!({"label": "いいえ", "value": "いいえ"})
    );

    let (_, second) = d
        .http(json_post(
            "/api/v1/chat",
            &json!({"conversation": token, "message_id": "a2", "text": "いいえ"}),
        ))
        .await;
    let choices = second["messages"][0]["choices"].as_array().unwrap();
    assert!(choices.len() >= 2, "{second}");

    // Retried with the same message_id: the same reply, nothing new stored.
    let count = d.helpdesk.store().message_count().await.unwrap();
    let (_, again) = d
        .http(json_post(
            "/api/v1/chat",
            &json!({"conversation": token, "message_id": "a2", "text": "いいえ"}),
        ))
        .await;
    assert_eq!(again["messages"], second["messages"]);
    assert_eq!(d.helpdesk.store().message_count().await.unwrap(), count);

    let uri = format!("/api/v1/chat/{token}/messages?after=0");
    let (status, all) = d.http(Request::get(uri).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let authors: Vec<&str> = all["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["author"].as_str().unwrap())
        .collect();
    assert_eq!(authors, ["staff", "bot", "staff", "bot"]);
    assert_eq!(all["handler"], "bot");
    let last = all["messages"][1]["id"].as_i64().unwrap();
    let uri = format!("/api/v1/chat/{token}/messages?after={last}");
    let (_, rest) = d.http(Request::get(uri).body(Body::empty()).unwrap()).await;
    assert_eq!(rest["messages"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn another_browser_cannot_replay_a_message_id() {
    let d = desk().await;
    let (_, a) = d
        .http(json_post(
            "/api/v1/chat",
            &json!({"message_id": "same", "text": "パスワードを忘れた"}),
        ))
        .await;
    let (_, b) = d
        .http(json_post(
            "/api/v1/chat",
            &json!({"message_id": "same", "text": "こんにちは"}),
        ))
        .await;
    assert_ne!(a["conversation"], b["conversation"]);
    assert!(
        b["messages"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("こんにちは"),
        "{b}"
    );
}

#[tokio::test]
async fn bad_requests_are_refused_and_change_nothing() {
    let d = desk().await;
    let cases = [
        (
            json!({"message_id": "x", "text": "  "}),
            StatusCode::BAD_REQUEST,
            "empty_question",
        ),
        (
            json!({"message_id": "", "text": "VPN"}),
            StatusCode::BAD_REQUEST,
            "invalid_message_id",
        ),
        (
            json!({"message_id": "a b", "text": "VPN"}),
            StatusCode::BAD_REQUEST,
            "invalid_message_id",
        ),
        (
            json!({"text": "VPN"}),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            json!({"message_id": "x", "text": "VPN", "extra": 1}),
            StatusCode::BAD_REQUEST,
            "invalid_json",
        ),
        (
            json!({"message_id": "x", "text": "あ".repeat(2001)}),
            StatusCode::BAD_REQUEST,
            "too_long",
        ),
        (
            json!({"conversation": "0".repeat(32), "message_id": "x", "text": "VPN"}),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            json!({"conversation": "../etc", "message_id": "x", "text": "VPN"}),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (body, status, code) in cases {
        let (got, reply) = d.http(json_post("/api/v1/chat", &body)).await;
        assert_eq!(
            (got, reply["error"]["code"].as_str()),
            (status, Some(code)),
            "{body}"
        );
    }
    let (status, _) = d
        .http(
            Request::get("/api/v1/chat/nope/messages")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(d.helpdesk.store().message_count().await.unwrap(), 0);
}

#[tokio::test]
async fn a_trusted_identity_header_names_the_staff_member_only_when_configured() {
    let request = || {
        Request::post("/api/v1/chat")
            .header("content-type", "application/json")
            .header("x-remote-user", "10001")
            .body(Body::from(
                json!({"message_id": "m", "text": "担当者"}).to_string(),
            ))
            .unwrap()
    };
    // Off by default: the header is ignored and the bot asks for a number.
    let d = desk().await;
    let (_, reply) = d.http(request()).await;
    assert!(
        reply["messages"][0]["text"]
            .as_str()
            .unwrap()
            .contains("職員番号"),
        "{reply}"
    );
    // Configured: the ticket opens at once, for 10001.
    let d = desk_with(|s| s.widget.identity_header = Some("X-Remote-User".into())).await;
    let (_, reply) = d.http(request()).await;
    assert!(
        reply["messages"][0]["text"]
            .as_str()
            .unwrap()
            .contains("受付番号"),
        "{reply}"
    );
    let tickets = d.helpdesk.store().tickets(None, 10).await.unwrap();
    assert_eq!(tickets[0].staff_no.as_deref(), Some("10001"));
}

#[tokio::test]
async fn the_portal_may_call_the_api_from_another_origin() {
    let d =
        desk_with(|s| s.widget.allowed_origins = vec!["https://portal.city.numazu.lg.jp".into()])
            .await;
    let preflight = |origin: &str| {
        Request::options("/api/v1/chat")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .body(Body::empty())
            .unwrap()
    };
    use tower::ServiceExt;
    let app = madoguchi::http::app(d.helpdesk.clone());
    let ok = app
        .clone()
        .oneshot(preflight("https://portal.city.numazu.lg.jp"))
        .await
        .unwrap();
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://portal.city.numazu.lg.jp"
    );
    let other = app
        .oneshot(preflight("https://evil.example"))
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn a_chat_message_not_declared_as_json_is_refused_with_415() {
    let d = desk_with(|s| s.widget.identity_header = Some("X-Remote-User".into())).await;
    let body = json!({"message_id": "m", "text": "担当者"}).to_string();
    // What a form or `fetch` on another site may send without a CORS preflight.
    for content_type in [
        Some("text/plain"),
        Some("text/plain;charset=UTF-8"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let mut request = Request::post("/api/v1/chat").header("x-remote-user", "10001");
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let (status, reply) = d
            .http(request.body(Body::from(body.clone())).unwrap())
            .await;
        assert_eq!(
            (status, reply["error"]["code"].as_str()),
            (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Some("unsupported_media_type")
            ),
            "{content_type:?}: {reply}"
        );
    }
    assert_eq!(d.helpdesk.store().message_count().await.unwrap(), 0);
    assert!(d
        .helpdesk
        .store()
        .tickets(None, 10)
        .await
        .unwrap()
        .is_empty());

    let declared = Request::post("/api/v1/chat")
        .header("content-type", "Application/JSON; charset=utf-8")
        .body(Body::from(body))
        .unwrap();
    assert_eq!(d.http(declared).await.0, StatusCode::OK);
}

#[tokio::test]
async fn with_allowed_origins_a_page_elsewhere_cannot_post_in_a_staff_members_name() {
    let d = desk_with(|s| {
        s.widget.identity_header = Some("X-Remote-User".into());
        s.widget.allowed_origins = vec!["https://portal.city.numazu.lg.jp".into()];
    })
    .await;
    let post = |origin: Option<&str>, id: &str| {
        let mut request = Request::post("/api/v1/chat")
            .header("content-type", "application/json")
            .header("x-remote-user", "10001");
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request
            .body(Body::from(
                json!({"message_id": id, "text": "担当者"}).to_string(),
            ))
            .unwrap()
    };
    for (i, origin) in [
        "https://evil.example",
        "null",
        "http://portal.city.numazu.lg.jp",
    ]
    .into_iter()
    .enumerate()
    {
        let (status, reply) = d.http(post(Some(origin), &format!("e{i}"))).await;
        assert_eq!(
            (status, reply["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden_origin")),
            "{origin}: {reply}"
        );
        assert!(!reply["error"]["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(d.helpdesk.store().message_count().await.unwrap(), 0);
    assert!(d
        .helpdesk
        .store()
        .tickets(None, 10)
        .await
        .unwrap()
        .is_empty());

    // The portal itself, and a client that is not a web page, may.
    let (status, from_portal) = d
        .http(post(Some("https://portal.city.numazu.lg.jp"), "p1"))
        .await;
    assert_eq!(status, StatusCode::OK, "{from_portal}");
    let (status, _) = d.http(post(None, "p2")).await;
    assert_eq!(status, StatusCode::OK);
    // Reading is left to CORS: the transcript is not sent to the other site's page anyway.
    let token = from_portal["conversation"].as_str().unwrap();
    let read = Request::get(format!("/api/v1/chat/{token}/messages"))
        .header("origin", "https://evil.example")
        .body(Body::empty())
        .unwrap();
    use tower::ServiceExt;
    let response = madoguchi::http::app(d.helpdesk.clone())
        .oneshot(read)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

#[tokio::test]
async fn a_bad_path_segment_or_query_value_gets_the_json_error_shape() {
    let d = desk().await;
    let (_, first) = d
        .http(json_post(
            "/api/v1/chat",
            &json!({"message_id": "a1", "text": "ＶＰＮつながらない"}),
        ))
        .await;
    let token = first["conversation"].as_str().unwrap().to_owned();
    let cases = [
        (
            format!("/api/v1/chat/{token}/messages?after=x"),
            "invalid_query",
        ),
        (
            format!("/api/v1/chat/{token}/messages?after=1&colour=red"),
            "invalid_query",
        ),
        ("/api/v1/chat/%FF%FE/messages".to_owned(), "invalid_path"),
    ];
    for (uri, code) in cases {
        let (status, body) = d
            .http(Request::get(uri.as_str()).body(Body::empty()).unwrap())
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some(code)),
            "{uri}: {body}"
        );
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
}

/// One app for several requests (the rate limits live in it), optionally from a client
/// address as `serve` would pass it.
async fn send_from(
    app: &axum::Router,
    peer: Option<&str>,
    body: serde_json::Value,
) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut request = json_post("/api/v1/chat", &body);
    if let Some(peer) = peer {
        let address: std::net::SocketAddr = format!("{peer}:50000").parse().unwrap();
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(address));
    }
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or_default();
    (parts.status, parts.headers, json)
}

#[tokio::test]
async fn thirty_tickets_in_a_second_from_one_client_are_refused_with_429_by_default() {
    let d = desk_with(|s| s.widget.identity_header = Some("X-Remote-User".into())).await;
    let app = madoguchi::http::app(d.helpdesk.clone());
    let mut statuses = Vec::new();
    for i in 0..30 {
        let mut request = json_post(
            "/api/v1/chat",
            &json!({"message_id": format!("m{i}"), "text": "担当者"}),
        );
        request
            .headers_mut()
            .insert("x-remote-user", "10001".parse().unwrap());
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                [192, 0, 2, 7],
                50000,
            ))));
        use tower::ServiceExt;
        let response = app.clone().oneshot(request).await.unwrap();
        statuses.push(response.status());
    }
    // A minute's worth (20) passes at once; after that one more every 3 seconds, so on a
    // slow machine one or two of the rest may pass too.
    assert!(
        statuses[..20].iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(refused >= 5, "{statuses:?}");
    assert_eq!(
        d.helpdesk.store().tickets(None, 100).await.unwrap().len(),
        30 - refused
    );
}

#[tokio::test]
async fn a_busy_conversation_gets_429_with_retry_after_and_others_go_on() {
    let d = desk_with(|s| {
        s.widget.conversation_messages_per_minute = 3;
        s.widget.address_messages_per_minute = 0;
    })
    .await;
    let app = madoguchi::http::app(d.helpdesk.clone());
    let (status, _, first) = send_from(&app, None, json!({"message_id": "1", "text": "VPN"})).await;
    assert_eq!(status, StatusCode::OK);
    let token = first["conversation"].as_str().unwrap().to_owned();
    for id in ["2", "3"] {
        let (status, _, _) = send_from(
            &app,
            None,
            json!({"conversation": token, "message_id": id, "text": "いいえ"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    let stored = d.helpdesk.store().message_count().await.unwrap();
    let (status, headers, refused) = send_from(
        &app,
        None,
        json!({"conversation": token, "message_id": "4", "text": "いいえ"}),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{refused}");
    assert_eq!(refused["error"]["code"], "too_many_requests");
    assert!(refused["error"]["message"].as_str().unwrap().contains("秒"));
    let retry_after: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(
        (1..=20).contains(&retry_after),
        "Retry-After: {retry_after}"
    );
    assert_eq!(d.helpdesk.store().message_count().await.unwrap(), stored);
    // Another conversation has its own allowance.
    let (status, _, _) = send_from(&app, None, json!({"message_id": "1", "text": "VPN"})).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn one_client_address_is_limited_across_its_conversations() {
    let d = desk_with(|s| {
        s.widget.conversation_messages_per_minute = 0;
        s.widget.address_messages_per_minute = 3;
    })
    .await;
    let app = madoguchi::http::app(d.helpdesk.clone());
    let new = |i: u32| json!({"message_id": format!("m{i}"), "text": "こんにちは"});
    for i in 0..3 {
        let (status, _, _) = send_from(&app, Some("192.0.2.7"), new(i)).await;
        assert_eq!(status, StatusCode::OK, "message {i}");
    }
    let (status, headers, refused) = send_from(&app, Some("192.0.2.7"), new(3)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{refused}");
    assert_eq!(refused["error"]["code"], "too_many_requests");
    assert!(headers.contains_key("retry-after"));
    // Another address, or none known (no socket), is not held back.
    let (status, _, _) = send_from(&app, Some("192.0.2.8"), new(4)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = send_from(&app, None, new(5)).await;
    assert_eq!(status, StatusCode::OK);
}

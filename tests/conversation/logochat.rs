//! `POST /integrations/logochat/webhook`, with the JSON examples of
//! integrations/logochat/README.md as fixtures.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use madoguchi::channels::logochat::auth::sign;
use madoguchi::config::Secret;
use serde_json::{json, Value};

use crate::helpers::{assert_refused, desk, desk_with, ticket_in, LOGO_TOKEN};

const WEBHOOK: &str = "/integrations/logochat/webhook";

/// The JSON block marked `<!-- fixture: name -->` in the contract.
pub fn fixture(name: &str) -> Value {
    let readme = include_str!("../../integrations/logochat/README.md");
    let marker = format!("<!-- fixture: {name} -->");
    let after = &readme[readme.find(&marker).expect("fixture marker") + marker.len()..];
    let start = after.find("```json").expect("json block") + "```json".len();
    let end = after[start..].find("```").expect("end of block");
    serde_json::from_str(&after[start..start + end]).expect("the fixture is JSON")
}

fn post(body: impl Into<Body>, content_type: &str, token: Option<&str>) -> Request<Body> {
    let mut request = Request::post(WEBHOOK).header("content-type", content_type);
    if let Some(token) = token {
        request = request.header("x-madoguchi-token", token);
    }
    request.body(body.into()).unwrap()
}

#[tokio::test]
async fn a_staff_question_gets_the_right_answer() {
    let d = desk().await;
    let body = fixture("project").to_string();
    let (status, reply) = d
        .http(post(body, "application/json", Some(LOGO_TOKEN)))
        .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    let text = reply["text"].as_str().unwrap();
    assert!(
        text.starts_with("自宅からリモートアクセスに接続できません"),
        "{text}"
    );
    assert!(text.ends_with("解決しましたか？（はい／いいえ）"));
    // The reply fixture documents the same shape.
    assert!(fixture("reply")["text"]
        .as_str()
        .unwrap()
        .ends_with("（はい／いいえ）"));
    // The message and the reply are stored with the room and the staff member.
    let conversation = d
        .helpdesk
        .store()
        .open_conversation(
            &madoguchi::storage::ConversationKey {
                channel: madoguchi::domain::Channel::LogoChat,
                room: "room-ict-helpdesk-10001".into(),
                user_ref: "logo-numazu-taro".into(),
            },
            "unused",
        )
        .await
        .unwrap();
    let messages = d
        .helpdesk
        .conversations()
        .messages_after(conversation.id, 0)
        .await
        .unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(
        messages[0].channel_message_id.as_deref(),
        Some("msg-20261126-0001")
    );
    assert_eq!(conversation.user_name.as_deref(), Some("沼津 太郎"));
}

#[tokio::test]
async fn a_retried_message_id_is_not_answered_twice() {
    let d = desk().await;
    let body = fixture("project").to_string();
    let (_, first) = d
        .http(post(body.clone(), "application/json", Some(LOGO_TOKEN)))
        .await;
    let messages = d.helpdesk.store().message_count().await.unwrap();
    let questions = d.helpdesk.store().question_count().await.unwrap();
    let (status, second) = d
        .http(post(body, "application/json", Some(LOGO_TOKEN)))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(second, first, "the stored answer, repeated");
    assert_eq!(d.helpdesk.store().message_count().await.unwrap(), messages);
    assert_eq!(
        d.helpdesk.store().question_count().await.unwrap(),
        questions
    );
}

#[tokio::test]
async fn mattermost_bodies_are_accepted_as_json_and_as_a_form() {
    let d = desk().await;
    let mut body = fixture("mattermost");
    body["token"] = json!(LOGO_TOKEN);
    let (status, reply) = d
        .http(post(body.to_string(), "application/json", None))
        .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert!(reply["text"].as_str().unwrap().contains("パスワード"));
    let form = format!(
        "token={LOGO_TOKEN}&channel_id=c9&user_id=u9&user_name=x&post_id=p9&text=%E3%81%93%E3%82%93%E3%81%AB%E3%81%A1%E3%81%AF&timestamp=1"
    );
    let (status, reply) = d
        .http(post(form, "application/x-www-form-urlencoded", None))
        .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert!(reply["text"].as_str().unwrap().starts_with("こんにちは"));
}

#[tokio::test]
async fn refused_calls_get_401_400_413_and_store_nothing() {
    let d = desk().await;
    let good = fixture("project").to_string();
    let cases: Vec<(Request<Body>, StatusCode, &str)> = vec![
        (
            post(good.clone(), "application/json", Some("wrong")),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            post(good.clone(), "application/json", None),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            Request::post(WEBHOOK)
                .header("content-type", "application/json")
                .header("authorization", "Bearer wrong")
                .body(Body::from(good.clone()))
                .unwrap(),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            post("{\"message_id\": ", "application/json", Some(LOGO_TOKEN)),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            post(
                "{\"room_id\":\"r\",\"user_id\":\"u\",\"text\":\"x\"}",
                "application/json",
                Some(LOGO_TOKEN),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            post("[]", "application/json", Some(LOGO_TOKEN)),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            post(vec![0xffu8, 0xfe], "application/json", Some(LOGO_TOKEN)),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            post("{\"message_id\": ", "application/json", None),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        ),
        (
            post(
                format!("{{\"text\": \"{}\"}}", "あ".repeat(34 * 1024)),
                "application/json",
                Some(LOGO_TOKEN),
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
    ];
    assert_refused(&d, cases).await;
    assert_eq!(d.helpdesk.store().message_count().await.unwrap(), 0);
    assert_eq!(d.helpdesk.store().question_count().await.unwrap(), 0);
}

#[tokio::test]
async fn a_message_over_the_widgets_limit_is_answered_with_a_request_to_shorten_it_and_not_stored()
{
    let d = desk().await;
    let mut body = fixture("project");
    body["text"] = json!(format!("ＶＰＮつながらない{}", "あ".repeat(2000)));
    let (status, reply) = d
        .http(post(body.to_string(), "application/json", Some(LOGO_TOKEN)))
        .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_eq!(
        reply,
        json!({"text": "メッセージが長すぎるため受け付けられませんでした（2000文字まで）。\
                        要点を短くまとめて、もう一度送ってください。"})
    );
    assert_eq!(d.helpdesk.store().message_count().await.unwrap(), 0);
    assert_eq!(d.helpdesk.store().question_count().await.unwrap(), 0);
    // Credentials come first: without them, no more than 401.
    let (status, _) = d
        .http(post(body.to_string(), "application/json", Some("wrong")))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Exactly 2000 characters is a message like any other, as in the widget.
    body["text"] = json!("あ".repeat(2000));
    let (status, reply) = d
        .http(post(body.to_string(), "application/json", Some(LOGO_TOKEN)))
        .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    assert_ne!(
        reply["text"].as_str().unwrap_or_default(),
        "",
        "answered: {reply}"
    );
    assert!(d.helpdesk.store().message_count().await.unwrap() > 0);
}

#[tokio::test]
async fn a_signing_secret_requires_a_fresh_valid_signature() {
    let d = desk_with(|s| s.logochat.signing_secret = Some(Secret("signing-key".into()))).await;
    let body = fixture("project").to_string();
    let now = d.helpdesk.now().timestamp();
    let signed = |at: i64, key: &str, body: &str| {
        Request::post(WEBHOOK)
            .header("content-type", "application/json")
            .header("x-madoguchi-token", LOGO_TOKEN)
            .header("x-madoguchi-timestamp", at.to_string())
            .header("x-madoguchi-signature", sign(key, at, body.as_bytes()))
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    let unsigned = post(body.clone(), "application/json", Some(LOGO_TOKEN));
    for (request, expected) in [
        (unsigned, StatusCode::UNAUTHORIZED),
        (signed(now, "other-key", &body), StatusCode::UNAUTHORIZED),
        (
            signed(now - 301, "signing-key", &body),
            StatusCode::UNAUTHORIZED,
        ),
        (signed(now - 60, "signing-key", &body), StatusCode::OK),
    ] {
        assert_eq!(d.http(request).await.0, expected);
    }
    assert_eq!(
        d.helpdesk.store().message_count().await.unwrap(),
        2,
        "one message, one reply"
    );
}

#[tokio::test]
async fn without_a_configured_token_the_webhook_is_off() {
    let d = desk_with(|s| s.logochat.token = None).await;
    let body = fixture("project").to_string();
    let (status, reply) = d
        .http(post(body, "application/json", Some("anything")))
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply["error"]["code"], "logochat_disabled");
}

#[tokio::test]
async fn while_an_operator_has_the_room_the_bot_is_silent() {
    let d = desk().await;
    let mut body = fixture("project");
    body["text"] = json!("担当者");
    let (_, reply) = d
        .http(post(body.to_string(), "application/json", Some(LOGO_TOKEN)))
        .await;
    let id = ticket_in(reply["text"].as_str().unwrap());
    d.helpdesk
        .tickets()
        .act(id, "山田", madoguchi::tickets::OperatorAction::Take)
        .await
        .unwrap();
    body["message_id"] = json!("msg-later");
    body["text"] = json!("ＶＰＮつながらない");
    let (status, reply) = d
        .http(post(body.to_string(), "application/json", Some(LOGO_TOKEN)))
        .await;
    assert_eq!((status, reply), (StatusCode::OK, json!({})));
}

#[tokio::test]
async fn a_form_body_that_is_not_utf8_is_refused_like_a_json_one() {
    let d = desk().await;
    let form = |text: &str| {
        format!("token={LOGO_TOKEN}&channel_id=c9&user_id=u9&user_name=x&post_id=p9&text={text}&timestamp=1")
    };
    let cases: Vec<(Request<Body>, StatusCode, &str)> = vec![
        (
            post(form("%FF%FE"), "application/x-www-form-urlencoded", Some(LOGO_TOKEN)),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            post(form("%E3%81"), "application/x-www-form-urlencoded", Some(LOGO_TOKEN)),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            post(
                form("%E3%81%93").into_bytes().into_iter().chain(*b"\xff").collect::<Vec<u8>>(),
                "application/x-www-form-urlencoded",
                Some(LOGO_TOKEN),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            post(
                "{\"message_id\": \"m\", \"room_id\": \"r\", \"user_id\": \"u\", \"text\": \"\\udcff\"}",
                "application/json",
                Some(LOGO_TOKEN),
            ),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
    ];
    assert_refused(&d, cases).await;
    assert_eq!(d.helpdesk.store().message_count().await.unwrap(), 0);
}

//! Bad input to `POST /api/v1/ask`: each gets a clear 4xx in the API's error shape, or a
//! polite 200 decision; never a 5xx. `TestApp::send` also fails any request that is not
//! answered within two seconds.

use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn an_empty_or_blank_question_is_refused_as_empty() {
    let app = spawn_app().await;

    for text in ["", " ", "   \n\t  ", "\u{3000}\u{3000}"] {
        app.ask(text)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "empty_question");
    }
}

#[tokio::test]
async fn a_body_over_64_kib_is_refused_as_too_large() {
    let app = spawn_app().await;
    let text = "あ".repeat(1024 * 1024 / 3);

    app.ask(&text)
        .await
        .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    assert_eq!(app.helpdesk.store().question_count().await.unwrap(), 0);
}

#[tokio::test]
async fn a_60_kb_question_within_the_limit_is_answered_and_marked_truncated() {
    let app = spawn_app().await;
    let sentence = "プリンターで印刷できません。";
    let text = sentence.repeat(60 * 1000 / sentence.len());
    let body = json!({ "text": text }).to_string();
    assert!(body.len() > 59_000 && body.len() < madoguchi::http::MAX_BODY_BYTES);

    let reply = app.post_ask(body).await;

    reply.assert_ask_shape();
    assert_eq!(reply.json["truncated"], true);
}

#[tokio::test]
async fn control_characters_get_a_polite_decision() {
    let app = spawn_app().await;

    for text in [
        "\u{0}\u{1}\u{7}\u{1b}[31m\u{7f}",
        "プリンター\u{0}で\u{8}印刷\u{1b}[2Jできません\r\n",
        "\u{202e}メール\u{200b}が送れない\u{feff}",
    ] {
        app.ask(text).await.assert_ask_shape();
    }
}

#[tokio::test]
async fn a_body_that_is_not_utf8_is_refused_as_invalid_utf8() {
    let app = spawn_app().await;

    for body in [
        &b"{\"text\": \"\xff\xfe\"}"[..],
        b"{\"text\": \"\xe3\x81\"}",
        b"\xc0\xaf",
    ] {
        app.post_ask(body.to_vec())
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_utf8");
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_refused_as_invalid_json() {
    let app = spawn_app().await;

    for body in [
        "",
        "not json",
        "{\"text\": \"途中で",
        "{'text': 'x'}",
        "{\"text\": \"a\"} trailing",
    ] {
        app.post_ask(body)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_json");
    }
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_refused_with_a_400() {
    let app = spawn_app().await;

    for body in [
        json!({}),
        json!({"question": "印刷できない"}),
        json!({"text": 42}),
        json!({"text": null}),
        json!({"text": ["印刷", "できない"]}),
        json!({"text": "印刷できない", "colour": "red"}),
        json!({"text": "印刷できない", "channel": 7}),
        json!("印刷できない"),
        json!(null),
    ] {
        let reply = app.post_ask(body.to_string()).await;
        reply.assert_error(StatusCode::BAD_REQUEST, "invalid_json");
    }
}

// serde's derived `Deserialize` would also read a struct from a JSON array of its fields
// in order; the API insists on an object.
#[tokio::test]
async fn a_json_array_instead_of_an_object_is_refused_with_a_400() {
    let app = spawn_app().await;

    for body in [json!(["印刷できない"]), json!(["印刷できない", "web"])] {
        let reply = app.post_ask(body.to_string()).await;
        reply.assert_error(StatusCode::BAD_REQUEST, "invalid_json");
    }
}

#[tokio::test]
async fn emoji_alone_get_a_polite_decision_without_an_answer() {
    let app = spawn_app().await;

    for text in ["😀", "🙏🙏🙏", "👍🏽🎉✨", "👨‍👩‍👧‍👦"] {
        let reply = app.ask(text).await;
        assert_ne!(reply.assert_ask_shape(), "answer", "{text}: {}", reply.text);
        assert!(reply.json["answer"].is_null(), "{text}: {}", reply.text);
    }
}

#[tokio::test]
async fn markup_in_a_question_is_never_echoed_back() {
    let app = spawn_app().await;

    for text in [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)> 印刷できない",
        "\"><svg onload=alert(1)>パスワードを忘れた",
    ] {
        let reply = app.ask(text).await;
        reply.assert_ask_shape();
        for needle in ["<script", "<img", "<svg", "onerror", "onload", "alert(1)"] {
            assert!(
                !reply.text.contains(needle),
                "{needle} echoed: {}",
                reply.text
            );
        }
    }
}

#[tokio::test]
async fn sql_in_a_question_is_only_a_question() {
    let app = spawn_app().await;
    let stored_before = app.helpdesk.store().faq_count().await.unwrap();
    let served_before = app.healthz_faqs().await;

    for text in [
        "'; DROP TABLE faq_entries; --",
        "\"; DELETE FROM faq_entries; --",
        "印刷' OR '1'='1",
        "x'); UPDATE faq_entries SET body = 'pwned'; --",
    ] {
        app.ask(text).await.assert_ask_shape();
        let echo = app.post_ask(json!({"text": "印刷できない", "channel": text}).to_string());
        echo.await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_channel");
    }

    assert_eq!(
        app.helpdesk.store().faq_count().await.unwrap(),
        stored_before
    );
    assert_eq!(app.healthz_faqs().await, served_before);
    let bodies = app.helpdesk.store().list_faqs().await.unwrap();
    assert!(bodies.iter().all(|e| e.body != "pwned"));
    assert_eq!(app.helpdesk.store().question_count().await.unwrap(), 4);
}

#[tokio::test]
async fn a_bad_channel_name_is_refused_with_a_400() {
    let app = spawn_app().await;

    for channel in [
        "a".repeat(33),
        "c".repeat(10_000),
        String::new(),
        "窓口".to_owned(),
        "web widget".to_owned(),
        "web\n".to_owned(),
    ] {
        let reply = app
            .post_ask(json!({"text": "印刷できない", "channel": channel}).to_string())
            .await;
        reply.assert_error(StatusCode::BAD_REQUEST, "invalid_channel");
    }
    assert_eq!(app.helpdesk.store().question_count().await.unwrap(), 0);
}

#[tokio::test]
async fn a_question_not_declared_as_json_is_refused_with_415() {
    let app = spawn_app().await;
    let body = json!({"text": "印刷できない"}).to_string();

    for content_type in [Some("text/plain"), Some("application/jsonx"), None] {
        let mut request = axum::http::Request::post("/api/v1/ask");
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        app.send(request.body(body.clone().into()).unwrap())
            .await
            .assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    }
    assert_eq!(app.helpdesk.store().question_count().await.unwrap(), 0);
}

//! `POST /api/v1/ask` with ordinary questions: the documented shape, whatever wins.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_plain_japanese_question_gets_a_decision_and_ranked_candidates() {
    let app = spawn_app().await;

    let reply = app
        .ask("プリンターで印刷できません。どうすればいいですか")
        .await;

    reply.assert_ask_shape();
    assert_eq!(reply.json["intent"], "question");
    assert_eq!(reply.json["truncated"], false);
    let candidates = reply.json["candidates"].as_array().unwrap();
    assert!(
        !candidates.is_empty(),
        "a printing question finds something: {}",
        reply.text
    );
}

#[tokio::test]
async fn every_question_is_recorded_with_a_new_id() {
    let app = spawn_app().await;

    let first = app.ask("パスワードを忘れました").await;
    let second = app.ask("メールが送れません").await;

    first.assert_ask_shape();
    second.assert_ask_shape();
    let (a, b) = (
        first.json["question_id"].as_i64(),
        second.json["question_id"].as_i64(),
    );
    assert!(a < b, "ids increase: {a:?} then {b:?}");
    assert_eq!(app.helpdesk.store().question_count().await.unwrap(), 2);
}

#[tokio::test]
async fn a_known_channel_name_is_accepted() {
    let app = spawn_app().await;

    for channel in ["web", "logo-chat", "widget_v2"] {
        let reply = app
            .post_ask(json!({"text": "VPNにつながりません", "channel": channel}).to_string())
            .await;
        reply.assert_ask_shape();
    }
}

#[tokio::test]
async fn a_greeting_is_answered_politely_without_a_faq() {
    let app = spawn_app().await;

    let reply = app.ask("おはようございます").await;

    assert_eq!(reply.assert_ask_shape(), "escalate");
    assert_eq!(reply.json["intent"], "greeting");
    assert!(reply.json["answer"].is_null());
    assert_eq!(reply.json["candidates"], json!([]));
}

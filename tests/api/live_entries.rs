//! Entries saved through the storage API after start: rendered safely, answerable after
//! a reload, hidden while unpublished.

use axum::http::StatusCode;

use crate::helpers::{entry, spawn_app};

#[tokio::test]
async fn body_html_is_sanitised_while_body_markdown_keeps_the_original() {
    let app = spawn_app().await;
    let body = "手順は次のとおりです。\n\n\
                <script>alert(1)</script>\n\n\
                <img src=x onerror=\"alert(2)\">\n\n\
                [詳しくはこちら](javascript:alert(3))\n\n\
                1. **再起動**してください";
    app.save_and_reload(&entry("test-unsafe-body", "危ない本文の確認用の質問", body))
        .await;

    let faq = app.get("/api/v1/faqs/test-unsafe-body").await;

    assert_eq!(faq.status, StatusCode::OK, "{}", faq.text);
    assert_eq!(faq.json["body_markdown"], body);
    let html = faq.json["body_html"].as_str().unwrap();
    for needle in ["<script", "onerror", "javascript:", "alert(1)"] {
        assert!(!html.contains(needle), "{needle} in {html}");
    }
    assert!(
        html.contains("<strong>再起動</strong>"),
        "still rendered: {html}"
    );
}

#[tokio::test]
async fn only_this_servers_images_are_shown_and_others_become_their_alt_text() {
    let app = spawn_app().await;
    let body = "設定画面は次のとおりです。\n\n\
                ![設定画面](https://elsewhere.example/tracker.png)\n\n\
                <img src=\"//elsewhere.example/x.png\" alt=\"別の図\">\n\n\
                ![本サーバーの図](/kb-images/vpn.png)";
    app.save_and_reload(&entry("test-images", "画像入りの本文の確認用の質問", body))
        .await;

    let faq = app.get("/api/v1/faqs/test-images").await;

    assert_eq!(faq.status, StatusCode::OK, "{}", faq.text);
    let html = faq.json["body_html"].as_str().unwrap();
    assert!(!html.contains("elsewhere"), "{html}");
    assert!(
        html.contains("設定画面") && html.contains("別の図"),
        "{html}"
    );
    assert_eq!(html.matches("<img").count(), 1, "{html}");
    assert!(html.contains("<img src=\"/kb-images/vpn.png\""), "{html}");
}

#[tokio::test]
async fn a_saved_entry_becomes_answerable_after_a_reload() {
    let app = spawn_app().await;
    let before = app.healthz_faqs().await;
    let question = "庁舎屋上の気象観測用ドローン格納庫の鍵をなくしました";
    let body =
        "総務課の鍵管理簿に記入のうえ、予備の鍵を借りてください。\n\n<script>alert(1)</script>";
    let mut saved = entry("test-drone-hangar-key", question, body);
    saved.keywords = vec!["ドローン".into(), "格納庫".into(), "気象観測".into()];
    saved.alternatives = vec!["ドローン格納庫の鍵がない".into()];
    app.save_and_reload(&saved).await;

    assert_eq!(app.healthz_faqs().await, before + 1);
    let reply = app.ask(question).await;

    assert_eq!(reply.assert_ask_shape(), "answer", "{}", reply.text);
    let answer = &reply.json["answer"];
    assert_eq!(answer["id"], "test-drone-hangar-key");
    assert_eq!(answer["title"], question);
    assert_eq!(answer["body_markdown"], body);
    let html = answer["body_html"].as_str().unwrap();
    assert!(
        html.contains("総務課") && !html.contains("<script"),
        "{html}"
    );
}

#[tokio::test]
async fn an_unpublished_entry_is_neither_shown_nor_answered() {
    let app = spawn_app().await;
    let before = app.healthz_faqs().await;
    let question = "庁舎屋上の気象観測用ドローン格納庫の鍵をなくしました";
    let mut hidden = entry("test-hidden-draft", question, "下書きです。");
    hidden.published = false;
    app.save_and_reload(&hidden).await;

    assert_eq!(app.healthz_faqs().await, before);
    app.get("/api/v1/faqs/test-hidden-draft")
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    let reply = app.ask(question).await;
    reply.assert_ask_shape();
    let ids: Vec<&str> = reply.json["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(!ids.contains(&"test-hidden-draft"), "{ids:?}");
}

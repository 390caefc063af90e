//! `/healthz`, `GET /api/v1/faqs/{id}`, and what unknown routes and methods answer.

use axum::body::Body;
use axum::http::{Method, StatusCode};

use crate::helpers::{request, spawn_app};

#[tokio::test]
async fn healthz_reports_ok_and_the_number_of_published_entries() {
    let app = spawn_app().await;
    let published = app
        .helpdesk
        .store()
        .list_faqs()
        .await
        .unwrap()
        .iter()
        .filter(|e| e.published)
        .count();

    let health = app.get("/healthz").await;

    assert_eq!(health.status, StatusCode::OK, "{}", health.text);
    assert_eq!(health.json["status"], "ok");
    assert!(published > 0, "the bundled knowledge base was seeded");
    assert_eq!(health.json["faqs"], published);
}

#[tokio::test]
async fn a_published_faq_is_returned_with_its_markdown_and_html() {
    let app = spawn_app().await;
    let stored = app.helpdesk.store().list_faqs().await.unwrap();
    let entry = stored
        .iter()
        .find(|e| e.published)
        .expect("a published entry");

    let faq = app.get(&format!("/api/v1/faqs/{}", entry.id)).await;

    assert_eq!(faq.status, StatusCode::OK, "{}", faq.text);
    assert_eq!(faq.json["id"], entry.id.as_str());
    assert_eq!(faq.json["title"], entry.title.as_str());
    assert_eq!(faq.json["category"], entry.category.as_str());
    assert_eq!(faq.json["body_markdown"], entry.body.as_str());
    let html = faq.json["body_html"]
        .as_str()
        .expect("body_html is a string");
    assert!(html.contains('<'), "rendered as HTML: {html}");
    for list in ["keywords", "alternatives", "related"] {
        assert!(faq.json[list].is_array(), "{list}: {}", faq.text);
    }
}

#[tokio::test]
async fn an_unknown_faq_id_is_a_404_json_error() {
    let app = spawn_app().await;

    app.get("/api/v1/faqs/no-such-entry")
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    let odd = app
        .get("/api/v1/faqs/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    odd.assert_error(StatusCode::NOT_FOUND, "not_found");
    assert!(!odd.text.contains("<script"), "id echoed: {}", odd.text);
}

#[tokio::test]
async fn an_unknown_route_is_a_404_json_error() {
    let app = spawn_app().await;

    for uri in [
        "/",
        "/nope",
        "/api/v1/ask/extra",
        "/api/v2/ask",
        "/api/v1/faqs",
    ] {
        app.get(uri)
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
    }
}

#[tokio::test]
async fn a_wrong_method_is_a_405_json_error() {
    let app = spawn_app().await;

    app.get("/api/v1/ask")
        .await
        .assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    for (method, uri) in [
        (Method::PUT, "/api/v1/ask"),
        (Method::DELETE, "/api/v1/faqs/anything"),
        (Method::POST, "/healthz"),
    ] {
        app.send(request(method, uri, Body::empty()))
            .await
            .assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    }
}

#[tokio::test]
async fn a_path_segment_that_is_not_utf8_is_a_400_json_error() {
    let app = spawn_app().await;

    for uri in ["/api/v1/faqs/%FF", "/api/v1/faqs/%E3%81"] {
        app.get(uri)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "invalid_path");
    }
}

#[tokio::test]
async fn review_the_first_start_seed_is_audited_once() {
    let app = spawn_app().await;
    let store = app.helpdesk.store();
    let entries = store.list_faqs().await.unwrap().len();
    let seeds: Vec<_> = store
        .audit_log(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "faq.import")
        .collect();
    assert_eq!(seeds.len(), 1, "{seeds:?}");
    assert_eq!(seeds[0].actor, "seed");
    assert_eq!(
        seeds[0].detail.as_deref(),
        Some(format!("bundled knowledge base: {entries} created").as_str())
    );
}

//! The loans JSON API: items, availability, reservations and the operators' actions,
//! with the operator token; every bad input is refused with a clear error and changes
//! nothing.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{operator_post, Desk, OPERATOR_TOKEN};
use crate::request_support::request_desk;
use crate::support::{snapshot, OPERATOR};

fn get(uri: &str) -> Request<Body> {
    Request::get(uri)
        .header("authorization", format!("Bearer {OPERATOR_TOKEN}"))
        .body(Body::empty())
        .unwrap()
}

async fn post(d: &Desk, uri: &str, body: Value) -> (StatusCode, Value) {
    d.http(operator_post(uri, &body)).await
}

fn asking(item: &str, quantity: i64, from: &str, to: &str) -> Value {
    json!({"item": item, "quantity": quantity, "from": from, "to": to,
           "requester": "10001", "purpose": "研修"})
}

#[tokio::test]
async fn a_loan_through_the_api_and_its_refusals() {
    let d = request_desk(None).await;
    let (status, body) = post(
        &d,
        "/api/v1/reservable-items",
        json!({"id": "training-pc", "name": "研修用端末", "kind": "pool", "quantity": 5}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["max_days"], 14);
    let (status, body) = d.http(get("/api/v1/reservable-items")).await;
    assert_eq!(
        (status, body[0]["kind"].clone()),
        (StatusCode::OK, json!("pool"))
    );

    let (status, body) = post(
        &d,
        "/api/v1/reservations",
        asking("training-pc", 4, "2026-12-10", "2026-12-11"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["status"], "pending");
    let id = body["id"].as_i64().unwrap();
    let (status, body) = d
        .http(get(
            "/api/v1/availability?item=training-pc&from=2026-12-11T09:00&to=2026-12-11T10:00",
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["quantity"].clone(), body["available"].clone()),
        (json!(5), json!(1))
    );
    let (status, body) = post(
        &d,
        "/api/v1/reservations",
        asking("training-pc", 2, "2026-12-11", "2026-12-11"),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "unavailable");
    assert_eq!(body["error"]["available"], 1);
    assert!(body["error"]["message"].as_str().unwrap().contains("空き"));

    for (verb, extra) in [
        ("approve", json!({})),
        (
            "checkout",
            json!({"asset_numbers": ["PC-1", "PC-2", "PC-3", "PC-4"], "condition": "良好", "settings_done": "プリンタ設定"}),
        ),
        ("return", json!({"condition": "良好"})),
    ] {
        let mut body = json!({"operator": OPERATOR});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let (status, body) = post(&d, &format!("/api/v1/reservations/{id}/{verb}"), body).await;
        assert_eq!(status, StatusCode::OK, "{verb}: {body}");
    }
    let (status, body) = d.http(get(&format!("/api/v1/reservations/{id}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "returned");
    assert_eq!(
        body["asset_numbers"],
        json!(["PC-1", "PC-2", "PC-3", "PC-4"])
    );
    assert_eq!(body["history"].as_array().unwrap().len(), 4);
    assert_eq!(body["actions"], json!([]));

    let (_, pending) = post(
        &d,
        "/api/v1/reservations",
        asking("training-pc", 1, "2026-12-21", "2026-12-21"),
    )
    .await;
    let pending = pending["id"].as_i64().unwrap();
    let before = snapshot(&d).await;
    let refusals = [
        (
            "/api/v1/reservations".to_owned(),
            asking("training-pc", 1, "2026-11-20", "2026-11-21"),
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            "/api/v1/reservations".to_owned(),
            asking("training-pc", 1, "2026-12-11", "2026-12-10"),
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            "/api/v1/reservations".to_owned(),
            asking("training-pc", 1, "2026-12-01", "2026-12-28"),
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            "/api/v1/reservations".to_owned(),
            asking("training-pc", 0, "2026-12-10", "2026-12-10"),
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            "/api/v1/reservations".to_owned(),
            asking("training-pc", 6, "2026-12-10", "2026-12-10"),
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            "/api/v1/reservations".to_owned(),
            asking("nothing", 1, "2026-12-10", "2026-12-10"),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "/api/v1/reservations".to_owned(),
            asking("training-pc", 1, "12月10日", "2026-12-10"),
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            "/api/v1/reservations".to_owned(),
            json!({"item": "training-pc", "quantity": 1, "from": "2026-12-10", "to": "2026-12-10", "requester": "99999", "purpose": "研修"}),
            StatusCode::BAD_REQUEST,
            "unknown_requester",
        ),
        (
            format!("/api/v1/reservations/{pending}/checkout"),
            json!({"operator": OPERATOR, "asset_numbers": ["PC-1"], "condition": "良好"}),
            StatusCode::CONFLICT,
            "not_allowed",
        ),
        (
            format!("/api/v1/reservations/{pending}/return"),
            json!({"operator": OPERATOR, "condition": "良好"}),
            StatusCode::CONFLICT,
            "not_allowed",
        ),
        (
            format!("/api/v1/reservations/{pending}/approve"),
            json!({"operator": "nobody"}),
            StatusCode::BAD_REQUEST,
            "unknown_operator",
        ),
        (
            format!("/api/v1/reservations/{pending}/reject"),
            json!({"operator": OPERATOR}),
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            format!("/api/v1/reservations/{pending}/explode"),
            json!({"operator": OPERATOR}),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "/api/v1/reservations/999999/approve".to_owned(),
            json!({"operator": OPERATOR}),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        // The operator written into the audit log is checked as in every API.
        (
            "/api/v1/reservations".to_owned(),
            json!({"item": "training-pc", "quantity": 1, "from": "2026-12-10", "to": "2026-12-10",
                   "requester": "10001", "purpose": "研修", "operator": "x".repeat(65)}),
            StatusCode::BAD_REQUEST,
            "invalid_operator",
        ),
        (
            "/api/v1/reservations".to_owned(),
            json!({"item": "training-pc", "quantity": 1, "from": "2026-12-10", "to": "2026-12-10",
                   "requester": "10001", "purpose": "研修", "operator": "yamada\nroot"}),
            StatusCode::BAD_REQUEST,
            "invalid_operator",
        ),
        (
            "/api/v1/reservable-items".to_owned(),
            json!({"id": "tablet", "name": "タブレット", "kind": "pool", "quantity": 2, "operator": " "}),
            StatusCode::BAD_REQUEST,
            "invalid_operator",
        ),
        (
            format!("/api/v1/reservations/{pending}/approve"),
            json!({"operator": "\u{7}"}),
            StatusCode::BAD_REQUEST,
            "invalid_operator",
        ),
        (
            "/api/v1/reservable-items".to_owned(),
            json!({"id": "x", "name": "X", "kind": "device", "quantity": 2}),
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            "/api/v1/reservable-items".to_owned(),
            json!({"id": "training-pc", "name": "X", "kind": "pool", "quantity": 2}),
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
    ];
    for (uri, body, expected, code) in refusals {
        let (status, answer) = post(&d, &uri, body.clone()).await;
        assert_eq!(status, expected, "{uri} {body}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{uri} {body}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            !message.is_empty() && !message.is_ascii(),
            "a Japanese message: {message}"
        );
    }
    assert_eq!(snapshot(&d).await, before);
    // Without the token: 401.
    let request = Request::post("/api/v1/reservations")
        .header("content-type", "application/json")
        .body(Body::from(
            asking("training-pc", 1, "2026-12-10", "2026-12-10").to_string(),
        ))
        .unwrap();
    assert_eq!(d.http(request).await.0, StatusCode::UNAUTHORIZED);
}

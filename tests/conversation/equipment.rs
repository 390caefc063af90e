//! The equipment register's JSON API: register a device, search, one device with its
//! history, change its state and its person; bad input refused with a clear status and
//! code, and nothing changed.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_refused, desk, json_post, operator_get, operator_post, Desk};

async fn rows(d: &Desk) -> (i64, i64) {
    let mut c = d.helpdesk.store().conn();
    let count = |q: &'static str| madoguchi::storage::sql(q);
    (
        count("SELECT COUNT(*) FROM equipment")
            .scalar(&mut c)
            .await
            .unwrap(),
        count("SELECT COUNT(*) FROM equipment_history")
            .scalar(&mut c)
            .await
            .unwrap(),
    )
}

#[tokio::test]
async fn a_device_is_registered_found_assigned_and_repaired_through_the_api() {
    let d = desk().await;
    let (status, created) = d
        .http(operator_post(
            "/api/v1/equipment",
            &json!({"asset": "WEB-01", "kind": "Web会議用端末", "model": "Surface Go",
                    "department_code": "K005", "department": "ICT推進課", "state": "for_loan"}),
        ))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["state"], "for_loan");
    assert_eq!(created["asset"], "WEB-01");

    let (status, assigned) = d
        .http(operator_post(
            "/api/v1/equipment/WEB-01/assign",
            &json!({"person": "10001", "reason": "課内のWeb会議用に配備"}),
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{assigned}");
    assert_eq!(assigned["state"], "deployed");
    assert_eq!(assigned["person_name"], "沼津 太郎");
    let (status, repaired) = d
        .http(operator_post(
            "/api/v1/equipment/WEB-01/state",
            &json!({"state": "修理中", "reason": "カメラ故障"}),
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{repaired}");
    assert_eq!(repaired["state"], "in_repair");

    let (status, found) = d
        .http(operator_get(
            "/api/v1/equipment?person=%E6%B2%BC%E6%B4%A5&kind=web_meeting&state=in_repair",
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["total"], 1);
    assert_eq!(found["devices"][0]["asset"], "WEB-01");
    let (_, none) = d
        .http(operator_get("/api/v1/equipment?department=K999"))
        .await;
    assert_eq!(none["total"], 0);

    let (status, detail) = d.http(operator_get("/api/v1/equipment/WEB-01")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["device"]["version"], 3);
    let history: Vec<(&str, &str)> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["action"].as_str().unwrap(), h["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        history,
        [
            ("register", "登録"),
            ("assign", "課内のWeb会議用に配備"),
            ("state", "カメラ故障")
        ]
    );
    assert_eq!(detail["history"][2]["before"]["state"], "deployed");
    assert_eq!(detail["history"][2]["actor"], "operator-api");
}

#[tokio::test]
async fn bad_equipment_requests_are_refused_and_change_nothing() {
    let d = desk().await;
    let (status, _) = d
        .http(operator_post(
            "/api/v1/equipment",
            &json!({"asset": "PC-0001", "kind": "pc"}),
        ))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = d
        .http(operator_post(
            "/api/v1/equipment/PC-0001/state",
            &json!({"state": "disposed", "reason": "老朽化"}),
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    d.http(operator_post(
        "/api/v1/equipment",
        &json!({"asset": "PC-0002", "kind": "pc"}),
    ))
    .await;
    let before = rows(&d).await;
    let register = |body: Value| operator_post("/api/v1/equipment", &body);
    assert_refused(
        &d,
        vec![
            (
                json_post("/api/v1/equipment", &json!({"asset": "X", "kind": "pc"})),
                StatusCode::UNAUTHORIZED,
                "unauthorized",
            ),
            (
                register(json!({"asset": "PC-0002", "kind": "pc"})),
                StatusCode::CONFLICT,
                "duplicate",
            ),
            (
                register(json!({"asset": "PC-0003", "kind": "laptop"})),
                StatusCode::BAD_REQUEST,
                "invalid",
            ),
            (
                register(json!({"asset": "PC/0003", "kind": "pc"})),
                StatusCode::BAD_REQUEST,
                "invalid",
            ),
            (
                register(json!({"asset": "PC-0003", "kind": "pc", "person": "99999"})),
                StatusCode::BAD_REQUEST,
                "invalid",
            ),
            (
                register(
                    json!({"asset": "PC-0003", "kind": "pc", "person": "10001", "state": "在庫"}),
                ),
                StatusCode::BAD_REQUEST,
                "invalid",
            ),
            (
                register(json!({"asset": "PC-0003", "kind": "pc", "colour": "黒"})),
                StatusCode::BAD_REQUEST,
                "invalid_json",
            ),
            (
                operator_post(
                    "/api/v1/equipment/PC-0001/state",
                    &json!({"state": "in_stock", "reason": "誤廃棄"}),
                ),
                StatusCode::CONFLICT,
                "not_allowed",
            ),
            (
                operator_post(
                    "/api/v1/equipment/PC-0001/assign",
                    &json!({"person": "10001", "reason": "再利用"}),
                ),
                StatusCode::CONFLICT,
                "not_allowed",
            ),
            (
                operator_post(
                    "/api/v1/equipment/PC-0002/state",
                    &json!({"state": "in_stock", "reason": "棚卸"}),
                ),
                StatusCode::CONFLICT,
                "not_allowed",
            ),
            (
                operator_post(
                    "/api/v1/equipment/PC-0002/state",
                    &json!({"state": "lost", "reason": "紛失"}),
                ),
                StatusCode::BAD_REQUEST,
                "invalid_query",
            ),
            (
                operator_post(
                    "/api/v1/equipment/PC-0002/assign",
                    &json!({"person": "10001", "reason": ""}),
                ),
                StatusCode::BAD_REQUEST,
                "invalid",
            ),
            (
                operator_post(
                    "/api/v1/equipment/PC-0002/assign",
                    &json!({"person": "99999", "reason": "配備"}),
                ),
                StatusCode::BAD_REQUEST,
                "invalid",
            ),
            (
                operator_post(
                    "/api/v1/equipment/PC-9999/state",
                    &json!({"state": "in_repair", "reason": "故障"}),
                ),
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                operator_get("/api/v1/equipment/PC-9999"),
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                operator_get("/api/v1/equipment?state=lost"),
                StatusCode::BAD_REQUEST,
                "invalid_query",
            ),
            (
                operator_get("/api/v1/equipment?limit=100000"),
                StatusCode::BAD_REQUEST,
                "invalid",
            ),
        ],
    )
    .await;
    assert_eq!(rows(&d).await, before, "nothing changed");
}

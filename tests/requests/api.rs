//! The requests JSON API: the types, submitting, reading and acting; every bad input is
//! refused with a clear error and changes nothing.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{operator_post, Desk, OPERATOR_TOKEN};
use crate::support::{account_fields, count, request_desk, request_desk_with, ADMIN, OPERATOR};

fn get(uri: &str) -> Request<Body> {
    Request::get(uri)
        .header("authorization", format!("Bearer {OPERATOR_TOKEN}"))
        .body(Body::empty())
        .unwrap()
}

async fn create(d: &Desk, body: Value) -> (StatusCode, Value) {
    d.http(operator_post("/api/v1/requests", &body)).await
}

async fn act(d: &Desk, id: i64, action: &str, body: Value) -> (StatusCode, Value) {
    d.http(operator_post(
        &format!("/api/v1/requests/{id}/{action}"),
        &body,
    ))
    .await
}

/// What a refused call must leave as it was.
async fn snapshot(d: &Desk) -> [i64; 4] {
    [
        count(d, "requests").await,
        count(d, "request_events").await,
        count(d, "audit_log").await,
        count(d, "outbox").await,
    ]
}

#[tokio::test]
async fn the_types_are_listed_with_their_fields() {
    let d = request_desk(None).await;
    let (status, types) = d
        .http(
            Request::get("/api/v1/request-types")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let types = types.as_array().unwrap();
    assert!(types.len() >= 12, "{} types", types.len());
    let add = types.iter().find(|t| t["id"] == "ad-account-add").unwrap();
    assert_eq!(add["name"], "ネットワークアカウントの追加");
    let network = &add["fields"].as_array().unwrap()[1];
    assert_eq!(network["kind"], "network");
    assert_eq!(network["required"], true);
    assert_eq!(
        network["choices"],
        json!([
            "マイナンバー利用事務系",
            "LGWAN接続系",
            "インターネット接続系"
        ])
    );
    let login = &add["fields"].as_array().unwrap()[2];
    assert_eq!(
        (login["id"].as_str(), login.get("choices")),
        (Some("login"), None)
    );
}

#[tokio::test]
async fn a_request_is_submitted_read_and_approved_through_the_api() {
    let d = request_desk(None).await;
    let body = json!({"type": "ad-account-add", "requester": "10001", "fields": account_fields()});
    let (status, created) = create(&d, body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "submitted");
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["number"], format!("R-{id}"));
    let (status, shown) = d.http(get(&format!("/api/v1/requests/{id}"))).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    assert_eq!(shown["requester_name"], "沼津 太郎");
    assert_eq!(shown["fields"][0]["text"], "10002");
    assert_eq!(
        shown["actions"],
        json!(["approve", "return", "reject", "cancel"])
    );
    let (status, approved) = act(
        &d,
        id,
        "approve",
        json!({"operator": ADMIN, "version": shown["version"]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(approved["status"], "approved");
    let (_, shown) = d.http(get(&format!("/api/v1/requests/{id}"))).await;
    assert_eq!(shown["steps"].as_array().unwrap().len(), 3);
    assert_eq!(shown["history"][1]["actor"], ADMIN);
}

#[tokio::test]
async fn bad_submissions_name_the_problem_and_change_nothing() {
    let d = request_desk(None).await;
    let before = snapshot(&d).await;
    let (status, body) = create(
        &d,
        json!({"type": "coffee", "requester": "10001", "fields": {}}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unknown_type"))
    );
    let mut fields = account_fields();
    fields.insert("login".into(), json!("沼津 花子"));
    fields.insert("start_date".into(), json!("2026-11-01"));
    fields.insert("network".into(), json!("庁内LAN"));
    fields.insert("colour".into(), json!("blue"));
    fields.remove("staff");
    let (status, body) = create(
        &d,
        json!({"type": "ad-account-add", "requester": "10001", "fields": fields}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_fields");
    let named: Vec<&str> = body["error"]["fields"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(named, ["colour", "login", "network", "staff", "start_date"]);
    assert!(body["error"]["fields"]["start_date"]
        .as_str()
        .unwrap()
        .contains("過去"));
    assert!(body["error"]["fields"]["staff"]
        .as_str()
        .unwrap()
        .contains("必須"));
    // A 職員番号 that is not in the directory, for the target and for the requester.
    let mut fields = account_fields();
    fields.insert("staff".into(), json!("99999"));
    let (status, body) = create(
        &d,
        json!({"type": "ad-account-add", "requester": "88888", "fields": fields}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"]["fields"]["staff"]
            .as_str()
            .unwrap()
            .contains("99999 は職員名簿にありません"),
        "{body}"
    );
    assert!(body["error"]["fields"]["requester"].is_string(), "{body}");
    // Without the token.
    let anonymous = Request::post("/api/v1/requests")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"type": "ad-account-add", "requester": "10001", "fields": account_fields()})
                .to_string(),
        ))
        .unwrap();
    assert_eq!(d.http(anonymous).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(snapshot(&d).await, before);
}

#[tokio::test]
async fn actions_not_allowed_are_refused_and_change_nothing() {
    let d = request_desk(None).await;
    let body = json!({"type": "ad-account-add", "requester": "10001", "fields": account_fields()});
    let (_, created) = create(&d, body).await;
    let id = created["id"].as_i64().unwrap();
    let before = snapshot(&d).await;
    let cases = [
        (
            "start",
            json!({"operator": OPERATOR}),
            StatusCode::CONFLICT,
            "not_allowed",
        ),
        (
            "approve",
            json!({"operator": OPERATOR}),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            "approve",
            json!({"operator": "nobody"}),
            StatusCode::BAD_REQUEST,
            "invalid",
        ),
        (
            "return",
            json!({"operator": ADMIN}),
            StatusCode::BAD_REQUEST,
            "reason_required",
        ),
        (
            "approve",
            json!({"operator": ADMIN, "version": 7}),
            StatusCode::CONFLICT,
            "conflict",
        ),
        (
            "dance",
            json!({"operator": ADMIN}),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "submit",
            json!({"operator": ADMIN}),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "approve",
            json!({"operator": " "}),
            StatusCode::BAD_REQUEST,
            "invalid_operator",
        ),
    ];
    for (i, (action, body, status, code)) in cases.into_iter().enumerate() {
        let (got, reply) = act(&d, id, action, body).await;
        assert_eq!(
            (got, reply["error"]["code"].as_str()),
            (status, Some(code)),
            "case {i}: {reply}"
        );
    }
    let (status, _) = act(&d, 999, "approve", json!({"operator": ADMIN})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(snapshot(&d).await, before);
    // A second approval of the same request.
    let (status, _) = act(&d, id, "approve", json!({"operator": ADMIN})).await;
    assert_eq!(status, StatusCode::OK);
    let after_first = snapshot(&d).await;
    let (status, reply) = act(&d, id, "approve", json!({"operator": "suzuki"})).await;
    assert_eq!(
        (status, reply["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("not_allowed")),
        "{reply}"
    );
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("承認の申請は承認できません"),
        "{reply}"
    );
    assert_eq!(snapshot(&d).await, after_first);
}

#[tokio::test]
async fn the_requester_is_told_by_mail_where_mail_is_configured() {
    let d = request_desk_with(|s| {
        s.notify.smtp.host = Some("127.0.0.1".into());
        s.notify.smtp.from = Some("helpdesk@city.numazu.lg.jp".into());
    })
    .await;
    let body = json!({"type": "ad-account-add", "requester": "10001", "fields": account_fields()});
    let (_, created) = create(&d, body).await;
    let id = created["id"].as_i64().unwrap();
    act(&d, id, "approve", json!({"operator": ADMIN})).await;
    let mails: Vec<_> = d
        .helpdesk
        .store()
        .outbox(None, 20)
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.route == madoguchi::domain::OutboxRoute::Mail)
        .collect();
    assert_eq!(mails.len(), 2, "submitted and approved");
    for mail in &mails {
        assert_eq!(mail.recipient.as_deref(), Some("taro@city.numazu.lg.jp"));
        let delivery = mail.delivery().unwrap();
        assert_eq!(
            delivery.subject.as_deref(),
            Some(format!("【申請 R-{id}】ネットワークアカウントの追加").as_str())
        );
    }
    assert!(mails[0].delivery().unwrap().text.contains("承認されました"));
}

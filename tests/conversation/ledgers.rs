//! The IP address ledger's JSON API: segments, allocation, release, and bad input refused
//! with nothing changed.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_refused, desk, json_post, operator_get, operator_post, Desk};

async fn ledger_rows(d: &Desk) -> (i64, i64, i64) {
    let mut c = d.helpdesk.store().conn();
    let count = |q: &'static str| madoguchi::storage::sql(q);
    (
        count("SELECT COUNT(*) FROM ip_segments")
            .scalar(&mut c)
            .await
            .unwrap(),
        count("SELECT COUNT(*) FROM ip_addresses")
            .scalar(&mut c)
            .await
            .unwrap(),
        count("SELECT COUNT(*) FROM ledger_history")
            .scalar(&mut c)
            .await
            .unwrap(),
    )
}

#[tokio::test]
async fn segments_allocate_and_release_through_the_api() {
    let d = desk().await;
    let (status, created) = d
        .http(operator_post(
            "/api/v1/ip-segments",
            &json!({"network": "lgwan", "cidr": "10.1.2.0/29", "name": "西分庁舎"}),
        ))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let allocate = format!("/api/v1/ip-segments/{id}/allocate");
    let mut got = Vec::new();
    for host in ["PC-A", "PC-B", "PC-C", "PC-D", "PC-E", "PC-F"] {
        let (status, body) = d
            .http(operator_post(
                &allocate,
                &json!({"host": host, "requester": "市民課"}),
            ))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        got.push(body["address"].as_str().unwrap().to_owned());
    }
    assert_eq!(got.first().map(String::as_str), Some("10.1.2.1"));
    assert_eq!(got.last().map(String::as_str), Some("10.1.2.6"));
    let (status, full) = d
        .http(operator_post(
            &allocate,
            &json!({"host": "PC-G", "requester": "市民課"}),
        ))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(full["error"]["code"], "segment_full");

    let (status, released) = d
        .http(operator_post(
            "/api/v1/ip-addresses/10.1.2.3/release",
            &Value::Null,
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{released}");
    assert_eq!(released["state"], "free");
    let (status, again) = d
        .http(operator_post(
            "/api/v1/ip-addresses",
            &json!({"address": "10.1.2.3", "host": "PC-Z"}),
        ))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "in quarantine: {again}");
    assert_eq!(again["error"]["code"], "address_conflict");
    let (status, detail) = d.http(operator_get("/api/v1/ip-addresses/10.1.2.3")).await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["allocate", "release"]);
    let (_, segments) = d.http(operator_get("/api/v1/ip-segments")).await;
    assert_eq!(segments[0]["cidr"], "10.1.2.0/29");
    assert_eq!(segments[0]["host_count"], 6);
}

#[tokio::test]
async fn bad_ledger_requests_are_refused_and_change_nothing() {
    let d = desk().await;
    let (_, created) = d
        .http(operator_post(
            "/api/v1/ip-segments",
            &json!({"network": "internet", "cidr": "172.16.0.0/24", "name": "インターネット系"}),
        ))
        .await;
    let id = created["id"].as_i64().unwrap();
    let allocate = format!("/api/v1/ip-segments/{id}/allocate");
    let before = ledger_rows(&d).await;
    let segment = |body: Value| operator_post("/api/v1/ip-segments", &body);
    assert_refused(
        &d,
        vec![
            (
                json_post(&allocate, &json!({"host": "PC"})),
                StatusCode::UNAUTHORIZED,
                "unauthorized",
            ),
            (
                segment(json!({"network": "wan", "cidr": "10.0.0.0/24", "name": "x"})),
                StatusCode::BAD_REQUEST,
                "invalid",
            ),
            (
                segment(json!({"network": "lgwan", "cidr": "10.0.0.5/24", "name": "x"})),
                StatusCode::BAD_REQUEST,
                "invalid",
            ),
            (
                segment(json!({"network": "lgwan", "cidr": "172.16.0.0/16", "name": "x"})),
                StatusCode::CONFLICT,
                "address_conflict",
            ),
            (
                segment(json!({"network": "lgwan", "cidr": "10.0.0.0/24"})),
                StatusCode::BAD_REQUEST,
                "invalid_json",
            ),
            (
                operator_post(&allocate, &json!({"host": ""})),
                StatusCode::BAD_REQUEST,
                "invalid",
            ),
            (
                operator_post(&allocate, &json!({"host": "PC", "state": "retired"})),
                StatusCode::BAD_REQUEST,
                "invalid",
            ),
            (
                operator_post(&allocate, &json!({"host": "PC", "address": "172.16.0.9"})),
                StatusCode::BAD_REQUEST,
                "invalid",
            ),
            (
                operator_post("/api/v1/ip-addresses", &json!({"host": "PC"})),
                StatusCode::BAD_REQUEST,
                "invalid",
            ),
            (
                operator_post("/api/v1/ip-segments/999/allocate", &json!({"host": "PC"})),
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                operator_post("/api/v1/ip-addresses/172.16.0.9/release", &Value::Null),
                StatusCode::CONFLICT,
                "address_conflict",
            ),
            (
                operator_post("/api/v1/ip-addresses/10.99.0.1/release", &Value::Null),
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                operator_post("/api/v1/ip-addresses/not-an-address/release", &Value::Null),
                StatusCode::BAD_REQUEST,
                "invalid",
            ),
        ],
    )
    .await;
    assert_eq!(ledger_rows(&d).await, before, "nothing changed");
}

#[tokio::test]
async fn a_virus_incident_is_mailed_to_the_citys_contact_not_the_operators() {
    let server = crate::smtp::SmtpServer::start().await;
    let port = server.addr.port();
    let d = crate::helpers::desk_with(|s| {
        s.notify.smtp.host = Some("127.0.0.1".into());
        s.notify.smtp.port = port;
        s.notify.smtp.from = Some("窓口 <helpdesk@example.lg.jp>".into());
        s.notify.smtp.to = vec!["ops@example.lg.jp".into()];
        s.ledgers.city_contact.mail = vec!["ict@city.numazu.lg.jp".into()];
    })
    .await;
    let report = madoguchi::ledgers::IncidentReport {
        occurred_at: crate::helpers::thursday_morning(),
        device: "K012-PC001".into(),
        detection_name: "Trojan:Win32/Emotet".into(),
        found_by: "ウイルス対策ソフトの検知".into(),
        isolated: true,
        ..Default::default()
    };
    d.helpdesk
        .ledgers()
        .record_incident(&report, "operator1")
        .await
        .unwrap();
    assert_eq!(d.helpdesk.outbox().deliver_due().await.unwrap(), 1);
    let mails = server.received();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, ["ict@city.numazu.lg.jp"]);
    let mail = mail_parser::MessageParser::default()
        .parse(&mails[0].raw)
        .unwrap();
    assert_eq!(
        mail.subject(),
        Some("【ウイルス検知】Trojan:Win32/Emotet（K012-PC001）")
    );
    assert!(mail.body_text(0).unwrap().contains("ネットワーク隔離: 済"));
}

//! 50 reservation requests at once for the last 3 units of a pool, through the HTTP
//! application on tokio tasks: exactly 3 are held and 47 refused with 409 `unavailable`,
//! on SQLite and on PostgreSQL.

use std::sync::Arc;

use axum::http::StatusCode;
use http_body_util::BodyExt;
use madoguchi::domain::{ItemKind, ReservationStatus, TextEnum};
use madoguchi::storage::sql_owned;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::db::backends;
use crate::helpers::operator_post;
use crate::request_support::request_desk;
use crate::support::{item, reserve};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_requests_for_the_last_three_units_hold_exactly_three() {
    for db in backends().await {
        let d = request_desk(Some(db.url.clone())).await;
        item(&d, "training-pc", "研修用端末", ItemKind::Pool, 10).await;
        reserve(&d, "training-pc", 7, "2026-12-10", "2026-12-11").await;
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..50 {
            let helpdesk = d.helpdesk.clone();
            tasks.spawn(async move {
                // Periods overlap in different ways: all of them need the same last units.
                let from = if i % 2 == 0 {
                    "2026-12-10T10:00"
                } else {
                    "2026-12-11T09:00"
                };
                let body = json!({
                    "item": "training-pc", "quantity": 1, "from": from,
                    "to": "2026-12-11T12:00", "requester": "10002", "purpose": "研修",
                });
                let response = madoguchi::http::app(Arc::clone(&helpdesk))
                    .oneshot(operator_post("/api/v1/reservations", &body))
                    .await
                    .unwrap();
                let status = response.status();
                let bytes = response.into_body().collect().await.unwrap().to_bytes();
                (status, serde_json::from_slice::<Value>(&bytes).unwrap())
            });
        }
        let mut created = 0;
        let mut refused = 0;
        while let Some(done) = tasks.join_next().await {
            let (status, body) = done.unwrap();
            match status {
                StatusCode::CREATED => created += 1,
                StatusCode::CONFLICT => {
                    assert_eq!(body["error"]["code"], "unavailable", "{body}");
                    assert_eq!(body["error"]["available"], 0, "{body}");
                    refused += 1;
                }
                other => panic!("{other}: {body}"),
            }
        }
        assert_eq!((created, refused), (3, 47));
        let held: i64 = sql_owned(format!(
            "SELECT CAST(SUM(quantity) AS BIGINT) FROM reservations WHERE status IN ({})",
            ReservationStatus::sql_list(ReservationStatus::HOLDING)
        ))
        .scalar(&mut d.helpdesk.store().conn())
        .await
        .unwrap();
        assert_eq!(held, 10);
    }
}

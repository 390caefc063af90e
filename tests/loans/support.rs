//! Items and reservations for the loan stories.

use madoguchi::domain::{Channel, ItemKind};
use madoguchi::loans::{NewItem, ReservationRequest, Reserved, When};
use madoguchi::storage::sql;

use crate::helpers::Desk;

/// The helpdesk operator who approves and hands out (a console account).
pub const OPERATOR: &str = crate::request_support::OPERATOR;

pub async fn item(d: &Desk, id: &str, name: &str, kind: ItemKind, quantity: i64) {
    d.helpdesk
        .loans()
        .create_item(
            &NewItem {
                id: id.into(),
                name: name.into(),
                kind,
                quantity,
                max_days: None,
            },
            "test",
        )
        .await
        .unwrap();
}

pub fn when(text: &str) -> When {
    When::parse("when", text).unwrap()
}

/// 沼津 太郎 (ICT推進課) asks for `quantity` of `item` over `from`..`to`.
pub fn asking(item: &str, quantity: i64, from: &str, to: &str) -> ReservationRequest {
    ReservationRequest {
        item: item.into(),
        quantity,
        from: when(from),
        to: when(to),
        requester: "10001".into(),
        purpose: "新規採用職員研修".into(),
        channel: Channel::Api,
        conversation_id: None,
        actor: "10001".into(),
    }
}

pub async fn reserve(d: &Desk, item: &str, quantity: i64, from: &str, to: &str) -> Reserved {
    d.helpdesk
        .loans()
        .reserve(&asking(item, quantity, from, to))
        .await
        .unwrap()
}

/// Rows of the tables a refused action must leave as they were.
pub async fn snapshot(d: &Desk) -> Vec<i64> {
    let mut counts = Vec::new();
    for statement in [
        "SELECT COUNT(*) FROM reservable_items",
        "SELECT COUNT(*) FROM reservations",
        "SELECT COUNT(*) FROM reservation_events",
        "SELECT COUNT(*) FROM audit_log",
        "SELECT COUNT(*) FROM outbox",
        "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM reservations",
    ] {
        let n: i64 = sql(statement)
            .scalar(&mut d.helpdesk.store().conn())
            .await
            .unwrap();
        counts.push(n);
    }
    counts
}

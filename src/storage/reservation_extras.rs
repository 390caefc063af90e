//! What the loan service keeps besides reservations: the reminders sent (one row per
//! slot, so a slot is sent once whatever number of instances look), the 所属 with a
//! web-meeting account, and the calendar feeds' tokens (hashes only).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{sql, Conn, Result, Tx};

/// Claims reminder `slot` for this transaction: `false` when it was sent already (or
/// another instance is sending it: PostgreSQL waits for that one's commit).
pub async fn claim_reminder(tx: &mut Tx, slot: &str, reservation: Option<i64>) -> Result<bool> {
    let now = tx.now();
    let claimed = sql(
        "INSERT INTO reservation_reminders (slot, reservation_id, sent_at) VALUES ($1, $2, $3) \
         ON CONFLICT (slot) DO NOTHING",
    )
    .bind(slot)
    .bind(reservation)
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    Ok(claimed == 1)
}

/// The reminder slots sent for a reservation, oldest first.
pub async fn reminders_sent(c: &mut Conn<'_>, reservation: i64) -> Result<Vec<String>> {
    sql("SELECT slot FROM reservation_reminders WHERE reservation_id = $1 ORDER BY sent_at, slot")
        .bind(reservation)
        .scalars(c)
        .await
}

/// Whether `department` has an account in the web-meeting system.
pub async fn has_web_meeting_account(c: &mut Conn<'_>, department: &str) -> Result<bool> {
    let found: Option<String> =
        sql("SELECT department FROM web_meeting_accounts WHERE department = $1")
            .bind(department)
            .scalar_optional(c)
            .await?;
    Ok(found.is_some())
}

/// Records `department`'s web-meeting account; `false` when it had one already.
pub async fn register_web_meeting_account(tx: &mut Tx, department: &str, by: &str) -> Result<bool> {
    let now = tx.now();
    let added = sql(
        "INSERT INTO web_meeting_accounts (department, registered_by, registered_at) \
         VALUES ($1, $2, $3) ON CONFLICT (department) DO NOTHING",
    )
    .bind(department)
    .bind(by)
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    Ok(added == 1)
}

/// A calendar feed: all reservations, or one item's.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct CalendarFeed {
    pub id: i64,
    #[serde(skip)]
    pub token_hash: String,
    pub item_id: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn insert_feed(
    tx: &mut Tx,
    token_hash: &str,
    item: Option<&str>,
    by: &str,
) -> Result<i64> {
    let now = tx.now();
    sql(
        "INSERT INTO calendar_feeds (token_hash, item_id, created_by, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(token_hash)
    .bind(item)
    .bind(by)
    .bind(now)
    .scalar(&mut tx.conn())
    .await
}

pub async fn feed_by_hash(c: &mut Conn<'_>, token_hash: &str) -> Result<Option<CalendarFeed>> {
    sql("SELECT * FROM calendar_feeds WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(c)
        .await
}

/// Revokes feed `id`; `false` when there is no such feed or it was revoked already.
pub async fn revoke_feed(tx: &mut Tx, id: i64) -> Result<bool> {
    let now = tx.now();
    let changed =
        sql("UPDATE calendar_feeds SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(&mut tx.conn())
            .await?;
    Ok(changed == 1)
}

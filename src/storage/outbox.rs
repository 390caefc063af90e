//! The outbox: messages to outside systems, delivered in order per (route, room), retried
//! with backoff until delivered or given up.
//!
//! Several instances share one queue: an instance [`claim`]s the items it is about to try
//! for a lease (PostgreSQL skips rows another instance is claiming at that moment), so
//! two never try the same item at once; a crashed instance's lease runs out and another
//! takes the item over.

use chrono::{DateTime, Duration, Utc};

use super::{sql, AuditEntry, Conn, NewOutboxItem, OutboxItem, Result, StorageError, Store, Tx};
use crate::domain::OutboxStatus;

/// How long a claim holds an item: longer than any delivery may take.
pub const LEASE: Duration = Duration::seconds(60);

/// Queues `item`, carrying message `message_id` when it delivers one.
pub async fn push(tx: &mut Tx, item: &NewOutboxItem, message_id: Option<i64>) -> Result<()> {
    let now = tx.now();
    let payload =
        serde_json::to_string(&item.delivery).map_err(|e| StorageError::Invalid(e.to_string()))?;
    sql(
        "INSERT INTO outbox (channel, room, recipient, message_id, payload, status, \
         next_attempt_at, created_at, kind) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)",
    )
    .bind(item.route)
    .bind(&item.room)
    .bind(&item.recipient)
    .bind(message_id)
    .bind(payload)
    .bind(OutboxStatus::Pending)
    .bind(now)
    .bind(item.kind)
    .execute(&mut tx.conn())
    .await?;
    Ok(())
}

/// The oldest pending item of each room, when its time has come and no instance holds
/// it, claimed for [`LEASE`]: at most `limit`, oldest first. Later items of a room wait
/// behind its oldest, so a room's messages arrive in order.
pub async fn claim(store: &Store, limit: i64) -> Result<Vec<OutboxItem>> {
    let mut tx = store.begin().await?;
    let now = tx.now();
    let due: Vec<i64> = sql(
        "SELECT o.id FROM outbox o WHERE o.status = $3 AND o.next_attempt_at <= $1 \
         AND (o.claimed_until IS NULL OR o.claimed_until <= $1) \
         AND o.id = (SELECT MIN(p.id) FROM outbox p WHERE p.status = $3 \
         AND p.channel = o.channel AND p.room = o.room) \
         ORDER BY o.id LIMIT $2 FOR UPDATE SKIP LOCKED",
    )
    .locking()
    .bind(now)
    .bind(limit)
    .bind(OutboxStatus::Pending)
    .scalars(&mut tx.conn())
    .await?;
    let mut claimed = Vec::with_capacity(due.len());
    for id in due {
        let item: Option<OutboxItem> =
            sql("UPDATE outbox SET claimed_until = $2 WHERE id = $1 AND status = $3 RETURNING *")
                .bind(id)
                .bind(now + LEASE)
                .bind(OutboxStatus::Pending)
                .fetch_optional(&mut tx.conn())
                .await?;
        claimed.extend(item);
    }
    tx.commit().await?;
    Ok(claimed)
}

/// Records an attempt on a claimed item: `delivered`, `pending` again at
/// `next_attempt_at`, or `failed`; the claim ends.
pub async fn mark(
    store: &Store,
    id: i64,
    status: OutboxStatus,
    next_attempt_at: DateTime<Utc>,
    error: Option<&str>,
) -> Result<()> {
    let mut tx = store.begin().await?;
    let now = tx.now();
    sql(
        "UPDATE outbox SET status = $2, attempts = attempts + 1, next_attempt_at = $3, \
         last_error = $4, claimed_until = NULL, \
         delivered_at = CASE WHEN $2 = $6 THEN $5 ELSE delivered_at END \
         WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(next_attempt_at)
    .bind(error)
    .bind(now)
    .bind(OutboxStatus::Delivered)
    .execute(&mut tx.conn())
    .await?;
    tx.commit().await
}

/// When the earliest pending item that is first in its room is due (claimed or not).
pub async fn next_due(c: &mut Conn<'_>) -> Result<Option<DateTime<Utc>>> {
    sql(
        "SELECT MIN(CASE WHEN o.claimed_until > o.next_attempt_at THEN o.claimed_until \
         ELSE o.next_attempt_at END) FROM outbox o WHERE o.status = $1 \
         AND o.id = (SELECT MIN(p.id) FROM outbox p WHERE p.status = $1 \
         AND p.channel = o.channel AND p.room = o.room)",
    )
    .bind(OutboxStatus::Pending)
    .scalar(c)
    .await
}

/// What [`requeue`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requeue {
    Requeued,
    /// The item exists but did not fail (pending or delivered): left alone.
    NotFailed,
    NoSuchItem,
}

impl Store {
    /// Outbox items, newest first, optionally of one status.
    pub async fn outbox(
        &self,
        status: Option<OutboxStatus>,
        limit: i64,
    ) -> Result<Vec<OutboxItem>> {
        sql("SELECT * FROM outbox WHERE ($1 IS NULL OR status = $1) ORDER BY id DESC LIMIT $2")
            .bind(status)
            .bind(limit)
            .fetch_all(&mut self.conn())
            .await
    }

    /// Puts a failed item back in the queue, with `actor`'s audit row in the same
    /// transaction.
    pub async fn retry_outbox(&self, id: i64, actor: &str) -> Result<Requeue> {
        let mut tx = self.begin().await?;
        let now = tx.now();
        let requeued = sql(
            "UPDATE outbox SET status = $3, attempts = 0, next_attempt_at = $2, \
             claimed_until = NULL WHERE id = $1 AND status = $4",
        )
        .bind(id)
        .bind(now)
        .bind(OutboxStatus::Pending)
        .bind(OutboxStatus::Failed)
        .execute(&mut tx.conn())
        .await?;
        let outcome = if requeued == 1 {
            let entry = AuditEntry::new(actor, "outbox.retry", "outbox", &id.to_string());
            super::audit::append(&mut tx, &entry).await?;
            Requeue::Requeued
        } else {
            let exists: Option<i64> = sql("SELECT id FROM outbox WHERE id = $1")
                .bind(id)
                .scalar_optional(&mut tx.conn())
                .await?;
            if exists.is_some() {
                Requeue::NotFailed
            } else {
                Requeue::NoSuchItem
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }
}

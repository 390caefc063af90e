//! Notices queued with the ticket they announce: a ticket and its outbox items (the
//! operators' LoGoチャット room, e-mail) are written in one transaction, so a notice is
//! never lost to a crash between the two, and never sent for a ticket that was not stored.

use super::{NewTicket, Result, Store};

/// An item to put in the outbox: the worker delivers `payload` to `channel`'s adapter,
/// in order per (`channel`, `room`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutboxItem {
    pub channel: String,
    pub room: String,
    pub payload: String,
}

/// Builds the notices for a ticket once its number is known (inside the transaction).
pub type NoticeBuilder<'a> = &'a (dyn Fn(i64) -> Vec<NewOutboxItem> + Sync);

macro_rules! notices_queries {
    () => {
        pub(super) async fn ticket_open_with_notices(
            &self,
            ticket: &NewTicket,
            notices: crate::storage::NoticeBuilder<'_>,
            now: DateTime<Utc>,
        ) -> Result<i64> {
            let mut tx = self.begin_write().await?;
            let id = Self::insert_ticket(&mut tx, ticket, now).await?;
            for item in notices(id) {
                sqlx::query(&sql(
                    "INSERT INTO outbox (channel, room, payload, next_attempt_at, created_at) \
                     VALUES ($1, $2, $3, $4, $4)",
                ))
                .bind(&item.channel)
                .bind(&item.room)
                .bind(&item.payload)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(id)
        }
    };
}

pub(super) use notices_queries;

impl Store {
    /// Opens a ticket like [`Store::open_ticket`] and queues the outbox items `notices`
    /// builds from its number, in the same transaction: all of it is stored, or nothing.
    pub async fn open_ticket_with_notices(
        &self,
        ticket: &NewTicket,
        notices: NoticeBuilder<'_>,
    ) -> Result<i64> {
        delegate!(self, b => b.ticket_open_with_notices(ticket, notices, super::now()).await)
    }
}

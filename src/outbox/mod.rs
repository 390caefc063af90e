//! The outbox worker: delivers queued items to outside systems (a staff member in
//! LoGoチャット, the operators' LoGo room, e-mail), persistently.
//!
//! - An item is written in the same transaction as what it carries (a message, a ticket's
//!   notice), so nothing queued is lost when the server stops; the worker picks up pending
//!   items on start.
//! - Items are channel-neutral ([`crate::storage::Delivery`]); each route has an adapter
//!   ([`Deliver`]) registered at start ([`Adapters`]), which encodes its own wire format.
//! - Per room, only the oldest pending item is tried: a room's messages arrive in order,
//!   while other rooms carry on.
//! - Several instances share the queue: each claims the items it tries (see
//!   [`crate::storage::outbox::claim`]), so an item is tried by one instance at a time.
//! - A failed attempt is retried after `first_delay_ms` doubling up to `max_delay_secs`;
//!   after `max_attempts` the item is marked `failed` (listed by the operator API and
//!   logged) and the room's next item goes ahead.
//! - Delivery is at least once: if the server stops between the receiver's answer and the
//!   record of it, the item is sent again after the restart with the same
//!   `X-Madoguchi-Delivery` id, for the receiver to drop.

mod tell;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

use crate::config::OutboxSettings;
use crate::domain::{OutboxRoute, OutboxStatus};
use crate::storage::{outbox, Delivery, OutboxItem, Store};

/// Items tried at once (each from a different room).
const BATCH: i64 = 32;
/// Longest the worker sleeps without looking (a wake-up from another instance is not
/// heard, and a claim of a crashed instance runs out).
const IDLE_POLL: Duration = Duration::from_secs(1);

pub use self::tell::{send_in, tell_conversation};

/// Why one delivery failed: a short reason for the outbox record (never the text, nor an
/// address), and whether trying again could help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryError {
    pub reason: String,
    /// The receiver refused the item for good (an SMTP 5xx reply, an address that does
    /// not parse): the item fails at once instead of blocking its room through every
    /// retry; an operator may send it again once the cause is mended.
    pub permanent: bool,
}

impl DeliveryError {
    /// A refusal that no retry can change.
    pub fn permanent(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            permanent: true,
        }
    }
}

/// A failure worth trying again (a connection refused, a timeout, a 5xx from a web hook).
impl From<String> for DeliveryError {
    fn from(reason: String) -> Self {
        Self {
            reason,
            permanent: false,
        }
    }
}

impl From<&str> for DeliveryError {
    fn from(reason: &str) -> Self {
        reason.to_owned().into()
    }
}

impl std::fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

/// The adapter of one route: delivers an item's [`Delivery`] to `item.room` (and
/// `item.recipient`), in its own wire format.
pub trait Deliver: Send + Sync {
    fn deliver<'a>(
        &'a self,
        item: &'a OutboxItem,
        delivery: &'a Delivery,
    ) -> Pin<Box<dyn Future<Output = Result<(), DeliveryError>> + Send + 'a>>;
}

/// The adapters, one per route, registered by the composition root.
#[derive(Clone, Default)]
pub struct Adapters(HashMap<OutboxRoute, Arc<dyn Deliver>>);

impl Adapters {
    pub fn register(&mut self, route: OutboxRoute, adapter: Arc<dyn Deliver>) {
        self.0.insert(route, adapter);
    }

    fn get(&self, route: OutboxRoute) -> Option<&Arc<dyn Deliver>> {
        self.0.get(&route)
    }
}

/// Wakes the worker after something was queued (in this instance; others poll).
#[derive(Clone, Default)]
pub struct Wakeup(Arc<tokio::sync::Notify>);

impl Wakeup {
    pub fn ring(&self) {
        self.0.notify_one();
    }

    async fn heard(&self) {
        self.0.notified().await;
    }
}

/// The delivery queue's worker and its operator actions.
pub struct Outbox {
    store: Store,
    adapters: Adapters,
    settings: OutboxSettings,
    wakeup: Wakeup,
}

impl Outbox {
    pub fn new(store: Store, adapters: Adapters, settings: OutboxSettings, wakeup: Wakeup) -> Self {
        Self {
            store,
            adapters,
            settings,
            wakeup,
        }
    }

    /// Delivers until `shutdown` resolves.
    pub async fn run(self: Arc<Self>, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let wait = match self.deliver_due().await {
                Ok(0) => self.idle_time().await,
                Ok(_) => Duration::ZERO,
                Err(e) => {
                    tracing::error!(error = %e, "outbox: cannot read the queue");
                    IDLE_POLL
                }
            };
            if wait.is_zero() {
                continue;
            }
            tokio::select! {
                _ = &mut shutdown => return,
                _ = self.wakeup.heard() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Tries every item that is due now; returns how many were tried.
    pub async fn deliver_due(self: &Arc<Self>) -> anyhow::Result<usize> {
        let due = outbox::claim(&self.store, BATCH).await?;
        let count = due.len();
        let mut attempts = JoinSet::new();
        for item in due {
            let this = self.clone();
            attempts.spawn(async move {
                let result = this.deliver(&item).await;
                this.record(&item, result).await
            });
        }
        while let Some(done) = attempts.join_next().await {
            done??;
        }
        Ok(count)
    }

    async fn deliver(&self, item: &OutboxItem) -> Result<(), DeliveryError> {
        let adapter = self.adapters.get(item.route).ok_or_else(|| {
            DeliveryError::from(format!("no adapter delivers to route {}", item.route))
        })?;
        let delivery = item.delivery().map_err(DeliveryError::permanent)?;
        adapter.deliver(item, &delivery).await
    }

    async fn record(
        &self,
        item: &OutboxItem,
        result: Result<(), DeliveryError>,
    ) -> anyhow::Result<()> {
        let now = self.store.now();
        match result {
            Ok(()) => {
                outbox::mark(&self.store, item.id, OutboxStatus::Delivered, now, None).await?
            }
            Err(error) => {
                let attempts = item.attempts + 1;
                if error.permanent || attempts >= i64::from(self.settings.max_attempts) {
                    tracing::warn!(
                        item = item.id,
                        attempts,
                        permanent = error.permanent,
                        error = %error,
                        "outbox: gave up"
                    );
                    outbox::mark(
                        &self.store,
                        item.id,
                        OutboxStatus::Failed,
                        now,
                        Some(&error.reason),
                    )
                    .await?;
                } else {
                    let next = now + backoff(&self.settings, attempts);
                    tracing::debug!(item = item.id, attempts, error = %error, "outbox: will retry");
                    outbox::mark(
                        &self.store,
                        item.id,
                        OutboxStatus::Pending,
                        next,
                        Some(&error.reason),
                    )
                    .await?;
                }
            }
        }
        Ok(())
    }

    /// How long to sleep when nothing is due: until the next item is, at most
    /// [`IDLE_POLL`].
    async fn idle_time(&self) -> Duration {
        let next = outbox::next_due(&mut self.store.conn())
            .await
            .unwrap_or(None);
        let now = self.store.now();
        match next {
            Some(at) if at > now => (at - now).to_std().unwrap_or(IDLE_POLL).min(IDLE_POLL),
            Some(_) => Duration::from_millis(10),
            None => IDLE_POLL,
        }
    }

    /// Items, newest first, optionally of one status.
    pub async fn items(
        &self,
        status: Option<OutboxStatus>,
        limit: i64,
    ) -> Result<Vec<OutboxItem>, crate::storage::StorageError> {
        self.store.outbox(status, limit).await
    }

    /// Items, newest first, optionally of one status, with what they say and to whom, read
    /// by `actor`: audited (`outbox.view`), as reading a ticket is.
    pub async fn items_read_by(
        &self,
        status: Option<OutboxStatus>,
        limit: i64,
        actor: &str,
    ) -> Result<Vec<OutboxItem>, crate::storage::StorageError> {
        let items = self.store.outbox(status, limit).await?;
        let entry = crate::storage::AuditEntry::new(actor, "outbox.view", "outbox", "list")
            .detail(format!("{} items", items.len()));
        self.store.record_audit(&entry).await?;
        Ok(items)
    }

    /// Puts a failed item back in the queue, as `actor` (recorded in the audit log).
    pub async fn retry(
        &self,
        id: i64,
        actor: &str,
    ) -> Result<outbox::Requeue, crate::storage::StorageError> {
        let outcome = self.store.retry_outbox(id, actor).await?;
        if outcome == outbox::Requeue::Requeued {
            self.wakeup.ring();
        }
        Ok(outcome)
    }
}

/// The wait before attempt `attempts + 1`: doubling from the first delay, capped.
pub fn backoff(settings: &OutboxSettings, attempts: i64) -> chrono::Duration {
    let exponent = attempts.clamp(1, 30) as u32 - 1;
    let ms = settings.first_delay_ms.saturating_mul(1u64 << exponent);
    let ms = ms.min(settings.max_delay_secs.saturating_mul(1000));
    chrono::Duration::milliseconds(ms as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let s = OutboxSettings {
            max_attempts: 20,
            first_delay_ms: 500,
            max_delay_secs: 300,
        };
        let ms: Vec<i64> = (1..=12)
            .map(|a| backoff(&s, a).num_milliseconds())
            .collect();
        assert_eq!(&ms[..5], &[500, 1000, 2000, 4000, 8000]);
        assert_eq!(ms[11], 300_000);
        assert!(ms.windows(2).all(|w| w[0] <= w[1]));
    }
}

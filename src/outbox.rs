//! The outbox worker: delivers queued messages to outside systems (the LoGoチャット
//! outgoing URL; the operators' notices: their LoGo room and e-mail), persistently.
//!
//! - An item is written in the same transaction as the message it carries, so nothing
//!   queued is lost when the server stops; the worker picks up pending items on start.
//! - Per room, only the oldest pending item is tried: a room's messages arrive in order,
//!   while other rooms carry on.
//! - A failed attempt is retried after `first_delay_ms` doubling up to `max_delay_secs`;
//!   after `max_attempts` the item is marked `failed` (listed by the operator API and
//!   logged) and the room's next item goes ahead.
//! - Delivery is at least once: if the server stops between the receiver's answer and the
//!   record of it, the item is sent again after the restart with the same
//!   `X-Madoguchi-Delivery` id, for the receiver to drop.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::task::JoinSet;

use crate::channels::logochat;
use crate::config::OutboxSettings;
use crate::helpdesk::Helpdesk;
use crate::notify;
use crate::storage::OutboxItem;

/// Items tried at once (each from a different room).
const BATCH: i64 = 32;
/// Longest the worker sleeps without looking (in case a wake-up was missed).
const IDLE_POLL: Duration = Duration::from_secs(1);

/// Runs until `shutdown` resolves.
pub async fn run(helpdesk: Arc<Helpdesk>, shutdown: impl std::future::Future<Output = ()>) {
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .build()
        .expect("an HTTP client without TLS settings always builds");
    tokio::pin!(shutdown);
    loop {
        let wait = match deliver_due(&helpdesk, &client).await {
            Ok(0) => idle_time(&helpdesk).await,
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
            _ = helpdesk.outbox_wakeup.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// Tries every item that is due now; returns how many were tried.
pub async fn deliver_due(
    helpdesk: &Arc<Helpdesk>,
    client: &reqwest::Client,
) -> anyhow::Result<usize> {
    let now = helpdesk.clock.now();
    let due = helpdesk.store.due_outbox(now, BATCH).await?;
    let count = due.len();
    let mut attempts = JoinSet::new();
    for item in due {
        let helpdesk = helpdesk.clone();
        let client = client.clone();
        attempts.spawn(async move {
            let result = deliver(&helpdesk, &client, &item).await;
            record(&helpdesk, &item, result).await
        });
    }
    while let Some(done) = attempts.join_next().await {
        done??;
    }
    Ok(count)
}

async fn deliver(
    helpdesk: &Helpdesk,
    client: &reqwest::Client,
    item: &OutboxItem,
) -> Result<(), String> {
    match item.channel.as_str() {
        "logochat" => {
            let now = helpdesk.clock.now().timestamp();
            logochat::outgoing::deliver(client, &helpdesk.settings.logochat, item, now).await
        }
        notify::ROOM_CHANNEL => notify::deliver_room_notice(helpdesk, client, item).await,
        notify::MAIL_CHANNEL => notify::smtp::deliver(&helpdesk.settings.notify.smtp, item).await,
        other => Err(format!("no adapter delivers to channel {other:?}")),
    }
}

async fn record(
    helpdesk: &Helpdesk,
    item: &OutboxItem,
    result: Result<(), String>,
) -> anyhow::Result<()> {
    let now = helpdesk.clock.now();
    let store = &helpdesk.store;
    match result {
        Ok(()) => store.mark_outbox(item.id, "delivered", now, None).await?,
        Err(error) => {
            let attempts = item.attempts + 1;
            let settings = &helpdesk.settings.outbox;
            if attempts >= i64::from(settings.max_attempts) {
                tracing::warn!(item = item.id, attempts, error = %error, "outbox: gave up");
                store
                    .mark_outbox(item.id, "failed", now, Some(&error))
                    .await?;
            } else {
                let next = now + backoff(settings, attempts);
                tracing::debug!(item = item.id, attempts, error = %error, "outbox: will retry");
                store
                    .mark_outbox(item.id, "pending", next, Some(&error))
                    .await?;
            }
        }
    }
    Ok(())
}

/// The wait before attempt `attempts + 1`: doubling from the first delay, capped.
pub fn backoff(settings: &OutboxSettings, attempts: i64) -> chrono::Duration {
    let exponent = attempts.clamp(1, 30) as u32 - 1;
    let ms = settings.first_delay_ms.saturating_mul(1u64 << exponent);
    let ms = ms.min(settings.max_delay_secs.saturating_mul(1000));
    chrono::Duration::milliseconds(ms as i64)
}

/// How long to sleep when nothing is due: until the next item is, at most [`IDLE_POLL`].
async fn idle_time(helpdesk: &Helpdesk) -> Duration {
    let next: Option<DateTime<Utc>> = helpdesk.store.next_outbox_due().await.unwrap_or(None);
    let now = helpdesk.clock.now();
    match next {
        Some(at) if at > now => (at - now).to_std().unwrap_or(IDLE_POLL).min(IDLE_POLL),
        Some(_) => Duration::from_millis(10),
        None => IDLE_POLL,
    }
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

//! Sending to LoGoチャット: one outbox item, encoded as the platform's JSON and POSTed to
//! the configured URL, signed like inbound calls when a signing secret is set.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use super::{auth, DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, TOKEN_HEADER};
use crate::clock::Clock;
use crate::config::LogoChatSettings;
use crate::outbox::{Deliver, DeliveryError};
use crate::storage::{Delivery, OutboxItem};

/// How long one delivery may take before it counts as failed.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// The body POSTed to the outgoing URL for a message to `user_id` in `room_id` (the
/// contract in integrations/logochat/README.md, fixture `outgoing`).
pub fn payload(room_id: &str, user_id: &str, text: &str) -> String {
    serde_json::json!({"room_id": room_id, "user_id": user_id, "text": text}).to_string()
}

/// Delivers outbox items to one LoGoチャット URL: the staff members' outgoing URL, or the
/// operators' notice URL. Signed like inbound calls when a signing secret is set.
pub struct LogoChatDelivery {
    client: reqwest::Client,
    /// `None`: the URL is not configured, and every attempt fails saying so.
    url: Result<String, &'static str>,
    settings: LogoChatSettings,
    clock: Arc<dyn Clock>,
}

impl LogoChatDelivery {
    pub fn new(
        client: reqwest::Client,
        url: Result<String, &'static str>,
        settings: LogoChatSettings,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            client,
            url,
            settings,
            clock,
        }
    }

    /// Posts the item's text to the room (and user) it names. `Err` holds a short reason
    /// for the outbox record (never the body, which can hold personal information), and
    /// is permanent for a reply that no retry can change ([`refusal`]).
    async fn post(&self, item: &OutboxItem, delivery: &Delivery) -> Result<(), DeliveryError> {
        let url = self.url.as_ref().map_err(|e| DeliveryError::from(*e))?;
        let body = payload(
            &item.room,
            item.recipient.as_deref().unwrap_or(""),
            &delivery.text,
        );
        let now_unix = self.clock.now().timestamp();
        let mut request = self
            .client
            .post(url)
            .timeout(DELIVERY_TIMEOUT)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(DELIVERY_HEADER, item.id.to_string());
        if let Some(token) = &self.settings.token {
            request = request.header(TOKEN_HEADER, token.expose());
        }
        if let Some(secret) = &self.settings.signing_secret {
            request = request
                .header(TIMESTAMP_HEADER, now_unix.to_string())
                .header(
                    SIGNATURE_HEADER,
                    auth::sign(secret.expose(), now_unix, body.as_bytes()),
                );
        }
        let response = request
            .body(body)
            .send()
            .await
            .map_err(|e| format!("request failed: {}", without_url(&e)))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(refusal(status))
        }
    }
}

impl Deliver for LogoChatDelivery {
    fn deliver<'a>(
        &'a self,
        item: &'a OutboxItem,
        delivery: &'a Delivery,
    ) -> Pin<Box<dyn Future<Output = Result<(), DeliveryError>> + Send + 'a>> {
        Box::pin(self.post(item, delivery))
    }
}

/// The error for a reply that is not a 2xx: its status code only (the reply's body may
/// echo the message or name the staff member). A 4xx says this item is refused (a room
/// or user that does not exist, a body refused): sending it again cannot help, so it is
/// permanent and the room's next item goes ahead. 408 and 429 say the receiver was slow
/// or busy, and 401, 403 and 407 that the helpdesk itself is not accepted (a token or
/// signature, a clock out of the window, a proxy): every item would be refused alike
/// until the configuration is mended, so they are retried like a 5xx, not lost.
fn refusal(status: reqwest::StatusCode) -> DeliveryError {
    use reqwest::StatusCode as S;
    let reason = format!("HTTP {}", status.as_u16());
    let retried = matches!(
        status,
        S::REQUEST_TIMEOUT
            | S::TOO_MANY_REQUESTS
            | S::UNAUTHORIZED
            | S::FORBIDDEN
            | S::PROXY_AUTHENTICATION_REQUIRED
    );
    if status.is_client_error() && !retried {
        DeliveryError::permanent(reason)
    } else {
        reason.into()
    }
}

/// A reqwest error without the URL (it may carry credentials in its query).
fn without_url(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "cannot connect"
    } else {
        "error"
    };
    let mut source = std::error::Error::source(error);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {detail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_4xx_is_permanent_but_408_429_401_403_407_and_5xx_are_retried() {
        for (code, permanent) in [
            (400, true),
            (401, false),
            (403, false),
            (407, false),
            (404, true),
            (410, true),
            (413, true),
            (408, false),
            (429, false),
            (500, false),
            (502, false),
            (503, false),
            (302, false),
        ] {
            let error = refusal(reqwest::StatusCode::from_u16(code).unwrap());
            assert_eq!(error.permanent, permanent, "{code}");
            assert_eq!(error.reason, format!("HTTP {code}"));
        }
    }
}

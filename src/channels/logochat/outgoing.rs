//! Sending to LoGoチャット: one outbox item, POSTed to the configured outgoing URL as
//! JSON, signed like inbound calls when a signing secret is set.

use std::time::Duration;

use super::{auth, DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, TOKEN_HEADER};
use crate::config::LogoChatSettings;
use crate::storage::OutboxItem;

/// How long one delivery may take before it counts as failed.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// The body POSTed to the outgoing URL for a message to `user_id` in `room_id` (the
/// contract in integrations/logochat/README.md, fixture `outgoing`).
pub fn payload(room_id: &str, user_id: &str, text: &str) -> String {
    serde_json::json!({"room_id": room_id, "user_id": user_id, "text": text}).to_string()
}

/// Posts `item` to the outgoing URL. `Err` holds a short reason for the outbox record
/// (never the body, which can hold personal information).
pub async fn deliver(
    client: &reqwest::Client,
    settings: &LogoChatSettings,
    item: &OutboxItem,
    now_unix: i64,
) -> Result<(), String> {
    let Some(url) = &settings.outgoing_url else {
        return Err("MADOGUCHI_LOGOCHAT_OUTGOING_URL is not set".into());
    };
    deliver_to(client, url, settings, item, now_unix).await
}

/// Posts `item` to `url` (the outgoing URL, or another one such as the operators'
/// notices'), with the token and signature of `settings`.
pub async fn deliver_to(
    client: &reqwest::Client,
    url: &str,
    settings: &LogoChatSettings,
    item: &OutboxItem,
    now_unix: i64,
) -> Result<(), String> {
    let mut request = client
        .post(url)
        .timeout(DELIVERY_TIMEOUT)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(DELIVERY_HEADER, item.id.to_string());
    if let Some(token) = &settings.token {
        request = request.header(TOKEN_HEADER, token.expose());
    }
    if let Some(secret) = &settings.signing_secret {
        request = request
            .header(TIMESTAMP_HEADER, now_unix.to_string())
            .header(
                SIGNATURE_HEADER,
                auth::sign(secret.expose(), now_unix, item.payload.as_bytes()),
            );
    }
    let response = request
        .body(item.payload.clone())
        .send()
        .await
        .map_err(|e| format!("request failed: {}", without_url(&e)))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {status}"))
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

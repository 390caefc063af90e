//! `POST /integrations/logochat/webhook`: LoGoチャット in, the bot's answer out as
//! `{"text": ...}`. Credentials are checked before the body is read as a message;
//! nothing refused is stored, nor a message over the widget's length limit (answered
//! with a request to shorten it).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use serde_json::{json, Value};

use super::chat::MAX_MESSAGE_CHARS;
use super::error::{ApiError, ApiResult};
use super::json_body::RawBody;
use crate::channels::logochat::{auth, inbound, SIGNATURE_HEADER, TIMESTAMP_HEADER, TOKEN_HEADER};
use crate::conversation::{Identity, Incoming};
use crate::domain::Channel;
use crate::helpdesk::Helpdesk;

pub async fn webhook(
    State(helpdesk): State<Arc<Helpdesk>>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> ApiResult<Json<Value>> {
    let settings = &helpdesk.settings().logochat;
    let Some(token) = &settings.token else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "logochat_disabled",
            "LoGoチャット連携は設定されていません（MADOGUCHI_LOGOCHAT_TOKEN）。",
        ));
    };
    let header_token = super::bearer_token(&headers).or_else(|| header_str(&headers, TOKEN_HEADER));
    if let Some(given) = header_token {
        auth::check_token(token.expose(), Some(given)).map_err(unauthorized)?;
    }
    if let Some(secret) = &settings.signing_secret {
        auth::check_signature(
            secret.expose(),
            header_str(&headers, TIMESTAMP_HEADER),
            header_str(&headers, SIGNATURE_HEADER),
            &body,
            helpdesk.now().timestamp(),
        )
        .map_err(unauthorized)?;
    }
    let content_type = header_str(&headers, header::CONTENT_TYPE.as_str());
    let message = match inbound::parse(content_type, &body) {
        Ok(message) => message,
        // Without credentials in the headers, say no more than 401.
        Err(_) if header_token.is_none() => {
            return Err(unauthorized(auth::AuthError::MissingToken))
        }
        Err(reason) => return Err(ApiError::bad_request("invalid_body", reason)),
    };
    if header_token.is_none() {
        auth::check_token(token.expose(), message.token.as_deref()).map_err(unauthorized)?;
    }
    // The widget's limit. LoGoチャット shows the staff member only a 200's `text`, so a
    // message too long is answered there, asking for a shorter one; nothing is stored.
    if message.text.chars().count() > MAX_MESSAGE_CHARS {
        // Not the room: a helpdesk room is one staff member's.
        tracing::info!(
            chars = message.text.chars().count(),
            "logochat webhook: message too long, not stored"
        );
        return Ok(Json(json!({ "text": too_long() })));
    }
    let handled = helpdesk
        .conversations()
        .receive(Incoming {
            channel: Channel::LogoChat,
            room: message.room_id,
            identity: Identity::LogoChatId(message.user_id.clone()),
            user_ref: message.user_id,
            user_name: message.user_name,
            message_id: Some(message.message_id),
            text: message.text,
        })
        .await?;
    let text = handled
        .replies
        .iter()
        .map(|m| m.text.as_str())
        .collect::<Vec<_>>()
        .join("\n\n");
    Ok(Json(if text.is_empty() {
        json!({})
    } else {
        json!({"text": text})
    }))
}

/// The answer to a message over [`MAX_MESSAGE_CHARS`].
fn too_long() -> String {
    format!(
        "メッセージが長すぎるため受け付けられませんでした（{MAX_MESSAGE_CHARS}文字まで）。\
         要点を短くまとめて、もう一度送ってください。"
    )
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok()
}

fn unauthorized(error: auth::AuthError) -> ApiError {
    tracing::warn!(reason = %error, "logochat webhook: refused");
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "認証に失敗しました。",
    )
}

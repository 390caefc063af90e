//! The portal widget's chat API.
//!
//! - `POST /api/v1/chat` `{"conversation"?, "message_id", "text"}` → the conversation
//!   token and the bot's replies;
//! - `GET /api/v1/chat/{conversation}/messages?after=ID` → the messages after `ID` (the
//!   widget polls it for operators' replies and reads it whole after a page reload).
//!
//! The token is the conversation's secret handle: 128 random bits, issued on the first
//! message. When the portal's reverse proxy passes a trusted identity header (configured,
//! off by default) the conversation knows who is asking.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiResult};
use super::extract::{ApiPath, ApiQuery};
use super::json_body::JsonBody;
use super::messages::{bodies, MessageBody};
use super::rate_limit::ChatLimits;
use crate::conversation::{new_token, open_form, Identity, Incoming};
use crate::domain::Channel;
use crate::helpdesk::Helpdesk;
use crate::storage::ConversationRow;

/// Longest message the widget may send.
pub const MAX_MESSAGE_CHARS: usize = 2000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatRequest {
    #[serde(default)]
    pub conversation: Option<String>,
    pub message_id: String,
    pub text: String,
}

#[derive(Serialize)]
pub struct ChatResponse {
    pub conversation: String,
    pub messages: Vec<MessageBody>,
    /// `request` or `loan` while the conversation has a form open (`…/form` gives it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form: Option<&'static str>,
}

#[derive(Serialize)]
pub struct MessagesResponse {
    pub messages: Vec<MessageBody>,
    /// `bot` or `operator`: who answers in the conversation now.
    pub handler: String,
    /// `request` or `loan` while the conversation has a form open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form: Option<&'static str>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct After {
    #[serde(default)]
    pub after: i64,
}

pub async fn post(
    State(helpdesk): State<Arc<Helpdesk>>,
    Extension(limits): Extension<Arc<ChatLimits>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<ChatRequest>,
) -> ApiResult<Json<ChatResponse>> {
    limits
        .check_address(peer.map(|Extension(ConnectInfo(peer))| peer.ip()))
        .map_err(ApiError::too_many_requests)?;
    validate_message_id(&request.message_id)?;
    if request.text.trim().is_empty() {
        return Err(ApiError::bad_request(
            "empty_question",
            "質問を入力してください。",
        ));
    }
    if request.text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ApiError::bad_request(
            "too_long",
            format!("メッセージは{MAX_MESSAGE_CHARS}文字以内で送ってください。"),
        ));
    }
    let token = match &request.conversation {
        Some(token) => conversation(&helpdesk, token).await?.token,
        None => new_token(),
    };
    limits
        .check_conversation(&token)
        .map_err(ApiError::too_many_requests)?;
    let identity = identity(&helpdesk, &headers);
    let handled = helpdesk
        .conversations()
        .receive(Incoming {
            channel: Channel::Widget,
            room: token.clone(),
            user_ref: String::new(),
            user_name: None,
            identity,
            // Scoped to the conversation: another browser cannot replay this id.
            message_id: Some(format!("{token}:{}", request.message_id)),
            text: request.text,
        })
        .await?;
    Ok(Json(ChatResponse {
        conversation: token,
        messages: bodies(&handled.replies),
        form: open_form(&handled.conversation.state),
    }))
}

pub async fn messages(
    State(helpdesk): State<Arc<Helpdesk>>,
    ApiPath(token): ApiPath<String>,
    ApiQuery(after): ApiQuery<After>,
) -> ApiResult<Json<MessagesResponse>> {
    let conversation = conversation(&helpdesk, &token).await?;
    let messages = helpdesk
        .conversations()
        .messages_after(conversation.id, after.after)
        .await?;
    Ok(Json(MessagesResponse {
        messages: bodies(&messages),
        handler: conversation.handler.kind().to_owned(),
        form: open_form(&conversation.state),
    }))
}

/// The widget conversation with this token, or 404.
async fn conversation(helpdesk: &Helpdesk, token: &str) -> ApiResult<ConversationRow> {
    helpdesk
        .conversations()
        .widget_conversation(token)
        .await?
        .ok_or_else(|| ApiError::not_found("会話が見つかりません。新しく質問してください。"))
}

pub(super) fn identity(helpdesk: &Helpdesk, headers: &HeaderMap) -> Identity {
    helpdesk
        .settings()
        .widget
        .identity_header
        .as_deref()
        .and_then(|name| headers.get(name))
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 200)
        .map(|v| Identity::Trusted(v.to_owned()))
        .unwrap_or(Identity::Anonymous)
}

pub(super) fn validate_message_id(id: &str) -> ApiResult<()> {
    let ok = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "invalid_message_id",
            "message_id は英数字・-・_ の1〜64文字で送ってください。",
        ))
    }
}

//! The widget's forms (request and loan), beside its chat API and behind the same Origin
//! check and CORS:
//!
//! - `GET /api/v1/chat/{conversation}/form` → `{"form": Form | null}`: the form the
//!   conversation has open (the chat's answers say `"form": "request" | "loan"`);
//! - `POST /api/v1/chat/{conversation}/request` `{"message_id", "fields": {...}}` → 201;
//! - `GET /api/v1/chat/{conversation}/availability?item=&quantity=&from_date=&...` → the
//!   free units and the nearest free alternative;
//! - `POST /api/v1/chat/{conversation}/reservation` `{"message_id", "item", "quantity",
//!   "from_date", "from_time", "to_date", "to_time", "purpose"}` → 201.
//!
//! A form handed in counts against the chat's rate limits like a message; the reads have
//! limits of their own (three times as many). The requester is the widget's trusted
//! identity (`[widget] identity_header`); a form carries no requester.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::chat::{identity, validate_message_id};
use super::error::{ApiError, ApiResult};
use super::extract::{ApiPath, ApiQuery};
use super::json_body::JsonBody;
use super::messages::{bodies, MessageBody};
use super::rate_limit::ChatLimits;
use crate::config::WidgetSettings;
use crate::conversation::{Availability, Form, FormError, FormSubmitted, LoanInput};
use crate::helpdesk::Helpdesk;

/// The reads' own limits (a form's availability is asked again as its fields change).
pub struct ReadLimits(ChatLimits);

impl ReadLimits {
    pub fn new(settings: &WidgetSettings) -> Self {
        let times = |n: u32| n.saturating_mul(3);
        Self(ChatLimits::new(&WidgetSettings {
            conversation_messages_per_minute: times(settings.conversation_messages_per_minute),
            address_messages_per_minute: times(settings.address_messages_per_minute),
            ..settings.clone()
        }))
    }

    fn check(
        &self,
        peer: Option<Extension<ConnectInfo<SocketAddr>>>,
        token: &str,
    ) -> ApiResult<()> {
        self.0
            .check_address(peer.map(|Extension(ConnectInfo(p))| p.ip()))
            .and_then(|()| self.0.check_conversation(token))
            .map_err(ApiError::too_many_requests)
    }
}

#[derive(Serialize)]
pub struct FormBody {
    form: Option<Form>,
}

/// `GET /api/v1/chat/{conversation}/form`.
pub async fn form(
    State(helpdesk): State<Arc<Helpdesk>>,
    Extension(limits): Extension<Arc<ReadLimits>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    ApiPath(token): ApiPath<String>,
) -> ApiResult<Json<FormBody>> {
    limits.check(peer, &token)?;
    let form = helpdesk.conversations().form(&token).await?;
    Ok(Json(FormBody { form }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestFormBody {
    message_id: String,
    #[serde(default)]
    fields: Map<String, Value>,
}

#[derive(Serialize)]
pub struct Submitted {
    /// The 受付番号 (`R-12`, `L-3`; a returned request resubmitted keeps its own); null
    /// when the same form was sent before.
    number: Option<String>,
    /// The staff member's summary and the reply, for the log.
    messages: Vec<MessageBody>,
}

fn submitted(sent: FormSubmitted) -> (StatusCode, Json<Submitted>) {
    let status = if sent.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let body = Submitted {
        number: sent.number,
        messages: bodies(&sent.messages),
    };
    (status, Json(body))
}

/// Counts a form handed in like a chat message.
fn count(
    limits: &ChatLimits,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    token: &str,
    message_id: &str,
) -> ApiResult<()> {
    limits
        .check_address(peer.map(|Extension(ConnectInfo(p))| p.ip()))
        .map_err(ApiError::too_many_requests)?;
    validate_message_id(message_id)?;
    limits
        .check_conversation(token)
        .map_err(ApiError::too_many_requests)
}

/// `POST /api/v1/chat/{conversation}/request`.
pub async fn submit_request(
    State(helpdesk): State<Arc<Helpdesk>>,
    Extension(limits): Extension<Arc<ChatLimits>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    ApiPath(token): ApiPath<String>,
    JsonBody(body): JsonBody<RequestFormBody>,
) -> ApiResult<(StatusCode, Json<Submitted>)> {
    count(&limits, peer, &token, &body.message_id)?;
    let who = identity(&helpdesk, &headers);
    let sent = helpdesk
        .conversations()
        .submit_request_form(&token, &who, &body.message_id, body.fields)
        .await?;
    Ok(submitted(sent))
}

/// `GET /api/v1/chat/{conversation}/availability?...`.
pub async fn availability(
    State(helpdesk): State<Arc<Helpdesk>>,
    Extension(limits): Extension<Arc<ReadLimits>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    ApiPath(token): ApiPath<String>,
    ApiQuery(input): ApiQuery<LoanInput>,
) -> ApiResult<Json<Availability>> {
    limits.check(peer, &token)?;
    let found = helpdesk
        .conversations()
        .loan_availability(&token, &input)
        .await?;
    Ok(Json(found))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoanFormBody {
    message_id: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    from_date: String,
    #[serde(default)]
    from_time: String,
    #[serde(default)]
    to_date: String,
    #[serde(default)]
    to_time: String,
    #[serde(default)]
    purpose: String,
}

/// `POST /api/v1/chat/{conversation}/reservation`.
pub async fn submit_reservation(
    State(helpdesk): State<Arc<Helpdesk>>,
    Extension(limits): Extension<Arc<ChatLimits>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    ApiPath(token): ApiPath<String>,
    JsonBody(body): JsonBody<LoanFormBody>,
) -> ApiResult<(StatusCode, Json<Submitted>)> {
    count(&limits, peer, &token, &body.message_id)?;
    let who = identity(&helpdesk, &headers);
    let input = LoanInput {
        item: body.item,
        quantity: body.quantity,
        from_date: body.from_date,
        from_time: body.from_time,
        to_date: body.to_date,
        to_time: body.to_time,
        purpose: body.purpose,
    };
    let sent = helpdesk
        .conversations()
        .submit_loan_form(&token, &who, &body.message_id, &input)
        .await?;
    Ok(submitted(sent))
}

impl From<FormError> for ApiError {
    fn from(error: FormError) -> Self {
        let message = error.to_string();
        match error {
            FormError::NoConversation => Self::not_found(message),
            FormError::NoForm => Self::new(StatusCode::CONFLICT, "no_form", message),
            FormError::UnknownRequester(_) => {
                Self::new(StatusCode::FORBIDDEN, "unknown_requester", message)
            }
            FormError::InvalidFields(fields) => Self::invalid_fields(fields),
            FormError::Unavailable { available, .. } => {
                Self::new(StatusCode::CONFLICT, "unavailable", message)
                    .with("available", serde_json::json!(available))
            }
            FormError::Busy => Self::new(StatusCode::SERVICE_UNAVAILABLE, "busy", message),
            FormError::Refused(_) => Self::new(StatusCode::CONFLICT, "refused", message),
            FormError::Storage(e) => e.into(),
            FormError::Internal(e) => e.into(),
        }
    }
}

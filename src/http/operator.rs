//! The operator JSON API for integrations: the ticket queue and what operators do with a
//! ticket (take, reply, hand back, resolve), and the outbox's failures. Callers present
//! the configured operator token (`Authorization: Bearer`) and name themselves in each
//! action; people use the console.

use std::sync::Arc;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::error::{ApiError, ApiResult};
use super::extract::{ApiPath, ApiQuery};
use super::json_body::JsonBody;
use super::messages::{bodies, MessageBody};
use crate::domain::{OutboxStatus, TextEnum, TicketStatus};
use crate::helpdesk::Helpdesk;
use crate::storage::outbox::Requeue;
use crate::storage::{OutboxItem, Ticket};
use crate::tickets::OperatorAction;

/// Proof that the caller presented the operator token.
pub struct Operator;

impl FromRequestParts<Arc<Helpdesk>> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, helpdesk: &Arc<Helpdesk>) -> ApiResult<Self> {
        let Some(expected) = &helpdesk.settings().operator_token else {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "operator_api_disabled",
                "オペレーターAPIは設定されていません（MADOGUCHI_OPERATOR_TOKEN）。",
            ));
        };
        let given = super::bearer_token(&parts.headers).unwrap_or("");
        if bool::from(given.as_bytes().ct_eq(expected.expose().as_bytes())) {
            Ok(Operator)
        } else {
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "認証に失敗しました。",
            ))
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default)]
    pub status: Option<String>,
    /// Only tickets past their first-response or resolution due time.
    #[serde(default)]
    pub overdue: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxQuery {
    #[serde(default)]
    pub status: Option<OutboxStatus>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    pub operator: String,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub faq_id: Option<String>,
}

#[derive(Serialize)]
pub struct TicketDetail {
    #[serde(flatten)]
    pub ticket: Ticket,
    /// The conversation when it was escalated.
    pub transcript: serde_json::Value,
    /// Every message of the conversation, to now.
    pub messages: Vec<MessageBody>,
}

#[derive(Serialize)]
pub struct ActionResponse {
    pub ticket: Ticket,
    /// What was sent to the staff member.
    pub sent: Vec<MessageBody>,
}

const LIST_LIMIT: i64 = 500;

/// The audit log's actor for reads through the token-protected API.
const OPERATOR_API: &str = "operator-api";

pub async fn list(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Vec<Ticket>>> {
    let status = match query.status.as_deref() {
        None => None,
        Some(s) => Some(TicketStatus::parse(s).map_err(|_| {
            let names: Vec<&str> = TicketStatus::ALL.iter().map(|s| s.as_str()).collect();
            ApiError::bad_request(
                "invalid_status",
                format!("status は {} のどれかです。", names.join(", ")),
            )
        })?),
    };
    let tickets = helpdesk
        .tickets()
        .list(status, query.overdue, LIST_LIMIT)
        .await?;
    Ok(Json(tickets))
}

pub async fn show(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<TicketDetail>> {
    // Reading a ticket shows a staff member's messages: recorded, under the API's name.
    let (ticket, messages) = helpdesk.tickets().transcript(id, OPERATOR_API).await?;
    let transcript = serde_json::from_str(&ticket.transcript).unwrap_or_default();
    Ok(Json(TicketDetail {
        ticket,
        transcript,
        messages: bodies(&messages),
    }))
}

/// `POST /api/v1/tickets/{id}/{take|reply|hand-back|resolve}`.
pub async fn act(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    ApiPath((id, verb)): ApiPath<(i64, String)>,
    JsonBody(request): JsonBody<ActionRequest>,
) -> ApiResult<Json<ActionResponse>> {
    let operator = checked_operator(&request.operator)?;
    let operator = operator.as_str();
    let action = match verb.as_str() {
        "take" => OperatorAction::Take,
        "reply" => OperatorAction::Reply(request.text.unwrap_or_default()),
        "hand-back" => OperatorAction::HandBack,
        "resolve" => OperatorAction::Resolve {
            faq_id: request.faq_id.filter(|f| !f.trim().is_empty()),
        },
        _ => return Err(ApiError::not_found("そのURLは見つかりません。")),
    };
    let (ticket, sent) = helpdesk.tickets().act(id, operator, action).await?;
    Ok(Json(ActionResponse {
        ticket,
        sent: bodies(&sent),
    }))
}

/// `GET /api/v1/outbox`: the items with what they say and to whom (personal data, as a
/// ticket's transcript is): audited, as reading a ticket is.
pub async fn outbox(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    ApiQuery(query): ApiQuery<OutboxQuery>,
) -> ApiResult<Json<Vec<OutboxItem>>> {
    let items = helpdesk
        .outbox()
        .items_read_by(query.status, LIST_LIMIT, "operator-api")
        .await?;
    Ok(Json(items))
}

pub async fn retry_outbox(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    match helpdesk.outbox().retry(id, "operator-api").await? {
        Requeue::Requeued => Ok(StatusCode::NO_CONTENT),
        Requeue::NotFailed => Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_failed",
            "送信に失敗した項目だけを再送できます。",
        )),
        Requeue::NoSuchItem => Err(ApiError::not_found(format!(
            "送信待ちの項目 {id} はありません。"
        ))),
    }
}

/// The operator an API call names (`operator`), as written into the audit log: trimmed,
/// 1 to 64 characters, no control characters; else 400 `invalid_operator`.
pub(super) fn checked_operator(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "invalid_operator",
            "operator に担当者のログイン名（64文字以内）を入れてください。",
        ));
    }
    Ok(name.to_owned())
}

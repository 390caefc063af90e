//! The one error type of the HTTP API: a status, a stable code and a Japanese message,
//! rendered as `{"error": {"code", "message"}}`. Internal errors are logged and hidden.

use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// `Retry-After`, in seconds.
    retry_after: Option<u64>,
    /// Each bad field and why (`invalid_fields`).
    fields: Option<std::collections::BTreeMap<String, String>>,
    /// One more member of the error object (`"available": 2` of `unavailable`).
    extra: Option<Box<(&'static str, serde_json::Value)>>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
            fields: None,
            extra: None,
        }
    }

    /// Adds `key` to the error object.
    pub fn with(mut self, key: &'static str, value: serde_json::Value) -> Self {
        self.extra = Some(Box::new((key, value)));
        self
    }

    /// 400 `invalid_fields`, naming each bad field and why.
    pub fn invalid_fields(fields: std::collections::BTreeMap<String, String>) -> Self {
        Self {
            fields: Some(fields),
            ..Self::bad_request(
                "invalid_fields",
                "入力に誤りがあります。項目ごとの理由を確かめてください。",
            )
        }
    }

    /// 429 `too_many_requests`, with `Retry-After` (whole seconds, at least 1).
    pub fn too_many_requests(wait: Duration) -> Self {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let seconds = seconds.max(1);
        Self {
            retry_after: Some(seconds),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                format!("送信が続いたため、受け付けを止めています。{seconds}秒ほど待ってから、もう一度お試しください。"),
            )
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        tracing::error!(error = %error, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "内部エラーが発生しました。時間をおいて再度お試しください。",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({"error": {"code": self.code, "message": self.message}});
        if let Some(fields) = self.fields {
            body["error"]["fields"] = serde_json::json!(fields);
        }
        if let Some(extra) = self.extra {
            let (key, value) = *extra;
            body["error"][key] = value;
        }
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

impl From<crate::storage::StorageError> for ApiError {
    /// The one conversion from storage errors: a change that lost a race is a 409, input
    /// the store refused a 400, anything else a hidden 500.
    fn from(error: crate::storage::StorageError) -> Self {
        use crate::storage::StorageError as E;
        match error {
            E::Conflict(_) => Self::new(
                StatusCode::CONFLICT,
                "conflict",
                "ほかの操作と重なりました。読み込み直してから、もう一度お試しください。",
            ),
            E::Invalid(reason) => Self::bad_request("invalid", reason),
            other => anyhow::Error::from(other).into(),
        }
    }
}

impl From<crate::tickets::TicketError> for ApiError {
    fn from(error: crate::tickets::TicketError) -> Self {
        use crate::tickets::TicketError as E;
        let message = error.to_string();
        match error {
            E::NoSuchTicket(_) | E::UnknownFaq(_) => {
                Self::new(StatusCode::NOT_FOUND, "not_found", message)
            }
            E::AlreadyResolved(_) => Self::new(StatusCode::CONFLICT, "already_resolved", message),
            E::Conflict(_) => Self::new(StatusCode::CONFLICT, "conflict", message),
            E::EmptyReply => Self::bad_request("empty_reply", message),
            E::Invalid(_) | E::Transition { .. } => Self::bad_request("invalid", message),
            E::Internal(e) => e.into(),
        }
    }
}

impl From<crate::conversation::ConversationError> for ApiError {
    fn from(error: crate::conversation::ConversationError) -> Self {
        use crate::conversation::ConversationError as E;
        match error {
            E::Busy => Self::new(StatusCode::SERVICE_UNAVAILABLE, "busy", error.to_string()),
            E::Storage(e) => e.into(),
            E::Internal(e) => e.into(),
        }
    }
}

impl From<crate::requests::RequestError> for ApiError {
    fn from(error: crate::requests::RequestError) -> Self {
        use crate::domain::request::NotAllowed as N;
        use crate::requests::RequestError as E;
        let message = error.to_string();
        match error {
            E::UnknownType(_) => Self::bad_request("unknown_type", message),
            E::InvalidFields(fields) => Self::invalid_fields(fields),
            E::NoSuchRequest(_) => Self::not_found(message),
            E::NotAllowed(N::FromState { .. } | N::SameApproverTwice) => {
                Self::new(StatusCode::CONFLICT, "not_allowed", message)
            }
            E::NotAllowed(N::ReasonRequired(_)) => Self::bad_request("reason_required", message),
            E::NotAllowed(_) => Self::new(StatusCode::FORBIDDEN, "forbidden", message),
            E::Invalid(_) => Self::bad_request("invalid", message),
            E::Conflict(_) => Self::new(StatusCode::CONFLICT, "conflict", message),
            E::Internal(e) => e.into(),
        }
    }
}

impl From<crate::outages::OutageError> for ApiError {
    fn from(error: crate::outages::OutageError) -> Self {
        use crate::outages::OutageError as E;
        let message = error.to_string();
        match error {
            E::NotFound(_) => Self::not_found(message),
            E::NotAllowed(_) => Self::new(StatusCode::CONFLICT, "not_allowed", message),
            E::Invalid(_) => Self::bad_request("invalid", message),
            E::Storage(e) => e.into(),
        }
    }
}

impl From<crate::loans::LoanError> for ApiError {
    fn from(error: crate::loans::LoanError) -> Self {
        use crate::loans::LoanError as E;
        let message = error.to_string();
        match error {
            E::UnknownItem(_) | E::NoSuchReservation(_) | E::NoSuchFeed => Self::not_found(message),
            E::UnknownRequester(_) => Self::bad_request("unknown_requester", message),
            E::UnknownOperator(_) => Self::bad_request("unknown_operator", message),
            E::NotAllowed(_) => Self::new(StatusCode::CONFLICT, "not_allowed", message),
            E::Unavailable { available } => Self::new(StatusCode::CONFLICT, "unavailable", message)
                .with("available", serde_json::json!(available)),
            E::Invalid(_) => Self::bad_request("invalid", message),
            E::Internal(e) => e.into(),
        }
    }
}

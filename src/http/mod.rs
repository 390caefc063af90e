//! The HTTP interface. Handlers only translate between HTTP and [`Helpdesk`].

mod ask;
mod error;
mod faqs;
mod json_body;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};

pub use error::{ApiError, ApiResult};

use crate::helpdesk::Helpdesk;

/// Largest request body accepted (64 KiB); larger ones get 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The whole HTTP application; tests drive it with `oneshot` without a socket.
pub fn app(helpdesk: Arc<Helpdesk>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/v1/ask", post(ask::ask))
        .route("/api/v1/faqs/{id}", get(faqs::show))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(helpdesk)
}

async fn healthz(
    axum::extract::State(helpdesk): axum::extract::State<Arc<Helpdesk>>,
) -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok", "faqs": helpdesk.engine.entry_count()}))
}

async fn not_found() -> ApiError {
    ApiError::not_found("そのURLは見つかりません。")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "このURLでは使えないメソッドです。",
    )
}

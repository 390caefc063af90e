//! The HTTP interface. Handlers only translate between HTTP and [`Helpdesk`].

mod ask;
mod calendar_feeds;
mod chat;
pub mod console;
pub mod deadline;
mod equipment;
mod error;
mod extract;
mod faqs;
mod json_body;
mod ledgers;
mod loans;
mod logochat;
mod messages;
mod operator;
mod origin;
mod outages;
mod rate_limit;
mod requests;
mod widget;
mod widget_forms;

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
        .route("/api/v1/tickets", get(operator::list))
        .route("/api/v1/tickets/{id}", get(operator::show))
        .route("/api/v1/tickets/{id}/{action}", post(operator::act))
        .route("/api/v1/request-types", get(requests::types))
        .route("/api/v1/requests", post(requests::create))
        .route("/api/v1/requests/{id}", get(requests::show))
        .route("/api/v1/requests/{id}/{action}", post(requests::act))
        .route("/api/v1/outbox", get(operator::outbox))
        .route("/api/v1/outbox/{id}/retry", post(operator::retry_outbox))
        .route(
            "/api/v1/ip-segments",
            get(ledgers::segments).post(ledgers::create_segment),
        )
        .route("/api/v1/ip-segments/{id}/allocate", post(ledgers::allocate))
        .route("/api/v1/ip-addresses", post(ledgers::enter))
        .route("/api/v1/ip-addresses/{address}", get(ledgers::show))
        .route(
            "/api/v1/ip-addresses/{address}/release",
            post(ledgers::release),
        )
        .route(
            "/api/v1/reservable-items",
            get(loans::items).post(loans::create_item),
        )
        .route("/api/v1/availability", get(loans::availability))
        .route("/api/v1/reservations", post(loans::reserve))
        .route("/api/v1/reservations/{id}", get(loans::show))
        .route("/api/v1/reservations/{id}/{action}", post(loans::act))
        .route("/api/v1/outages", get(outages::list).post(outages::declare))
        .route("/api/v1/outages/{id}", get(outages::show))
        .route("/api/v1/outages/{id}/{action}", post(outages::act))
        .route("/api/v1/calendar-feeds", post(calendar_feeds::create))
        .route(
            "/api/v1/calendar-feeds/{id}/revoke",
            post(calendar_feeds::revoke),
        )
        .route("/calendar/{file}", get(calendar_feeds::feed))
        .route(
            "/api/v1/equipment",
            get(equipment::search).post(equipment::register),
        )
        .route("/api/v1/equipment/{asset}", get(equipment::show))
        .route(
            "/api/v1/equipment/{asset}/state",
            post(equipment::set_state),
        )
        .route("/api/v1/equipment/{asset}/assign", post(equipment::assign))
        .route("/integrations/logochat/webhook", post(logochat::webhook))
        .merge(chat_routes(&helpdesk.settings().widget))
        .merge(widget::routes())
        .merge(console::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(helpdesk)
}

/// The widget's API, callable from the portal's pages on other origins (CORS).
fn chat_routes(settings: &crate::config::WidgetSettings) -> Router<Arc<Helpdesk>> {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    // Any origin without credentials by default; a configured list may also send the
    // portal's credentials (a proxy in front of the helpdesk that signs staff in).
    let listed = !settings.allowed_origins.is_empty();
    let origins = if listed {
        AllowOrigin::list(
            settings
                .allowed_origins
                .iter()
                .filter_map(|o| o.parse().ok()),
        )
    } else {
        AllowOrigin::any()
    };
    let cors = CorsLayer::new()
        .allow_origin(origins)
        .allow_credentials(listed)
        .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
        .allow_headers([axum::http::header::CONTENT_TYPE])
        .max_age(std::time::Duration::from_secs(600));
    Router::new()
        // OPTIONS routed explicitly, so that a preflight meets the CORS layer instead of
        // the app's 405.
        .route("/api/v1/chat", post(chat::post).options(preflight))
        .route(
            "/api/v1/chat/{conversation}/messages",
            get(chat::messages).options(preflight),
        )
        .route(
            "/api/v1/chat/{conversation}/form",
            get(widget_forms::form).options(preflight),
        )
        .route(
            "/api/v1/chat/{conversation}/request",
            post(widget_forms::submit_request).options(preflight),
        )
        .route(
            "/api/v1/chat/{conversation}/availability",
            get(widget_forms::availability).options(preflight),
        )
        .route(
            "/api/v1/chat/{conversation}/reservation",
            post(widget_forms::submit_reservation).options(preflight),
        )
        .layer(axum::middleware::from_fn_with_state(
            origin::AllowedOrigins::new(&settings.allowed_origins),
            origin::check,
        ))
        .layer(axum::Extension(Arc::new(rate_limit::ChatLimits::new(
            settings,
        ))))
        .layer(axum::Extension(Arc::new(widget_forms::ReadLimits::new(
            settings,
        ))))
        .layer(cors)
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

async fn preflight() -> StatusCode {
    StatusCode::NO_CONTENT
}

async fn healthz(
    axum::extract::State(helpdesk): axum::extract::State<Arc<Helpdesk>>,
) -> Json<serde_json::Value> {
    let engine = helpdesk.knowledge().engine();
    let semantic = helpdesk.semantic();
    let (retrieval, semantic) = match (&semantic.model_id, &semantic.off_reason) {
        (Some(model), _) => (
            "hybrid",
            serde_json::json!({
                "model_id": model,
                "vectors": engine.vector_count(),
                // The adapter in effect now: it follows the live entries.
                "query_adapter": engine.query_adapter(),
            }),
        ),
        (None, reason) => ("lexical", serde_json::json!({"off": reason})),
    };
    Json(serde_json::json!({
        "status": "ok",
        "faqs": helpdesk.knowledge().entry_count(),
        "retrieval": retrieval,
        "semantic": semantic,
    }))
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

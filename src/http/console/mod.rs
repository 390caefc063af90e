//! The operator console: server-rendered pages (askama) under `/operator`.
//!
//! Every page but sign-in needs a session ([`auth::Signed`]); every form carries the
//! session's CSRF token ([`auth::Posted`]). Pages send a strict Content-Security-Policy:
//! styles and scripts only from `/operator/static/`, nothing inline, nothing from elsewhere.

mod audit;
mod auth;
mod dashboard;
mod page;
mod proposals;
mod queue;
mod sign_in;
mod ticket;
mod unanswered;
mod users;
mod views;

use std::sync::Arc;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;

pub use auth::{Posted, Signed, SESSION_COOKIE};
pub use page::{PageError, PageResult};

use crate::helpdesk::Helpdesk;

/// The console's routes.
pub fn routes() -> Router<Arc<Helpdesk>> {
    Router::new()
        .route("/operator", get(queue::show))
        .route("/operator/queue/rows", get(queue::rows))
        .route(
            "/operator/sign-in",
            get(sign_in::form).post(sign_in::submit),
        )
        .route("/operator/sign-out", post(sign_in::sign_out))
        .route("/operator/tickets/{id}", get(ticket::show))
        .route("/operator/tickets/{id}/{action}", post(ticket::act))
        .route("/operator/users", get(users::show).post(users::add))
        .route("/operator/users/{login}/{action}", post(users::change))
        .route("/operator/audit", get(audit::show))
        .route("/operator/audit.csv", get(audit::export))
        // The learning loop and the dashboard (issue 4, points 5 and 6).
        .route("/operator/dashboard", get(dashboard::show))
        .route("/operator/unanswered", get(unanswered::show))
        .route("/operator/proposals", get(proposals::show))
        .route("/operator/proposals/{id}/{action}", post(proposals::decide))
        .route("/operator/static/console.css", get(stylesheet))
        .route("/operator/static/console.js", get(script))
        .layer(axum::middleware::map_response(page::security_headers))
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../../../assets/console/console.css"),
    )
}

async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../../../assets/console/console.js"),
    )
}

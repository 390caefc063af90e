//! The operator console: server-rendered pages (askama) under `/operator`.
//!
//! Every page but sign-in needs a session ([`auth::Signed`]); every form carries the
//! session's CSRF token ([`auth::Posted`]). Pages send a strict Content-Security-Policy:
//! styles and scripts only from `/operator/static/`, nothing inline, nothing from elsewhere.

mod audit;
mod auth;
mod batch_files;
mod batch_jobs;
mod batch_purge;
mod batch_upload;
mod batches;
mod dashboard;
mod equipment;
mod faq_edit;
mod faq_history;
mod faq_import;
mod faq_problems;
mod faq_test_box;
mod faqs;
mod ip_actions;
mod ip_import;
mod ip_ledger;
mod loan_actions;
mod loans;
mod outages;
mod page;
mod personnel;
mod personnel_actions;
mod proposals;
mod queue;
mod records;
mod reports;
mod request_files;
mod request_new;
mod requests;
mod sign_in;
mod synonyms;
mod ticket;
mod unanswered;
mod upload;
mod users;
mod views;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
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
        .route("/operator/loans", get(loans::today))
        .route("/operator/loans/calendar", get(loans::calendar))
        .route("/operator/loans/pending", get(loan_actions::pending))
        .route("/operator/loans/{id}", get(loan_actions::show))
        .route("/operator/loans/{id}/{action}", post(loan_actions::act))
        .route("/operator/requests", get(requests::list))
        .route(
            "/operator/requests/new",
            get(request_new::form).post(request_new::submit),
        )
        .route("/operator/requests/{id}", get(requests::show))
        .route(
            "/operator/requests/{id}/files/{name}",
            get(request_files::file),
        )
        .route(
            "/operator/requests/{id}/steps/{position}",
            post(requests::mark_step),
        )
        .route("/operator/requests/{id}/{action}", post(requests::act))
        .route("/operator/users", get(users::show).post(users::add))
        .route("/operator/users/{login}/{action}", post(users::change))
        .route("/operator/audit", get(audit::show))
        // Print batches: the schedule, intake, checks, preview, approval, printing.
        .route("/operator/batches", get(batches::show))
        .route(
            "/operator/batches/upload",
            post(batch_upload::upload)
                .layer(DefaultBodyLimit::max(batch_upload::MAX_INPUT_REQUEST)),
        )
        .route("/operator/batches/runs/{id}", get(batches::run))
        .route(
            "/operator/batches/runs/{id}/preview.pdf",
            get(batches::preview),
        )
        .route("/operator/batches/runs/{id}/{action}", post(batches::act))
        .route(
            "/operator/batches/runs/{id}/output.pdf",
            get(batch_files::output),
        )
        .route("/operator/batches/selftest", post(batch_files::selftest))
        // Purging a run's files on the city's instruction, and the 消去証明書.
        .route(
            "/operator/batches/runs/{id}/purge",
            post(batch_purge::purge),
        )
        .route(
            "/operator/batches/runs/{id}/certificate",
            get(batch_purge::certificate),
        )
        .route(
            "/operator/batches/runs/{id}/certificate.pdf",
            get(batch_purge::certificate_pdf),
        )
        // The job catalogue's revisions: admins add, change, retire and restore jobs.
        .route(
            "/operator/batches/jobs",
            get(batch_jobs::list).post(batch_jobs::add),
        )
        .route("/operator/batches/jobs/{id}", get(batch_jobs::show))
        .route(
            "/operator/batches/jobs/{id}/{action}",
            post(batch_jobs::act),
        )
        .route("/operator/audit.csv", get(audit::export))
        // The learning loop and the dashboard.
        .route("/operator/dashboard", get(dashboard::show))
        .route("/operator/outbox/{id}/retry", post(dashboard::retry))
        // Outages (障害).
        .route(
            "/operator/outages",
            get(outages::list).post(outages::declare),
        )
        .route("/operator/outages/{id}", get(outages::show))
        .route("/operator/outages/{id}/note", post(outages::note))
        .route("/operator/outages/{id}/reply", post(outages::reply))
        .route("/operator/outages/{id}/start", post(outages::start))
        .route("/operator/outages/{id}/cancel", post(outages::cancel))
        .route("/operator/outages/{id}/close", post(outages::close))
        .route("/operator/records", get(records::show))
        .route("/operator/records/work", post(records::add_work))
        .route("/operator/records/incidents", post(records::add_incident))
        .route("/operator/records/stock", post(records::add_item))
        .route("/operator/records/stock/{id}", post(records::move_stock))
        .route("/operator/equipment", get(equipment::list))
        .route("/operator/equipment/{asset}", get(equipment::show))
        .route(
            "/operator/equipment/{asset}/{action}",
            post(equipment::change),
        )
        // The IP address ledger.
        .route("/operator/ip", get(ip_ledger::segments))
        .route(
            "/operator/ip/addresses",
            get(ip_ledger::addresses).post(ip_actions::enter),
        )
        .route("/operator/ip/addresses/{address}", get(ip_ledger::address))
        .route(
            "/operator/ip/addresses/{address}/{action}",
            post(ip_actions::act),
        )
        .route(
            "/operator/ip/segments/{id}/allocate",
            post(ip_actions::allocate),
        )
        .route(
            "/operator/ip/import",
            get(ip_import::form)
                .post(ip_import::upload)
                .layer(DefaultBodyLimit::max(ip_import::MAX_LEDGER_REQUEST)),
        )
        .route("/operator/ip/export.csv", get(ip_import::export))
        .route("/operator/reports", get(reports::show))
        .route("/operator/reports/download", get(reports::download))
        .route("/operator/unanswered", get(unanswered::show))
        .route("/operator/proposals", get(proposals::show))
        .route("/operator/proposals/{id}/{action}", post(proposals::decide))
        // FAQ maintenance, the synonym dictionary and the test box.
        .route("/operator/faqs", get(faqs::list))
        .route("/operator/faqs/export", get(faqs::export))
        .route(
            "/operator/faqs/import",
            get(faq_import::form)
                .post(faq_import::upload)
                .layer(DefaultBodyLimit::max(faq_import::MAX_UPLOAD_REQUEST)),
        )
        .route(
            "/operator/faqs/new",
            get(faq_edit::new_form).post(faq_edit::create),
        )
        .route(
            "/operator/faqs/{id}",
            get(faq_edit::edit_form).post(faq_edit::update),
        )
        .route("/operator/faqs/{id}/history", get(faq_history::show))
        .route("/operator/faqs/{id}/restore", post(faq_history::restore))
        .route(
            "/operator/synonyms",
            get(synonyms::show).post(synonyms::save),
        )
        .route("/operator/test-box", get(faq_test_box::show))
        // The April personnel switch (年度切り替え).
        .route("/operator/personnel", get(personnel::list))
        .route(
            "/operator/personnel/upload",
            post(personnel_actions::upload)
                .layer(DefaultBodyLimit::max(personnel_actions::MAX_REQUEST)),
        )
        .route("/operator/personnel/{id}", get(personnel::show))
        .route(
            "/operator/personnel/{id}/progress",
            get(personnel::progress),
        )
        .route(
            "/operator/personnel/{id}/people/{employee_no}",
            get(personnel::person),
        )
        .route(
            "/operator/personnel/{id}/approve",
            post(personnel_actions::approve),
        )
        .route(
            "/operator/personnel/{id}/apply",
            post(personnel_actions::apply),
        )
        .route(
            "/operator/personnel/{id}/files/{name}",
            get(personnel_actions::download),
        )
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

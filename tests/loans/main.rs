//! Loans and reservations: the service's stories on every backend (SQLite always,
//! PostgreSQL when `MADOGUCHI_TEST_POSTGRES_URL` is set), 50 requests at once for the last
//! units, licences and their tasks, reminders through the outbox, the iCalendar feed and
//! the JSON API with its bad input; with a fixed clock (Thursday 2026-11-26 10:00 JST).

mod api;
mod concurrency;
#[allow(dead_code)]
#[path = "../console/support.rs"]
mod console_support;
#[path = "../storage/db.rs"]
mod db;
mod feed;
#[allow(dead_code)]
#[path = "../conversation/helpers.rs"]
mod helpers;
mod licences;
mod reminders;
#[allow(dead_code)]
#[path = "../requests/support.rs"]
mod request_support;
mod service;
mod story;
mod support;

//! Requests (申請): the service's stories on every backend (SQLite always, PostgreSQL when
//! `MADOGUCHI_TEST_POSTGRES_URL` is set), the JSON API with its bad input, and the chat
//! dialogue through the LoGoチャット webhook, with a fixed clock.

mod api;
mod console;
#[allow(dead_code)]
#[path = "../console/support.rs"]
mod console_support;
#[path = "../storage/db.rs"]
mod db;
mod dialogue;
mod directory;
#[allow(dead_code)]
#[path = "../conversation/helpers.rs"]
mod helpers;
mod ip_address;
#[path = "../components/samba.rs"]
mod samba;
mod service;
mod support;
mod timing;
mod widget_forms;

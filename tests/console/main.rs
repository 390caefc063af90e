//! The operator console: sign-in and sessions, the queue, the ticket page, the audit log,
//! and the security rules (sessions, CSRF, roles, escaping). Each test gets its own
//! helpdesk on a fresh SQLite database with a fixed clock, driven through the whole HTTP
//! application without a socket.

mod batch_catalogue;
mod batch_purge;
mod batches;
mod batches_cups;
#[path = "../batches/cups_server.rs"]
mod cups_server;
mod dashboard;
#[allow(dead_code)]
#[path = "../storage/db.rs"]
mod db;
mod directory;
mod equipment;
mod faq_history;
mod faq_import;
mod faq_rules;
mod faq_security;
mod faq_support;
mod faq_test_box;
mod faqs;
#[path = "../conversation/helpers.rs"]
#[allow(dead_code)]
mod helpers;
mod ip_ledger;
mod ldap;
mod learning;
mod loans;
mod outages;
mod personnel;
mod queue;
mod records;
mod reports_page;
mod security;
mod sign_in;
mod support;
mod synonyms_page;
mod ticket;
mod users;

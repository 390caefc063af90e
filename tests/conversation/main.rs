//! Conversations: the in-chat flow, hand-off to a person, the business calendar's wording,
//! the LoGoチャット webhook, the widget's chat API, the operator API and the outbox.
//! Each test gets its own helpdesk on a fresh SQLite database, with a fixed clock.

mod backends;
mod chat_api;
#[path = "../storage/db.rs"]
mod db;
mod equipment;
mod escalation;
mod flow;
mod followup;
mod helpers;
mod learning;
mod ledgers;
mod logochat;
mod notify;
mod operator;
mod outages;
mod outbox;
mod reports;
mod smtp;

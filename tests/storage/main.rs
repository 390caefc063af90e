//! The storage story, told once and run against every backend.
//!
//! SQLite always runs, in a fresh temporary folder per test. PostgreSQL runs when
//! `MADOGUCHI_TEST_POSTGRES_URL` is set (e.g. `postgres://postgres@127.0.0.1:5432/test`);
//! each test then gets its own schema, so tests run in parallel without meeting.
//! With `MADOGUCHI_REQUIRE_POSTGRES=1` (as in CI) a missing URL fails the tests instead of
//! skipping PostgreSQL quietly.

mod audit;
mod batch_catalogue;
mod batch_duties;
mod batch_runs;
mod city_records;
mod computer_names;
mod console;
mod conversations;
mod dashboard;
mod db;
mod equipment;
mod equipment_import;
mod faq_tools;
mod faq_vectors;
mod faqs;
mod generations;
mod handover;
mod ip_import;
mod ip_ledger;
mod ip_search;
mod learning;
mod notices;
mod outages;
mod outbox;
mod personnel;
mod print_twice;
mod proposals;
mod report_pdf;
mod reports;
mod states;
mod users;

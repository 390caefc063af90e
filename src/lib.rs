//! madoguchi (窓口): a chatbot-first IT helpdesk for a Japanese city hall.
//!
//! The binary (`src/main.rs`) only parses the command line; everything else lives here
//! so that tests and benchmarks run exactly what production runs.

pub mod accounts;
pub mod analysis;
pub mod calendar;
pub mod channels;
pub mod clock;
pub mod commands;
pub mod config;
pub mod conversation;
pub mod engine;
pub mod eval;
pub mod helpdesk;
pub mod http;
pub mod kb;
pub mod learning;
pub mod lexicon;
pub mod notify;
pub mod outbox;
pub mod prompts;
pub mod server;
pub mod spreadsheet;
pub mod staff;
pub mod storage;
pub mod terminal;
pub mod tickets;
pub mod urlencoded;

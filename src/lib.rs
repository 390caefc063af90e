//! madoguchi (窓口): a chatbot-first IT helpdesk for a Japanese city hall.
//!
//! The binary (`src/main.rs`) only parses the command line; everything else lives here
//! so that tests and benchmarks run exactly what production runs. Modules depend
//! downwards only (README, "Layout"; checked by `tests/layers.rs`):
//!
//! 1. core, no I/O of its own: `clock`, `analysis`, `calendar`, `spreadsheet`, `lexicon`,
//!    `prompts`, then `domain` (the helpdesk's types and rules), then `engine` and `kb`
//!    (the answer engine, the FAQ format), then `config`;
//! 2. `storage`: all SQL;
//! 3. services: `notify`, `outbox`, `knowledge`, `accounts`, `directory`, then
//!    `learning`, then `ledgers`, `reports`, then `tickets`, then `requests`, then `conversation`;
//! 4. adapters for outside systems: `channels` (LoGoチャット), `adapters` (mail, LDAP);
//! 5. `helpdesk`, the composition root;
//! 6. entry points: `http`, `commands`, `terminal`, `server`, `eval`.

pub mod accounts;
pub mod adapters;
pub mod analysis;
pub mod batches;
pub mod calendar;
pub mod channels;
pub mod clock;
pub mod commands;
pub mod config;
pub mod conversation;
pub mod directory;
pub mod domain;
pub mod engine;
pub mod eval;
pub mod helpdesk;
pub mod http;
pub mod kb;
pub mod knowledge;
pub mod learning;
pub mod ledgers;
pub mod lexicon;
pub mod loans;
pub mod notify;
pub mod outages;
pub mod outbox;
pub mod personnel;
pub mod print_runs;
pub mod prompts;
pub mod reports;
pub mod requests;
pub mod server;
pub mod spreadsheet;
pub mod storage;
pub mod terminal;
pub mod tickets;
pub mod urlencoded;

//! HTTP tests: every request goes through `madoguchi::http::app(..).oneshot(..)`, without a
//! socket, except in `server`, which runs the server's accept loop on 127.0.0.1:0. Each
//! test gets its own helpdesk with a fresh SQLite database (see `helpers`).
//!
//! Nothing here asserts which FAQ wins a fuzzy question: the ranking is tuned elsewhere,
//! and these tests pin down shapes and behaviour only.

mod ask;
mod bad_input;
mod helpers;
mod live_entries;
mod routes;
mod semantic;
mod server;

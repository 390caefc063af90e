//! LoGoチャット. Its bot interface is not publicly documented, so the contract is the
//! project's own, written down in `integrations/logochat/README.md` (the tests read the
//! JSON examples there as fixtures):
//!
//! - inbound: `POST /integrations/logochat/webhook`, the project's JSON or a
//!   Mattermost/Slack-style outgoing-webhook body (JSON or form-encoded) — [`inbound`];
//! - authentication: a shared token, and an HMAC-SHA256 signature when a signing secret
//!   is configured — [`auth`];
//! - outbound: replies sent later are POSTed to the configured outgoing URL from the
//!   outbox — [`outgoing`].

pub mod auth;
pub mod inbound;
pub mod outgoing;

/// Header carrying the shared token (also accepted: `Authorization: Bearer`, or `token`
/// in a Mattermost-style body).
pub const TOKEN_HEADER: &str = "x-madoguchi-token";
/// Header carrying the Unix time (seconds) the request was signed at.
pub const TIMESTAMP_HEADER: &str = "x-madoguchi-timestamp";
/// Header carrying `sha256=` and the hex HMAC-SHA256 of timestamp + raw body.
pub const SIGNATURE_HEADER: &str = "x-madoguchi-signature";
/// Header naming an outbox delivery, stable across retries, for the receiver to drop
/// repeats.
pub const DELIVERY_HEADER: &str = "x-madoguchi-delivery";

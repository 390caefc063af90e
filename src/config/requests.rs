//! Requests (申請): where the request types are defined.

use std::path::PathBuf;

use serde::Deserialize;

/// `[requests]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RequestSettings {
    /// The folder of request type definitions (`*.toml`); when it does not exist, the
    /// bundled types are used.
    pub dir: PathBuf,
}

impl Default for RequestSettings {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("integrations/requests"),
        }
    }
}

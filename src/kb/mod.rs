//! The knowledge base: FAQ entries, their Markdown files, and their rendering.
//!
//! The files under `knowledge-base/` are the seed; the database holds the live entries.

pub mod csv;
pub mod diff;
pub mod export;
pub mod files;
pub mod render;

use serde::{Deserialize, Serialize};

/// One FAQ entry: a question staff ask, the ways they ask it, and the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaqEntry {
    /// Stable id (`[a-z0-9-]`), never reused.
    pub id: String,
    /// The question, as the FAQ title.
    pub title: String,
    pub category: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Other ways staff really ask the same question.
    #[serde(default)]
    pub alternatives: Vec<String>,
    #[serde(default)]
    pub related: Vec<String>,
    /// The answer, as Markdown.
    pub body: String,
    /// Unpublished entries stay in the database but are never answered with.
    #[serde(default = "yes")]
    pub published: bool,
}

fn yes() -> bool {
    true
}

/// An id is 1-80 characters of `a-z`, `0-9`, `-` and `_`.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 80
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Why an entry cannot be accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InvalidEntry {
    #[error("id must be 1-80 characters of a-z, 0-9 and '-': {0:?}")]
    Id(String),
    #[error("entry {0}: title must not be empty")]
    EmptyTitle(String),
    #[error("entry {0}: body must not be empty")]
    EmptyBody(String),
}

impl FaqEntry {
    /// Checks what every stored entry must satisfy.
    pub fn validate(&self) -> Result<(), InvalidEntry> {
        if !valid_id(&self.id) {
            return Err(InvalidEntry::Id(self.id.clone()));
        }
        if self.title.trim().is_empty() {
            return Err(InvalidEntry::EmptyTitle(self.id.clone()));
        }
        if self.body.trim().is_empty() {
            return Err(InvalidEntry::EmptyBody(self.id.clone()));
        }
        Ok(())
    }
}

//! Row shapes and column encodings shared by both backends.
//!
//! Both schemas store the same columns with the same meaning, so a row is decoded the same
//! way whichever database it came from.

use chrono::{DateTime, Utc};

use super::{FaqRevision, StorageError};
use crate::kb::FaqEntry;

/// The entry columns, as stored in `faq_entries` and `faq_revisions`
/// (where `faq_id` is selected `AS id`).
#[derive(sqlx::FromRow)]
pub(super) struct EntryRow {
    id: String,
    title: String,
    category: String,
    keywords: String,
    alternatives: String,
    related: String,
    body: String,
    published: bool,
}

impl EntryRow {
    pub(super) fn into_entry(self) -> Result<FaqEntry, StorageError> {
        let keywords = decode_list(&self.id, "keywords", &self.keywords)?;
        let alternatives = decode_list(&self.id, "alternatives", &self.alternatives)?;
        let related = decode_list(&self.id, "related", &self.related)?;
        Ok(FaqEntry {
            id: self.id,
            title: self.title,
            category: self.category,
            keywords,
            alternatives,
            related,
            body: self.body,
            published: self.published,
        })
    }
}

/// An entry as it is now, with its revision number.
#[derive(sqlx::FromRow)]
pub(super) struct CurrentRow {
    #[sqlx(flatten)]
    pub(super) entry: EntryRow,
    pub(super) revision: i64,
}

/// One row of `faq_revisions`.
#[derive(sqlx::FromRow)]
pub(super) struct RevisionRow {
    #[sqlx(flatten)]
    entry: EntryRow,
    revision: i64,
    author: String,
    created_at: DateTime<Utc>,
}

impl RevisionRow {
    pub(super) fn into_revision(self) -> Result<FaqRevision, StorageError> {
        let revision = to_revision(&self.entry.id, self.revision)?;
        Ok(FaqRevision {
            revision,
            author: self.author,
            created_at: self.created_at,
            entry: self.entry.into_entry()?,
        })
    }
}

/// The list columns of an entry, encoded for binding.
pub(super) struct Lists {
    pub(super) keywords: String,
    pub(super) alternatives: String,
    pub(super) related: String,
}

impl Lists {
    pub(super) fn of(entry: &FaqEntry) -> Self {
        Self {
            keywords: encode_list(&entry.keywords),
            alternatives: encode_list(&entry.alternatives),
            related: encode_list(&entry.related),
        }
    }
}

/// What saving one entry did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    Created(u32),
    Updated(u32),
    Unchanged(u32),
}

impl SaveOutcome {
    pub fn revision(self) -> u32 {
        match self {
            Self::Created(r) | Self::Updated(r) | Self::Unchanged(r) => r,
        }
    }
}

/// Decides what saving `entry` over `current` means; the backend then writes accordingly.
pub(super) fn plan_save(
    entry: &FaqEntry,
    current: Option<CurrentRow>,
) -> Result<SaveOutcome, StorageError> {
    let Some(current) = current else {
        return Ok(SaveOutcome::Created(1));
    };
    let revision = to_revision(&entry.id, current.revision)?;
    if current.entry.into_entry()? == *entry {
        return Ok(SaveOutcome::Unchanged(revision));
    }
    let next = revision
        .checked_add(1)
        .ok_or_else(|| StorageError::Corrupt(format!("faq {}: revision overflow", entry.id)))?;
    Ok(SaveOutcome::Updated(next))
}

fn to_revision(id: &str, revision: i64) -> Result<u32, StorageError> {
    u32::try_from(revision)
        .ok()
        .filter(|r| *r >= 1)
        .ok_or_else(|| StorageError::Corrupt(format!("faq {id}: revision {revision} out of range")))
}

fn encode_list(items: &[String]) -> String {
    serde_json::to_string(items).expect("a list of strings always serialises")
}

fn decode_list(id: &str, column: &str, text: &str) -> Result<Vec<String>, StorageError> {
    // The row text is left out of the message on purpose: it may hold personal data.
    serde_json::from_str(text).map_err(|_| {
        StorageError::Corrupt(format!(
            "faq {id}: column {column} is not a JSON array of strings"
        ))
    })
}

//! The knowledge base: FAQ entries, their Markdown files, and their rendering.
//!
//! The files under `knowledge-base/` are the seed; the database holds the live entries.

pub mod csv;
pub mod diff;
pub mod export;
pub mod files;
pub mod render;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// Ids the operator console uses as page names under `/operator/faqs/`, so no entry may
/// take them.
pub const RESERVED_IDS: [&str; 3] = ["new", "export", "import"];

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

/// Why a new entry may not take `id`: the console uses it as a page name (in Japanese).
pub fn reserved_id_problem(id: &str) -> Option<String> {
    RESERVED_IDS
        .contains(&id)
        .then(|| format!("「{id}」はIDに使えません。"))
}

/// The problems of `entry`'s 関連FAQ (in Japanese): the entry itself, or an id for which
/// `exists` is false.
pub fn related_problems(entry: &FaqEntry, exists: impl Fn(&str) -> bool) -> Vec<String> {
    let mut problems = Vec::new();
    for related in &entry.related {
        if *related == entry.id {
            problems.push("関連FAQに、この項目自身は指定できません。".to_owned());
        } else if !exists(related) {
            problems.push(format!("関連FAQ「{related}」という項目はありません。"));
        }
    }
    problems
}

/// One thing in an imported batch that the console's editor refuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchProblem {
    /// The entry's place in the batch (0 for the first).
    pub index: usize,
    /// The field at fault, as the CSV header names it (`ID`, `関連FAQ`).
    pub column: &'static str,
    /// In Japanese, as the editor words it.
    pub reason: String,
}

/// What the console's editor would refuse in `entries`, imported over the stored entries
/// `stored` (beyond [`FaqEntry::validate`]): a new entry taking a reserved id
/// ([`RESERVED_IDS`]; an entry already stored under one may still be updated, as in the
/// editor), and 関連FAQ naming the entry itself or an id neither stored nor in the batch.
pub fn batch_problems(entries: &[FaqEntry], stored: &HashSet<String>) -> Vec<BatchProblem> {
    let batch: HashSet<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    let mut problems = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        if !stored.contains(&entry.id) {
            if let Some(reason) = reserved_id_problem(&entry.id) {
                problems.push(BatchProblem {
                    index,
                    column: "ID",
                    reason,
                });
            }
        }
        let exists = |id: &str| batch.contains(id) || stored.contains(id);
        for reason in related_problems(entry, exists) {
            problems.push(BatchProblem {
                index,
                column: "関連FAQ",
                reason,
            });
        }
    }
    problems
}

/// The first control character in `text` that is not allowed: any but a tab, and but a
/// line end (`\n`, `\r`) where `line_ends` are allowed. PostgreSQL cannot store U+0000,
/// and none of them belongs in an entry or a dictionary.
pub fn control_character(text: &str, line_ends: bool) -> Option<char> {
    text.chars()
        .find(|&c| c.is_control() && c != '\t' && !(line_ends && (c == '\n' || c == '\r')))
}

/// A control character, as the messages name it: `U+0000`.
pub fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
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
    #[error("ID {id} の{field}に制御文字（{}）が含まれています。取り除いてください。", code_point(*.character))]
    ControlCharacter {
        id: String,
        /// As the CSV header names it (タイトル, 本文, ...).
        field: &'static str,
        character: char,
    },
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
        if let Some((field, character)) = self.control_characters().into_iter().next() {
            return Err(InvalidEntry::ControlCharacter {
                id: self.id.clone(),
                field,
                character,
            });
        }
        Ok(())
    }

    /// Each field holding a control character that is not allowed (see
    /// [`control_character`]; line ends only in the body), named as the CSV header names
    /// it, with the first such character.
    pub fn control_characters(&self) -> Vec<(&'static str, char)> {
        let mut found = Vec::new();
        let mut look = |field: &'static str, text: &str, line_ends: bool| {
            if let Some(c) = control_character(text, line_ends) {
                found.push((field, c));
            }
        };
        look("ID", &self.id, false);
        look("タイトル", &self.title, false);
        look("カテゴリ", &self.category, false);
        for (field, list) in [
            ("キーワード", &self.keywords),
            ("別の聞き方", &self.alternatives),
            ("関連FAQ", &self.related),
        ] {
            if let Some(c) = list.iter().find_map(|item| control_character(item, false)) {
                found.push((field, c));
            }
        }
        if let Some(c) = control_character(&self.body, true) {
            found.push(("本文", c));
        }
        found
    }
}

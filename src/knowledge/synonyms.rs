//! The synonym dictionary (表記ゆれ) as the operator console edits it.
//!
//! `knowledge-base/synonyms.txt` is the seed. A dictionary saved from the console is kept
//! in the database (every version, with who saved it and when) and wins over the file,
//! at once and on every later start: saving rebuilds the analyser and the index, so the
//! next question is already analysed with it.

use std::path::Path;

use serde::Serialize;

use super::maintenance::MaintenanceError;
use super::KnowledgeBase;
use crate::analysis::synonyms::SynonymError;
use crate::analysis::Synonyms;
use crate::lexicon;
use crate::storage::{audit, generations, synonyms, AuditEntry, Store, SynonymDictionary};

/// The dictionary in use, and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SynonymsInUse {
    /// The dictionary in the `synonyms.txt` format.
    pub text: String,
    pub source: SynonymSource,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SynonymSource {
    /// Saved from the console: this version, by this author, at this time.
    Saved(SynonymDictionary),
    /// Nothing saved yet: the knowledge-base file (or the bundled copy) named here.
    File { file: String },
}

/// A dictionary that cannot be used; every problem has its line. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the synonym dictionary has {} problem(s), nothing was changed:\n{}", .0.len(), list(.0))]
pub struct InvalidSynonyms(pub Vec<SynonymError>);

fn list(errors: &[SynonymError]) -> String {
    let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
    lines.join("\n")
}

/// Checks a dictionary text completely and compiles it.
pub fn parse_checked(text: &str) -> Result<Synonyms, InvalidSynonyms> {
    let errors = Synonyms::check(text);
    if !errors.is_empty() {
        return Err(InvalidSynonyms(errors));
    }
    Synonyms::parse(text).map_err(|e| InvalidSynonyms(vec![e]))
}

/// Checks a dictionary text given to be saved: [`parse_checked`], and no control
/// character but tabs and line ends on any line (comments included). Every problem has
/// its line.
pub fn parse_input(text: &str) -> Result<Synonyms, InvalidSynonyms> {
    let mut errors: Vec<SynonymError> = text
        .lines()
        .enumerate()
        .filter_map(|(n, line)| {
            crate::kb::control_character(line, true).map(|c| SynonymError {
                line: n + 1,
                reason: format!("制御文字（{}）は使えません。", crate::kb::code_point(c)),
            })
        })
        .collect();
    if errors.is_empty() {
        return parse_checked(text);
    }
    errors.extend(Synonyms::check(text));
    errors.sort_by_key(|e| e.line);
    Err(InvalidSynonyms(errors))
}

/// The dictionary to start with: the newest saved one, else the knowledge-base file.
/// A saved dictionary this version cannot read is logged and passed over for the file,
/// so that the helpdesk still starts.
pub async fn synonyms_at_start(store: &Store, kb_dir: &Path) -> anyhow::Result<Synonyms> {
    if let Some(saved) = store.synonyms().await? {
        match parse_checked(&saved.text) {
            Ok(synonyms) => return Ok(synonyms),
            Err(e) => tracing::error!(
                version = saved.version,
                error = %e,
                "the saved synonym dictionary cannot be used; using the knowledge-base file"
            ),
        }
    }
    Ok(lexicon::load_synonyms(kb_dir)?)
}

impl KnowledgeBase {
    /// The synonym dictionary in use: the newest saved from the console, or the file.
    pub async fn synonyms(&self) -> Result<SynonymsInUse, MaintenanceError> {
        if let Some(saved) = self.store.synonyms().await? {
            return Ok(SynonymsInUse {
                text: saved.text.clone(),
                source: SynonymSource::Saved(saved),
            });
        }
        let (file, text) = lexicon::synonyms_text(&self.kb_dir)
            .map_err(|e| MaintenanceError::Internal(e.into()))?;
        Ok(SynonymsInUse {
            text,
            source: SynonymSource::File { file },
        })
    }

    /// The newest `limit` saved dictionaries, newest first (the console's history).
    pub async fn synonym_history(
        &self,
        limit: i64,
    ) -> Result<Vec<SynonymDictionary>, MaintenanceError> {
        Ok(self.store.synonym_history(limit).await?)
    }

    /// Checks `text`, saves it as the newest dictionary (by `author`, audited), and
    /// rebuilds the analyser and the index with it: the next question uses it. Returns
    /// the saved version. A bad dictionary is [`MaintenanceError::Synonyms`] naming every
    /// bad line, and nothing changes.
    ///
    /// `opened` is the version the editor was opened at (0: the file, nothing saved
    /// then): when another version was saved since, the save is
    /// [`MaintenanceError::SynonymsConflict`] and nothing changes. It is checked inside
    /// the save's transaction, under the knowledge base's lock, so two saves opened at
    /// the same version cannot both pass. `None` saves over whatever is in use.
    pub async fn update_synonyms(
        &self,
        text: &str,
        author: &str,
        opened: Option<i64>,
    ) -> Result<i64, MaintenanceError> {
        let groups = parse_input(text)?.len();
        let mut tx = self.store.begin().await?;
        generations::lock(&mut tx, generations::KNOWLEDGE_BASE).await?;
        let now = synonyms::newest_version(&mut tx).await?.unwrap_or(0);
        if let Some(opened) = opened.filter(|o| *o != now) {
            return Err(MaintenanceError::SynonymsConflict { opened, now });
        }
        let version = synonyms::save(&mut tx, text, author).await?;
        let detail = format!("version {version}, {groups} groups");
        let line = AuditEntry::new(author, "synonyms.update", "synonyms", "dictionary");
        audit::append(&mut tx, &line.detail(detail)).await?;
        tx.commit().await?;
        self.reload().await?;
        Ok(version)
    }
}

//! The questions operators resolved with an entry (see `learning::proposals`), written out
//! as labelled questions in the format of `eval/` (`{"id", "text", "relevant", "kind"}`),
//! so that a city can refit the query adapter on its own staff's wording
//! (`scripts/refit`). They are staff's own words: the export is a deliberate act, read in
//! one transaction that also writes its audit row, and nothing is audited when the file
//! cannot be written.

use std::path::Path;

use super::KnowledgeBase;
use crate::storage::{audit, learned_questions, AuditEntry, StorageError};

/// Why the export wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum LearnedExportError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl KnowledgeBase {
    /// Writes every learned question to `path` as JSON lines and audits it as `actor`'s
    /// action. How many lines it wrote.
    pub async fn export_learned(
        &self,
        path: &Path,
        actor: &str,
    ) -> Result<usize, LearnedExportError> {
        let mut tx = self.store.begin().await?;
        let learned = learned_questions::all(&mut tx.conn()).await?;
        let mut lines = String::new();
        for q in &learned {
            let line = serde_json::json!({
                "id": format!("ticket-{}", q.ticket_id),
                "text": q.question,
                "relevant": { q.faq_id.as_str(): 2 },
                "kind": "learned",
            });
            lines.push_str(&line.to_string());
            lines.push('\n');
        }
        std::fs::write(path, lines).map_err(|source| LearnedExportError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let entry = AuditEntry {
            actor: actor.to_owned(),
            action: "learned.export".to_owned(),
            object_kind: "faq".to_owned(),
            object_id: "learned-questions".to_owned(),
            detail: Some(format!("rows={}", learned.len())),
        };
        audit::append(&mut tx, &entry).await?;
        if let Err(error) = tx.commit().await {
            // Unaudited, so not kept.
            let _ = std::fs::remove_file(path);
            return Err(error.into());
        }
        Ok(learned.len())
    }
}

//! The questions operators resolved with an entry (see `learning::proposals`), written out
//! as labelled questions in the format of `eval/` (`{"id", "text", "relevant", "kind"}`),
//! so that a city can refit the query adapter on its own staff's wording
//! (`scripts/refit`). They are staff's own words: the export is a deliberate act with its
//! audit row, and a file is there exactly when its export was audited. The lines go to a
//! temporary file beside the target first, outside any transaction (on SQLite a
//! transaction holds the one write lock, and a slow disk must not stop the chat); the
//! transaction then only appends the audit row and moves the file into place.

use std::path::{Path, PathBuf};

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
        let io = |source| LearnedExportError::Io {
            path: path.display().to_string(),
            source,
        };
        let learned = learned_questions::all(&mut self.store.conn()).await?;
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
        let partial = partial_path(path);
        tokio::fs::write(&partial, lines).await.map_err(|e| {
            let _ = std::fs::remove_file(&partial);
            io(e)
        })?;
        let entry = AuditEntry {
            actor: actor.to_owned(),
            action: "learned.export".to_owned(),
            object_kind: "faq".to_owned(),
            object_id: "learned-questions".to_owned(),
            detail: Some(format!("rows={}", learned.len())),
        };
        let audited = async {
            let mut tx = self.store.begin().await?;
            audit::append(&mut tx, &entry).await?;
            Ok::<_, StorageError>(tx)
        }
        .await;
        let tx = match audited {
            Ok(tx) => tx,
            Err(error) => {
                let _ = std::fs::remove_file(&partial);
                return Err(error.into());
            }
        };
        // Moved into place before the audit row commits; the transaction rolls back when
        // it cannot be (dropped unfinished).
        if let Err(error) = std::fs::rename(&partial, path) {
            let _ = std::fs::remove_file(&partial);
            return Err(io(error));
        }
        if let Err(error) = tx.commit().await {
            // Unaudited, so not kept.
            let _ = std::fs::remove_file(path);
            return Err(error.into());
        }
        Ok(learned.len())
    }
}

/// The temporary file beside `path` the lines are written to first (same folder, so
/// moving it into place is a rename, not a copy).
fn partial_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.partial", std::process::id()))
}

//! FAQ maintenance as the operator console (and `madoguchi faq`) does it: import and
//! export (CSV for Excel, knowledge-base Markdown), revision diffs and restore. Every
//! change is saved as revisions by the acting person, made answerable at once (the
//! engine is rebuilt), and written to the audit log; bad input changes nothing.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Serialize;

use super::synonyms::InvalidSynonyms;
use super::KnowledgeBase;
use crate::kb::csv::{keep_stored_forms, read_csv, write_csv, CsvExportError, CsvImportError};
use crate::kb::diff::{diff_entries, EntryDiff};
use crate::kb::export::{read_tar, to_tar};
use crate::kb::files::{load_dir_files, KbError};
use crate::kb::{batch_problems, FaqEntry};
use crate::spreadsheet::SpreadsheetEncoding;
use crate::storage::{audit, faqs, AuditEntry, FaqRevision, ImportReport, StorageError};

/// Why a maintenance action did nothing. Every variant but `Internal` is the user's input
/// (show the message; a 4xx); `Internal` is the helpdesk's own failure (log it; a 500).
#[derive(Debug, thiserror::Error)]
pub enum MaintenanceError {
    /// A CSV file with problems (each with its line) or that is not text.
    #[error(transparent)]
    Csv(#[from] CsvImportError),
    /// An export to Shift_JIS that would lose a character (names entry and column).
    #[error(transparent)]
    Unencodable(#[from] CsvExportError),
    /// A knowledge-base file or archive that cannot be read (names the file).
    #[error(transparent)]
    Files(#[from] KbError),
    /// A synonym dictionary with problems (each with its line).
    #[error(transparent)]
    Synonyms(#[from] InvalidSynonyms),
    /// Entries the console's editor would refuse (a reserved id, 関連FAQ naming no entry),
    /// each named with its file when known.
    #[error("{} problem(s), nothing was imported:\n{}", .0.len(), list(.0))]
    Refused(Vec<EntryProblem>),
    /// A synonym dictionary saved by someone else since the editor was opened at version
    /// `opened` (0: the file, nothing saved yet); `now` is the version in use. Nothing
    /// is saved over it unseen.
    #[error(
        "同義語辞書は、開いた後にほかの人が保存しました（開いたときは{}、いまは版 {now}）。\
         保存された版で変更を確かめてから、もう一度保存してください。",
        opened_name(.opened)
    )]
    SynonymsConflict { opened: i64, now: i64 },
    /// Input the store refused (an invalid entry), or an unknown entry or revision.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// One entry of an import that the console's editor would refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryProblem {
    /// The file the entry was read from (a folder's or an archive's), when known.
    pub file: Option<String>,
    pub id: String,
    /// The field at fault, as the CSV header names it (`ID`, `関連FAQ`).
    pub column: &'static str,
    /// In Japanese.
    pub reason: String,
}

impl std::fmt::Display for EntryProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}: ")?;
        }
        write!(f, "ID {}, {}: {}", self.id, self.column, self.reason)
    }
}

/// The version an editor was opened at, as the conflict message names it.
fn opened_name(opened: &i64) -> String {
    if *opened == 0 {
        "ファイルの辞書（保存された版なし）".to_owned()
    } else {
        format!("版 {opened}")
    }
}

fn list(problems: &[EntryProblem]) -> String {
    let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
    lines.join("\n")
}

impl MaintenanceError {
    /// True when the input was at fault rather than the helpdesk.
    pub fn is_user_error(&self) -> bool {
        !matches!(self, MaintenanceError::Internal(_))
    }
}

impl From<StorageError> for MaintenanceError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Invalid(reason) => MaintenanceError::Invalid(reason),
            other => MaintenanceError::Internal(other.into()),
        }
    }
}

/// The formats the entries can be exported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ExportFormat {
    /// Knowledge-base Markdown files in a tar archive.
    Markdown,
    /// CSV in UTF-8 with a BOM.
    Csv,
    /// CSV in Shift_JIS (CP932).
    CsvShiftJis,
}

impl ExportFormat {
    /// `markdown`, `csv` or `csv-sjis`, as the command line and the console name them.
    pub fn parse(name: &str) -> Option<ExportFormat> {
        match name {
            "markdown" => Some(ExportFormat::Markdown),
            "csv" => Some(ExportFormat::Csv),
            "csv-sjis" => Some(ExportFormat::CsvShiftJis),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Markdown => "markdown",
            ExportFormat::Csv => "csv",
            ExportFormat::CsvShiftJis => "csv-sjis",
        }
    }
}

/// An exported file, ready to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    /// e.g. `faq-20260401.csv` (the local date).
    pub file_name: String,
    /// The `Content-Type` to send it with.
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    pub entries: usize,
}

impl KnowledgeBase {
    /// Every stored entry (published or not) in `format`, audited as `actor`'s export.
    pub async fn export_faqs(
        &self,
        format: ExportFormat,
        actor: &str,
    ) -> Result<ExportFile, MaintenanceError> {
        let entries = self.store.list_faqs().await?;
        let now = self.store.now();
        let date = crate::calendar::to_local(now).format("%Y%m%d");
        let (bytes, extension, content_type) = match format {
            ExportFormat::Markdown => (
                to_tar(&entries, now.timestamp().max(0) as u64),
                "tar",
                "application/x-tar",
            ),
            ExportFormat::Csv => (
                write_csv(&entries, SpreadsheetEncoding::Utf8)?,
                "csv",
                "text/csv; charset=utf-8",
            ),
            ExportFormat::CsvShiftJis => (
                write_csv(&entries, SpreadsheetEncoding::ShiftJis)?,
                "csv",
                "text/csv; charset=shift_jis",
            ),
        };
        let detail = format!("{}: {} entries", format.as_str(), entries.len());
        let line = AuditEntry::new(actor, "faq.export", "faq", "knowledge-base").detail(detail);
        self.store.record_audit(&line).await?;
        Ok(ExportFile {
            file_name: format!("faq-{date}.{extension}"),
            content_type,
            bytes,
            entries: entries.len(),
        })
    }

    /// Every stored entry, for a folder of knowledge-base files, audited as `actor`'s
    /// export.
    pub async fn export_entries(&self, actor: &str) -> Result<Vec<FaqEntry>, MaintenanceError> {
        let entries = self.store.list_faqs().await?;
        let detail = format!("markdown folder: {} entries", entries.len());
        let line = AuditEntry::new(actor, "faq.export", "faq", "knowledge-base").detail(detail);
        self.store.record_audit(&line).await?;
        Ok(entries)
    }

    /// Imports a CSV file (UTF-8, BOM or Shift_JIS, detected): the whole file is checked
    /// first (every problem with its line; 関連FAQ may name stored entries), then every
    /// entry is saved as a revision by `actor` and the engine rebuilt. From Shift_JIS, a
    /// text that differs from the stored one only by CP932 look-alikes (～ for 〜) keeps
    /// the stored form.
    pub async fn import_faq_csv(
        &self,
        bytes: &[u8],
        actor: &str,
    ) -> Result<ImportReport, MaintenanceError> {
        let stored: HashMap<String, FaqEntry> = self
            .store
            .list_faqs()
            .await?
            .into_iter()
            .map(|e| (e.id.clone(), e))
            .collect();
        let ids: HashSet<String> = stored.keys().cloned().collect();
        let mut read = read_csv(bytes, &ids)?;
        if read.encoding == SpreadsheetEncoding::ShiftJis {
            for entry in &mut read.entries {
                if let Some(stored) = stored.get(&entry.id) {
                    keep_stored_forms(entry, stored);
                }
            }
        }
        self.import_faq_entries(&read.entries, actor, "csv").await
    }

    /// Imports a tar archive of knowledge-base Markdown files (as [`ExportFormat::Markdown`]
    /// writes it), like [`KnowledgeBase::import_faq_csv`].
    pub async fn import_faq_archive(
        &self,
        bytes: &[u8],
        actor: &str,
    ) -> Result<ImportReport, MaintenanceError> {
        let (files, entries): (Vec<String>, Vec<FaqEntry>) = read_tar(bytes)?.into_iter().unzip();
        self.import_checked(&entries, Some(&files), actor, "markdown")
            .await
    }

    /// Imports a folder of knowledge-base Markdown files (`madoguchi faq import DIR`,
    /// `madoguchi kb import`), like [`KnowledgeBase::import_faq_csv`].
    pub async fn import_faq_folder(
        &self,
        dir: &Path,
        actor: &str,
    ) -> Result<ImportReport, MaintenanceError> {
        let (files, entries): (Vec<String>, Vec<FaqEntry>) = load_dir_files(dir)?
            .into_iter()
            .map(|(path, entry)| (path.display().to_string(), entry))
            .unzip();
        self.import_checked(&entries, Some(&files), actor, "markdown")
            .await
    }

    /// Saves already-read entries as revisions by `actor` (all or none), rebuilds the
    /// engine and audits the import; `source` names the format in the audit log. Entries
    /// the console's editor would refuse ([`crate::kb::batch_problems`]) import nothing.
    pub async fn import_faq_entries(
        &self,
        entries: &[FaqEntry],
        actor: &str,
        source: &str,
    ) -> Result<ImportReport, MaintenanceError> {
        self.import_checked(entries, None, actor, source).await
    }

    /// [`KnowledgeBase::import_faq_entries`], naming each refused entry's file from
    /// `files` (one per entry) when given.
    async fn import_checked(
        &self,
        entries: &[FaqEntry],
        files: Option<&[String]>,
        actor: &str,
        source: &str,
    ) -> Result<ImportReport, MaintenanceError> {
        faqs::validate_batch(entries)?;
        let mut tx = self.store.begin().await?;
        // Read inside the transaction: what the batch may relate to, and which of its
        // entries are new.
        let stored: HashSet<String> = faqs::list(&mut tx.conn())
            .await?
            .into_iter()
            .map(|e| e.id)
            .collect();
        let problems = batch_problems(entries, &stored);
        if !problems.is_empty() {
            let problems = problems
                .into_iter()
                .map(|p| EntryProblem {
                    file: files.and_then(|f| f.get(p.index)).cloned(),
                    id: entries[p.index].id.clone(),
                    column: p.column,
                    reason: p.reason,
                })
                .collect();
            return Err(MaintenanceError::Refused(problems));
        }
        let report = faqs::save_all(&mut tx, entries, actor).await?;
        let detail = format!(
            "{source}: {} created, {} updated, {} unchanged",
            report.created, report.updated, report.unchanged
        );
        let line = AuditEntry::new(actor, "faq.import", "faq", "knowledge-base").detail(detail);
        audit::append(&mut tx, &line).await?;
        tx.commit().await?;
        self.reload().await?;
        Ok(report)
    }

    /// Every revision of entry `id`, newest first (empty for an unknown entry).
    pub async fn faq_history(&self, id: &str) -> Result<Vec<FaqRevision>, MaintenanceError> {
        Ok(self.store.faq_revisions(id).await?)
    }

    /// What changed in entry `id` from revision `from` to revision `to`, field by field.
    pub async fn faq_diff(
        &self,
        id: &str,
        from: u32,
        to: u32,
    ) -> Result<EntryDiff, MaintenanceError> {
        let revisions = self.store.faq_revisions(id).await?;
        let find = |n: u32| {
            revisions
                .iter()
                .find(|r| r.revision == n)
                .map(|r| &r.entry)
                .ok_or_else(|| {
                    MaintenanceError::Invalid(format!("entry {id:?} has no revision {n}"))
                })
        };
        Ok(diff_entries(find(from)?, find(to)?))
    }

    /// Restores revision `revision` of entry `id`: saves its content as the newest
    /// revision by `actor`, rebuilds the engine and audits it. Returns the entry's revision
    /// number afterwards. An unknown entry or revision changes nothing.
    pub async fn restore_faq(
        &self,
        id: &str,
        revision: u32,
        actor: &str,
    ) -> Result<u32, MaintenanceError> {
        let mut tx = self.store.begin().await?;
        let old = faqs::revisions(&mut tx.conn(), id)
            .await?
            .into_iter()
            .find(|r| r.revision == revision)
            .ok_or_else(|| {
                MaintenanceError::Invalid(format!("entry {id:?} has no revision {revision}"))
            })?;
        let now = faqs::save(&mut tx, &old.entry, actor).await?.revision();
        let detail = format!("revision {revision} restored as revision {now}");
        audit::append(
            &mut tx,
            &AuditEntry::new(actor, "faq.restore", "faq", id).detail(detail),
        )
        .await?;
        tx.commit().await?;
        self.reload().await?;
        Ok(now)
    }
}

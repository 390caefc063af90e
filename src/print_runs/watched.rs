//! The watched folder (5(3)ア: data handed over by the other systems): a subfolder per job
//! id under `[batches] watch_dir`; each file found becomes a run as an upload would
//! (received, checked, recorded by `watched-folder` as 第11-2 受領), then its plain copy is
//! erased from the folder (the run keeps it sealed, or not at all when a check failed).
//! Writers put a file in place by renaming it: names starting with `.` or ending in
//! `.partial` or `.tmp` are left alone until then. A file already received for its job
//! is erased too, with an audit line naming the run that has it. A file larger than
//! [`MAX_INPUT_BYTES`] is never read: it is renamed `NAME.too-large` (left for whoever
//! put it there, and not looked at again) with an audit line.

use std::path::{Path, PathBuf};

use super::purge::erase;
use super::{PrintRuns, RunError, MAX_INPUT_BYTES};
use crate::storage::AuditEntry;

/// Who receives the watched folder's files, in the run log.
pub const WATCHER: &str = "watched-folder";

/// The suffix a file too large to take is renamed with.
const TOO_LARGE: &str = ".too-large";

/// A file a writer is still writing (or a hidden one, or one set aside as too large).
fn in_progress(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with(".partial")
        || name.ends_with(".tmp")
        || name.ends_with(TOO_LARGE)
}

/// The files waiting in `dir/<job>/`, oldest name first: (job, name, path).
fn waiting(dir: &Path, jobs: &[&str]) -> std::io::Result<Vec<(String, String, PathBuf)>> {
    let mut found = Vec::new();
    for job in jobs {
        let folder = dir.join(job);
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type()?.is_file() && !in_progress(&name) {
                found.push(((*job).to_owned(), name, entry.path()));
            }
        }
    }
    found.sort();
    Ok(found)
}

impl PrintRuns {
    /// Receives every file waiting in the watched folder; how many became runs.
    pub async fn poll_folder(&self) -> Result<usize, RunError> {
        let Some(dir) = &self.duties.watch_dir else {
            return Ok(0);
        };
        let catalogue = self.catalogue().await?;
        let jobs: Vec<&str> = catalogue.jobs().iter().map(|j| j.id()).collect();
        let mut received = 0;
        for (job, name, path) in waiting(dir, &jobs)? {
            let size = std::fs::metadata(&path)?.len();
            if size > MAX_INPUT_BYTES as u64 {
                self.set_aside(&job, &path, size).await?;
                continue;
            }
            let bytes = std::fs::read(&path)?;
            match self.intake(WATCHER, &job, &name, &bytes).await {
                Ok(run) => {
                    received += 1;
                    tracing::info!(
                        run = run.id,
                        job,
                        "a data file was received from the watched folder"
                    );
                }
                Err(RunError::Duplicate(first)) => {
                    let entry = AuditEntry::new(
                        WATCHER,
                        "batch_run.duplicate",
                        "batch_run",
                        &first.to_string(),
                    )
                    .detail(format!(
                        "the same file for {job} again, erased from the watched folder"
                    ));
                    self.store.record_audit(&entry).await?;
                }
                Err(e) => return Err(e),
            }
            erase(&path)?;
        }
        Ok(received)
    }

    /// Renames a file too large to take `NAME.too-large`, with an audit line and a log
    /// line (its size and job; the name may say whose data it holds).
    async fn set_aside(&self, job: &str, path: &Path, size: u64) -> Result<(), RunError> {
        let mut aside = path.as_os_str().to_owned();
        aside.push(TOO_LARGE);
        std::fs::rename(path, &aside)?;
        let limit = MAX_INPUT_BYTES / 1024 / 1024;
        let detail = format!("a file of {size} bytes for {job}, over {limit} MiB: set aside");
        tracing::warn!(
            job,
            size,
            "a watched-folder file over the size limit was set aside"
        );
        let entry = AuditEntry::new(WATCHER, "batch_run.too_large", "batch_job", job);
        self.store.record_audit(&entry.detail(detail)).await?;
        Ok(())
    }
}

//! The print-run service: intake → checks → preview → approval → output → run log, each
//! action one transaction with its audit line. Files stay on this server's disk in the
//! runs folder; a file whose checks failed is not kept (its reasons are in the run log).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::revisions::{CatalogueEditError, CatalogueRevisions};
use super::sealed::{FileKey, SealError};
use super::{OnePrinter, PrintError, Printer, Printers};
use crate::batches::render::{render, FormFont, RenderError};
use crate::batches::{check_file, sha256_hex, Catalogue, Job, PreviousRun};
use crate::domain::{CheckStatus, RunStatus};
use crate::storage::batch_runs::{self, BatchRun, NewBatchRun};
use crate::storage::{audit, AuditEntry, StorageError, Store};

/// How long the printer may take to complete a run's job of `pages` pages: a minute to
/// take the job, then 20 ms a page (a PDF-direct queue takes 10,000 pages in seconds; a
/// queue that re-renders through Ghostscript takes minutes: BENCHMARKS.md).
pub fn print_timeout(pages: u64) -> Duration {
    Duration::from_secs(60) + Duration::from_millis(20u64.saturating_mul(pages))
}

/// Why a run action was refused; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("no job {0:?}")]
    UnknownJob(String),
    #[error("no run {0}")]
    NotFound(i64),
    #[error("this file was already received for this job as run {0}")]
    Duplicate(i64),
    #[error("run {id} is {status}; {action} needs it {needed}")]
    WrongStatus {
        id: i64,
        status: &'static str,
        action: &'static str,
        needed: &'static str,
    },
    #[error("a reason is needed to go on despite the warnings")]
    NoReason,
    #[error("a purge needs the witness")]
    NoWitness,
    #[error("a purge needs the city's instruction")]
    NoInstruction,
    #[error("no erasure method {0:?}")]
    UnknownMethod(String),
    #[error("the run's files were already purged (deletion record {0})")]
    AlreadyPurged(i64),
    #[error("the run's input file is gone")]
    FileGone,
    #[error(transparent)]
    Catalogue(#[from] CatalogueEditError),
    #[error(transparent)]
    Sealed(#[from] SealError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Printer(#[from] PrintError),
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
}

/// The print-run service.
#[derive(Clone)]
pub struct PrintRuns {
    pub(super) store: Store,
    pub(super) catalogue: Arc<CatalogueRevisions>,
    pub(super) font: FormFont,
    pub(super) printers: Arc<dyn Printers>,
    pub(super) files: PathBuf,
    pub(super) key: Arc<FileKey>,
    pub(super) calendar: Option<Arc<crate::calendar::BusinessCalendar>>,
    pub(super) duties: super::duties::DutySettings,
}

impl PrintRuns {
    /// `files` holds the received inputs and the outputs (created if missing), sealed
    /// with `key`; every job goes to `printer`.
    pub fn new(
        store: Store,
        catalogue: Arc<Catalogue>,
        font: FormFont,
        printer: Arc<dyn Printer>,
        files: PathBuf,
        key: Arc<FileKey>,
    ) -> std::io::Result<Self> {
        Self::routed(
            store,
            catalogue,
            font,
            Arc::new(OnePrinter(printer)),
            files,
            key,
        )
    }

    /// [`PrintRuns::new`] with each job's output going to the printer its route names.
    pub fn routed(
        store: Store,
        catalogue: Arc<Catalogue>,
        font: FormFont,
        printers: Arc<dyn Printers>,
        files: PathBuf,
        key: Arc<FileKey>,
    ) -> std::io::Result<Self> {
        std::fs::create_dir_all(&files)?;
        Ok(Self {
            catalogue: Arc::new(CatalogueRevisions::new(store.clone(), catalogue)),
            store,
            font,
            printers,
            files,
            key,
            calendar: None,
            duties: Default::default(),
        })
    }

    /// The job catalogue in force, that new runs are checked against.
    pub async fn catalogue(&self) -> Result<Arc<Catalogue>, RunError> {
        Ok(self.catalogue.current().await?)
    }

    /// The catalogue's revisions, that admins change.
    pub fn revisions(&self) -> &CatalogueRevisions {
        &self.catalogue
    }

    /// The job as run `run` was checked with (its recorded revision).
    pub(super) async fn job_of(&self, run: &BatchRun) -> Result<Job, RunError> {
        self.catalogue
            .job_at(&run.job_id, run.job_revision)
            .await?
            .ok_or_else(|| RunError::UnknownJob(run.job_id.clone()))
    }

    pub(super) fn input_path(&self, run: i64) -> PathBuf {
        self.files.join(format!("run-{run}.input"))
    }

    pub(super) fn output_path(&self, run: i64) -> PathBuf {
        self.files.join(format!("run-{run}.pdf.sealed"))
    }

    /// The run's input file, decrypted.
    fn read_input(&self, id: i64) -> Result<Vec<u8>, RunError> {
        let sealed = std::fs::read(self.input_path(id)).map_err(|_| RunError::FileGone)?;
        Ok(self.key.open(id, "input", &sealed)?)
    }

    pub(super) async fn run(&self, id: i64) -> Result<BatchRun, RunError> {
        batch_runs::get(&mut self.store.conn(), id)
            .await?
            .ok_or(RunError::NotFound(id))
    }

    /// Receives a file for `job_id` (第11-2 受領), checks it, and records the run.
    /// The run is `stopped` when a check failed (the file is not kept), `warned` when
    /// only warnings came, else `checked`.
    pub async fn intake(
        &self,
        actor: &str,
        job_id: &str,
        input_name: &str,
        bytes: &[u8],
    ) -> Result<BatchRun, RunError> {
        let catalogue = self.catalogue().await?;
        let job = catalogue
            .job(job_id)
            .ok_or_else(|| RunError::UnknownJob(job_id.to_owned()))?;
        let sha256 = sha256_hex(bytes);
        if let Some(existing) =
            batch_runs::find_by_input(&mut self.store.conn(), job_id, &sha256).await?
        {
            return Err(RunError::Duplicate(existing.id));
        }
        let previous = batch_runs::last_printed(&mut self.store.conn(), job_id)
            .await?
            .map(|r| PreviousRun {
                records: r.records as u64,
                total: r.total,
            });
        let report = check_file(&catalogue, job, bytes, previous);
        let status = match report.status() {
            CheckStatus::Failed => RunStatus::Stopped,
            CheckStatus::Warning => RunStatus::Warned,
            _ => RunStatus::Checked,
        };
        let checks = serde_json::to_string(&report.checks).unwrap_or_default();
        let mut tx = self.store.begin().await?;
        let id = batch_runs::insert(
            &mut tx,
            &NewBatchRun {
                job_id,
                job_revision: job.revision,
                definition_sha256: &job.checksum,
                status,
                input_name,
                input_sha256: &sha256,
                input_bytes: bytes.len() as i64,
                records: report.records as i64,
                total: report.total(),
                checks: &checks,
                received_by: actor,
            },
        )
        .await?;
        let detail = format!("{} records, {}", report.records, status.as_str());
        audit::append(
            &mut tx,
            &AuditEntry::new(actor, "batch_run.intake", "batch_run", &id.to_string())
                .detail(detail),
        )
        .await?;
        if status != RunStatus::Stopped {
            std::fs::write(self.input_path(id), self.key.seal(id, "input", bytes))?;
        }
        tx.commit().await?;
        self.run(id).await
    }

    /// Goes on despite warnings (an admin, with a reason that is recorded).
    pub async fn override_warnings(
        &self,
        actor: &str,
        id: i64,
        reason: &str,
    ) -> Result<BatchRun, RunError> {
        if reason.trim().is_empty() {
            return Err(RunError::NoReason);
        }
        let mut tx = self.store.begin().await?;
        self.step(
            &mut tx,
            id,
            RunStatus::Warned,
            RunStatus::Checked,
            "override",
        )
        .await?;
        batch_runs::set_override(&mut tx, id, reason.trim(), actor).await?;
        audit::append(
            &mut tx,
            &AuditEntry::new(actor, "batch_run.override", "batch_run", &id.to_string()),
        )
        .await?;
        tx.commit().await?;
        self.run(id).await
    }

    /// Moves the run or says why not.
    async fn step(
        &self,
        tx: &mut crate::storage::Tx,
        id: i64,
        from: RunStatus,
        to: RunStatus,
        action: &'static str,
    ) -> Result<(), RunError> {
        if batch_runs::move_status(tx, id, from, to).await? {
            return Ok(());
        }
        let run = batch_runs::get(&mut tx.conn(), id)
            .await?
            .ok_or(RunError::NotFound(id))?;
        Err(RunError::WrongStatus {
            id,
            status: run.status.label(),
            action,
            needed: from.label(),
        })
    }

    /// The preview: the sample forms (first, last, longest text, largest amount) as a PDF.
    /// Audited: it shows personal data.
    pub async fn preview(&self, actor: &str, id: i64) -> Result<Vec<u8>, RunError> {
        let run = self.run(id).await?;
        if !matches!(run.status, RunStatus::Checked | RunStatus::Approved) {
            return Err(RunError::WrongStatus {
                id,
                status: run.status.label(),
                action: "preview",
                needed: RunStatus::Checked.label(),
            });
        }
        let job = self.job_of(&run).await?;
        let bytes = self.read_input(id)?;
        let report = check_file(&*self.catalogue().await?, &job, &bytes[..], None);
        let rendered = render(&job, &bytes[..], &self.font, Some(&report.preview_lines))?;
        self.store
            .record_audit(
                &AuditEntry::new(actor, "batch_run.preview", "batch_run", &id.to_string())
                    .detail(format!("{} forms", rendered.forms)),
            )
            .await?;
        Ok(rendered.pdf)
    }

    /// Approves a checked run for output.
    pub async fn approve(&self, actor: &str, id: i64) -> Result<BatchRun, RunError> {
        let mut tx = self.store.begin().await?;
        self.step(
            &mut tx,
            id,
            RunStatus::Checked,
            RunStatus::Approved,
            "approve",
        )
        .await?;
        batch_runs::set_approval(&mut tx, id, actor).await?;
        audit::append(
            &mut tx,
            &AuditEntry::new(actor, "batch_run.approve", "batch_run", &id.to_string()),
        )
        .await?;
        tx.commit().await?;
        self.run(id).await
    }

    /// Renders an approved run, sends it to the printer, waits for completion, and
    /// completes the run log (output hash, pages, printer job id).
    pub async fn print(&self, actor: &str, id: i64) -> Result<BatchRun, RunError> {
        let run = self.run(id).await?;
        if run.status != RunStatus::Approved {
            return Err(RunError::WrongStatus {
                id,
                status: run.status.label(),
                action: "print",
                needed: RunStatus::Approved.label(),
            });
        }
        let job = self.job_of(&run).await?;
        let input = self.read_input(id)?;
        // The printer gets a plain copy for as long as the job takes; the run keeps the
        // output sealed.
        let handed = self.files.join(format!("run-{id}.printing.pdf"));
        let output = self.output_path(id);
        let printer = self.printers.for_output(&job.definition.output);
        let (font, key) = (self.font.clone(), self.key.clone());
        let title = format!("{} run {id}", job.id());
        let (sha256, pages, printer_job) =
            tokio::task::spawn_blocking(move || -> Result<_, RunError> {
                let rendered = render(&job, &input[..], &font, None)?;
                std::fs::write(&output, key.seal(id, "output", &rendered.pdf))?;
                std::fs::write(&handed, &rendered.pdf)?;
                let printed = printer.submit(&title, &handed);
                let done = printed
                    .as_ref()
                    .map_err(|e| PrintError::Unavailable(e.to_string()))
                    .and_then(|p| printer.wait_completed(p, print_timeout(rendered.pages)));
                let _ = std::fs::remove_file(&handed);
                done?;
                Ok((sha256_hex(&rendered.pdf), rendered.pages, printed?.id))
            })
            .await
            .map_err(|e| RunError::Io(std::io::Error::other(e.to_string())))??;
        let mut tx = self.store.begin().await?;
        self.step(
            &mut tx,
            id,
            RunStatus::Approved,
            RunStatus::Printed,
            "print",
        )
        .await?;
        batch_runs::set_output(&mut tx, id, &sha256, pages as i64, &printer_job, actor).await?;
        let detail = format!("{pages} pages, printer job {printer_job}, SHA-256 {sha256}");
        audit::append(
            &mut tx,
            &AuditEntry::new(actor, "batch_run.print", "batch_run", &id.to_string()).detail(detail),
        )
        .await?;
        tx.commit().await?;
        self.run(id).await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_print_timeout_grows_with_the_pages() {
        use std::time::Duration;
        assert_eq!(super::print_timeout(0), Duration::from_secs(60));
        assert_eq!(super::print_timeout(10_000), Duration::from_secs(260));
        assert!(super::print_timeout(u64::MAX) > Duration::from_secs(600));
    }
}

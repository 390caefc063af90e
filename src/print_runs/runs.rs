//! The print-run service: intake → checks → preview → approval → output → run log, each
//! action one transaction with its audit line. Files stay on this server's disk in the
//! runs folder; a file whose checks failed is not kept (its reasons are in the run log).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::revisions::{CatalogueEditError, CatalogueRevisions};
use super::sealed::{FileKey, SealError};
use super::{OnePrinter, PrintError, Printer, PrinterJob, Printers};
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

/// How long a claim for printing holds a run while no printer job is recorded: after
/// that the claim is taken to be from a print that stopped before sending (an instance
/// that crashed while rendering), and the run may be claimed again. Rendering and sending
/// 10,000 pages takes seconds (BENCHMARKS.md).
pub const PRINT_CLAIM_LEASE_MINUTES: i64 = 15;

/// How long asking about a job sent earlier waits for the printer to report it complete.
pub const PRINT_CHECK_WAIT: Duration = Duration::from_secs(10);

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
    /// The run is 印刷中: claimed by `by` at `since`, sent as printer job `job` (none
    /// yet: being rendered, or its print stopped before sending).
    #[error("run {id} is being printed (claimed by {by}, printer job {})", job.as_deref().unwrap_or("not sent yet"))]
    Printing {
        id: i64,
        by: String,
        since: Option<DateTime<Utc>>,
        job: Option<String>,
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
    #[error("the purge of the run's files is not finished yet (deletion record {0})")]
    PurgeUnfinished(i64),
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

impl RunError {
    /// [`RunError::Printing`] for `run`, as it stands.
    pub(super) fn printing(run: &BatchRun) -> Self {
        RunError::Printing {
            id: run.id,
            by: run.printing_by.clone().unwrap_or_default(),
            since: run.printing_at,
            job: run.printer_job_ids.clone(),
        }
    }
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
    /// only warnings came, else `checked`. The same bytes are refused
    /// ([`RunError::Duplicate`]) while a run of them that was not stopped exists: a file
    /// that stopped may come again once the job's definition is corrected.
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
        let inserted = batch_runs::insert(
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
        .await;
        let id = match inserted {
            Ok(id) => id,
            // The same file received at the same moment by another instance or operator.
            Err(e) if e.is_unique_violation() => {
                drop(tx);
                let first = batch_runs::find_by_input(&mut self.store.conn(), job_id, &sha256)
                    .await?
                    .ok_or(e)?;
                return Err(RunError::Duplicate(first.id));
            }
            Err(e) => return Err(e.into()),
        };
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
        Self::refuse_if_purged(&mut tx.conn(), id).await?;
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

    /// Refuses anything more with run `id`'s files once their purge is ordered, done or
    /// not ([`RunError::AlreadyPurged`], [`RunError::PurgeUnfinished`]).
    pub(super) async fn refuse_if_purged(
        c: &mut crate::storage::Conn<'_>,
        id: i64,
    ) -> Result<(), RunError> {
        match batch_runs::purge_of(c, id).await? {
            Some(purge) if purge.is_done() => Err(RunError::AlreadyPurged(purge.id)),
            Some(purge) => Err(RunError::PurgeUnfinished(purge.id)),
            None => Ok(()),
        }
    }

    /// The preview: the sample forms (first, last, longest text, largest amount) as a PDF.
    /// Audited: it shows personal data.
    pub async fn preview(&self, actor: &str, id: i64) -> Result<Vec<u8>, RunError> {
        let run = self.run(id).await?;
        Self::refuse_if_purged(&mut self.store.conn(), id).await?;
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
        Self::refuse_if_purged(&mut tx.conn(), id).await?;
        batch_runs::set_approval(&mut tx, id, actor).await?;
        audit::append(
            &mut tx,
            &AuditEntry::new(actor, "batch_run.approve", "batch_run", &id.to_string()),
        )
        .await?;
        tx.commit().await?;
        self.run(id).await
    }

    /// Prints an approved run, at most once: claims it (承認済 → 印刷中, who and when) in a
    /// transaction of its own, renders it, sends it to the printer, records the printer's
    /// job id at once, then waits for the printer to report the job complete (印刷済, the
    /// run log complete). A run already 印刷中 is never sent again: when its job was
    /// recorded the printer is asked about that job ([`PrintRuns::check_printing`]);
    /// else the claim is refused ([`RunError::Printing`]) until
    /// [`PRINT_CLAIM_LEASE_MINUTES`] have passed without a job (its instance stopped
    /// before sending). A job the printer did not take, or that ended without printing,
    /// puts the run back to 承認済; one that is late or waits on a stopped printer leaves
    /// it 印刷中 with its job id.
    pub async fn print(&self, actor: &str, id: i64) -> Result<BatchRun, RunError> {
        let run = self.run(id).await?;
        if run.status == RunStatus::Printing && run.printer_job_ids.is_some() {
            return self.check_printing(actor, id).await;
        }
        let (run, took_over) = self.claim(actor, id).await?;
        let title = job_title(&run.job_id, id);
        // A claim taken over may have sent the run before its print stopped (between
        // the printer taking the job and the job being recorded): the printer is asked
        // first. If it cannot say, nothing is sent and the run stays claimed. (The newest
        // job of that title may be an earlier attempt's that ended, the run back to
        // 承認済 since: following it ends the same way, and nothing is printed twice.)
        let sent_before = match took_over {
            true => self.job_titled(&run, &title).await?,
            false => None,
        };
        let rendered = match self.render_output(&run).await {
            Ok(rendered) => rendered,
            // The printer has the stopped claim's job: the run stays claimed.
            Err(e) if sent_before.is_some() => return Err(e),
            Err(e) => {
                self.release(actor, id, None, &format!("not sent: {e}"))
                    .await?;
                return Err(e);
            }
        };
        let Rendered {
            printer,
            handed,
            sha256,
            pages,
        } = rendered;
        if let Some(job) = sent_before {
            let _ = std::fs::remove_file(&handed);
            tracing::warn!(
                run = id,
                printer_job = job.id,
                "the print taken over had sent the run: its job is recorded, not sent again"
            );
            return self.follow(actor, id, printer, job, &sha256, pages).await;
        }
        let to_printer = printer.clone();
        let sent_title = title.clone();
        let submitted = blocking(move || {
            let submitted = to_printer.submit(&sent_title, &handed);
            // The printer has its copy (streamed or copied): the plain one goes.
            let _ = std::fs::remove_file(&handed);
            Ok(submitted)
        })
        .await?;
        let printer_job = match submitted {
            Ok(job) => job,
            // Sent whole, answer lost: the printer is asked whether it took the job.
            // Until it can say, the run stays claimed and nothing is sent again.
            Err(e @ PrintError::Unanswered(_)) => match self.job_titled(&run, &title).await {
                Ok(Some(job)) => job,
                Ok(None) => {
                    self.release(actor, id, None, &format!("not taken: {e}"))
                        .await?;
                    return Err(e.into());
                }
                Err(_) => return Err(e.into()),
            },
            Err(e) => {
                let reason = format!("not sent: {e}");
                self.release(actor, id, None, &reason).await?;
                return Err(e.into());
            }
        };
        self.follow(actor, id, printer, printer_job, &sha256, pages)
            .await
    }

    /// Records `printer_job`, the printer's job of the claimed run, and waits for it:
    /// from here the job is the printer's, the run stays 印刷中 whatever happens, and is
    /// never sent again.
    async fn follow(
        &self,
        actor: &str,
        id: i64,
        printer: Arc<dyn Printer>,
        printer_job: PrinterJob,
        sha256: &str,
        pages: u64,
    ) -> Result<BatchRun, RunError> {
        self.record_submission(actor, id, sha256, pages, &printer_job.id)
            .await?;
        let job = printer_job.clone();
        let waited =
            blocking(move || Ok(printer.wait_completed(&job, print_timeout(pages)))).await?;
        self.settle(actor, id, &printer_job.id, waited).await
    }

    /// The printer's job titled `title` for `run`, if the printer still knows of one.
    async fn job_titled(
        &self,
        run: &BatchRun,
        title: &str,
    ) -> Result<Option<PrinterJob>, RunError> {
        let job = self.job_of(run).await?;
        let printer = self.printers.for_output(&job.definition.output);
        let title = title.to_owned();
        Ok(blocking(move || Ok(printer.find_job(&title))).await??)
    }

    /// Asks the printer about the job of a run left 印刷中 (sent, not yet reported
    /// complete), waiting at most [`PRINT_CHECK_WAIT`]: 印刷済 once it completed, back to
    /// 承認済 when it ended without printing, else still 印刷中. Never sends anything.
    pub async fn check_printing(&self, actor: &str, id: i64) -> Result<BatchRun, RunError> {
        self.check_printing_within(actor, id, PRINT_CHECK_WAIT)
            .await
    }

    /// [`PrintRuns::check_printing`], waiting at most `wait` (zero: asking once).
    pub(super) async fn check_printing_within(
        &self,
        actor: &str,
        id: i64,
        wait: Duration,
    ) -> Result<BatchRun, RunError> {
        let run = self.run(id).await?;
        if run.status != RunStatus::Printing {
            return Err(RunError::WrongStatus {
                id,
                status: run.status.label(),
                action: "check",
                needed: RunStatus::Printing.label(),
            });
        }
        let Some(job_id) = run.printer_job_ids.clone() else {
            return Err(RunError::printing(&run));
        };
        let job = self.job_of(&run).await?;
        let printer = self.printers.for_output(&job.definition.output);
        let asked = PrinterJob { id: job_id.clone() };
        let waited = blocking(move || Ok(printer.wait_completed(&asked, wait))).await?;
        self.settle(actor, id, &job_id, waited).await
    }

    /// Claims run `id` for printing (one transaction with its audit row); the run as
    /// claimed and whether a claim whose lease ran out was taken over, or why not.
    async fn claim(&self, actor: &str, id: i64) -> Result<(BatchRun, bool), RunError> {
        let mut tx = self.store.begin().await?;
        let before = batch_runs::get(&mut tx.conn(), id)
            .await?
            .ok_or(RunError::NotFound(id))?;
        let stale = tx.now() - chrono::Duration::minutes(PRINT_CLAIM_LEASE_MINUTES);
        if !batch_runs::claim_printing(&mut tx, id, actor, stale).await? {
            let now = batch_runs::get(&mut tx.conn(), id)
                .await?
                .ok_or(RunError::NotFound(id))?;
            return Err(match now.status {
                RunStatus::Printing => RunError::printing(&now),
                status => RunError::WrongStatus {
                    id,
                    status: status.label(),
                    action: "print",
                    needed: RunStatus::Approved.label(),
                },
            });
        }
        // Checked with the run's row held by the claim: a purge ordered before it is seen
        // here, and one ordered after it finds the run 印刷中 and is refused.
        Self::refuse_if_purged(&mut tx.conn(), id).await?;
        let took_over = before.status == RunStatus::Printing;
        let detail = match (before.status, &before.printing_by, before.printing_at) {
            (RunStatus::Printing, Some(by), Some(at)) => format!(
                "claimed again: the claim of {by} at {} sent nothing within {PRINT_CLAIM_LEASE_MINUTES} minutes",
                at.to_rfc3339()
            ),
            _ => "claimed for printing".to_owned(),
        };
        audit::append(
            &mut tx,
            &AuditEntry::new(actor, "batch_run.claim", "batch_run", &id.to_string()).detail(detail),
        )
        .await?;
        tx.commit().await?;
        Ok((self.run(id).await?, took_over))
    }

    /// Renders the claimed run: the output sealed with the run, a plain copy for the
    /// printer, and the printer its route names.
    async fn render_output(&self, run: &BatchRun) -> Result<Rendered, RunError> {
        let id = run.id;
        let job = self.job_of(run).await?;
        let input = self.read_input(id)?;
        let handed = self.files.join(format!("run-{id}.printing.pdf"));
        let output = self.output_path(id);
        let printer = self.printers.for_output(&job.definition.output);
        let (font, key) = (self.font.clone(), self.key.clone());
        blocking(move || {
            let rendered = render(&job, &input[..], &font, None)?;
            std::fs::write(&output, key.seal(id, "output", &rendered.pdf))?;
            std::fs::write(&handed, &rendered.pdf)?;
            Ok(Rendered {
                printer,
                handed,
                sha256: sha256_hex(&rendered.pdf),
                pages: rendered.pages,
            })
        })
        .await
    }

    /// Records the job the printer took for the claimed run (one transaction with its
    /// audit row).
    async fn record_submission(
        &self,
        actor: &str,
        id: i64,
        sha256: &str,
        pages: u64,
        printer_job: &str,
    ) -> Result<(), RunError> {
        let mut tx = self.store.begin().await?;
        if !batch_runs::set_submitted(&mut tx, id, sha256, pages as i64, printer_job).await? {
            let run = batch_runs::get(&mut tx.conn(), id)
                .await?
                .ok_or(RunError::NotFound(id))?;
            tracing::error!(
                run = id,
                printer_job,
                "a print job was sent for a run no longer claimed by this print"
            );
            return Err(RunError::printing(&run));
        }
        let detail = format!("{pages} pages, printer job {printer_job}, SHA-256 {sha256}");
        audit::append(
            &mut tx,
            &AuditEntry::new(actor, "batch_run.submit", "batch_run", &id.to_string())
                .detail(detail),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// What the printer said of job `printer_job` of run `id`, recorded: completed makes
    /// the run 印刷済; ended without printing puts it back to 承認済; anything else
    /// (late, a stopped printer, the printer not answering) leaves it 印刷中.
    async fn settle(
        &self,
        actor: &str,
        id: i64,
        printer_job: &str,
        waited: Result<(), PrintError>,
    ) -> Result<BatchRun, RunError> {
        match waited {
            Ok(()) => {
                let mut tx = self.store.begin().await?;
                let run = batch_runs::get(&mut tx.conn(), id)
                    .await?
                    .ok_or(RunError::NotFound(id))?;
                if batch_runs::set_printed(&mut tx, id, printer_job).await? {
                    let detail = format!(
                        "{} pages, printer job {printer_job}, SHA-256 {}",
                        run.pages.unwrap_or_default(),
                        run.output_sha256.as_deref().unwrap_or_default()
                    );
                    audit::append(
                        &mut tx,
                        &AuditEntry::new(actor, "batch_run.print", "batch_run", &id.to_string())
                            .detail(detail),
                    )
                    .await?;
                    tx.commit().await?;
                    return self.run(id).await;
                }
                drop(tx);
                // Someone else recorded it first (two checks at once).
                let run = self.run(id).await?;
                if run.status == RunStatus::Printed {
                    return Ok(run);
                }
                Err(RunError::WrongStatus {
                    id,
                    status: run.status.label(),
                    action: "print",
                    needed: RunStatus::Printing.label(),
                })
            }
            Err(e) if !e.may_still_print() => {
                self.release(actor, id, Some(printer_job), &e.to_string())
                    .await?;
                Err(e.into())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Puts the claimed run back to 承認済 (one transaction with its audit row): nothing
    /// was printed, and printing it again is a deliberate act.
    async fn release(
        &self,
        actor: &str,
        id: i64,
        printer_job: Option<&str>,
        why: &str,
    ) -> Result<(), RunError> {
        let mut tx = self.store.begin().await?;
        if batch_runs::release_printing(&mut tx, id, printer_job).await? {
            audit::append(
                &mut tx,
                &AuditEntry::new(actor, "batch_run.release", "batch_run", &id.to_string())
                    .detail(why.to_owned()),
            )
            .await?;
            tx.commit().await?;
        }
        Ok(())
    }
}

/// A claimed run rendered for the printer.
struct Rendered {
    printer: Arc<dyn Printer>,
    /// The plain copy handed to the printer (removed once sent).
    handed: PathBuf,
    sha256: String,
    pages: u64,
}

/// Runs `f` where it may block (rendering, the printer).
/// The printer job's title for run `id` of `job_id` (no personal data), by which a job
/// whose answer was lost is found again (the newest of that title).
pub fn job_title(job_id: &str, id: i64) -> String {
    format!("{job_id} run {id}")
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, RunError> + Send + 'static,
) -> Result<T, RunError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| RunError::Io(std::io::Error::other(e.to_string())))?
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

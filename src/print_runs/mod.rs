//! Print runs (定例印刷作業): the service that takes a job's checked data to the
//! continuous-form printer (5(3)ア⑤). It owns the [`Printer`] interface; the CUPS adapter
//! (`crate::adapters::printer`) implements it.

mod access;
pub mod certificate_pdf;
pub mod duties;
pub mod purge;
pub mod revisions;
mod runs;
pub mod sealed;
pub mod selftests;
mod views;
mod watched;

use std::path::Path;
use std::time::Duration;

pub use runs::{
    job_title, print_timeout, PrintRuns, RunError, PRINT_CHECK_WAIT, PRINT_CLAIM_LEASE_MINUTES,
};

use crate::batches::definition::Output;
use std::sync::Arc;

/// The largest data file a run takes, uploaded or from the watched folder.
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;

/// A print job the printer accepted: its id as the printer names it (`renzoku-12`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterJob {
    pub id: String,
}

/// What went wrong with the printer.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// The printer (or print server) could not be reached or refused the job.
    #[error("the printer refused or cannot be reached: {0}")]
    Unavailable(String),
    /// The job did not complete in time (it may still complete: check the printer).
    #[error("print job {0} did not complete within {1:?}")]
    NotCompleted(String, Duration),
    /// The job waits on a stopped printer: it is still queued, and prints once the printer
    /// is started again (unless it is canceled).
    #[error("print job {0} waits on a stopped printer: {1}")]
    Stopped(String, String),
    /// The job ended without printing (canceled, aborted): it never will.
    #[error("print job {0} did not print: {1}")]
    Ended(String, String),
    /// The whole job was sent but the printer's answer was lost: it may have taken it.
    #[error("the printer did not answer after taking the job: {0}")]
    Unanswered(String),
}

impl PrintError {
    /// Whether the printer may still print the job this error is about (it was not
    /// refused and has not ended): then the job must not be sent again.
    pub fn may_still_print(&self) -> bool {
        !matches!(self, PrintError::Ended(..))
    }
}

/// The continuous-form printer, as the print-run service needs it.
pub trait Printer: Send + Sync {
    /// Sends a PDF file as one job titled `title` (no personal data in it).
    fn submit(&self, title: &str, pdf: &Path) -> Result<PrinterJob, PrintError>;
    /// Waits until the job has completed, at most `timeout`; a job that ended without
    /// completing, or waits on a stopped printer, is an error at once. Asked again about a
    /// job submitted earlier (by another request or instance), it says how that job
    /// stands: the print-run service never sends a run twice, it asks.
    fn wait_completed(&self, job: &PrinterJob, timeout: Duration) -> Result<(), PrintError>;
    /// The newest job titled `title` the printer still knows of, ended ones included:
    /// asked before a run is sent by a print that took over a claim whose print stopped,
    /// which may have sent it. `Ok(None)` when there is none, or when the printer cannot
    /// tell (the spool folder: its file names carry no title).
    fn find_job(&self, title: &str) -> Result<Option<PrinterJob>, PrintError> {
        let _ = title;
        Ok(None)
    }
}

/// The printer for a job's output (its route and destination): the composition root
/// picks the CUPS queue or the spool folder.
pub trait Printers: Send + Sync {
    fn for_output(&self, output: &Output) -> Arc<dyn Printer>;
}

/// One printer for every job (stories and tests).
pub struct OnePrinter(pub Arc<dyn Printer>);

impl Printers for OnePrinter {
    fn for_output(&self, _output: &Output) -> Arc<dyn Printer> {
        self.0.clone()
    }
}

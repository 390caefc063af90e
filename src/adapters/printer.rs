//! The continuous-form printer through CUPS (contract: integrations/printer/README.md):
//! the rendered PDF goes to a queue over IPP (`super::ipp`), streamed from its file, and
//! the job's state is asked until CUPS reports it completed, or ended otherwise.

use std::path::Path;
use std::time::{Duration, Instant};

use std::sync::Arc;

use super::ipp;
use crate::batches::definition::Output;
use crate::config::BatchSettings;
use crate::domain::OutputRoute;
use crate::print_runs::{PrintError, Printer, PrinterJob, Printers};

/// The first wait between two questions about the job; it doubles up to [`POLL_MAX`].
const POLL: Duration = Duration::from_millis(50);
const POLL_MAX: Duration = Duration::from_secs(1);

/// IPP `job-state` values (RFC 8011 5.3.7).
const PENDING: i32 = 3;
const PROCESSING_STOPPED: i32 = 6;
const CANCELED: i32 = 7;
const ABORTED: i32 = 8;
const COMPLETED: i32 = 9;
/// IPP `printer-state` stopped (RFC 8011 5.4.11).
const PRINTER_STOPPED: i32 = 5;

/// A CUPS queue on a print server.
#[derive(Debug, Clone)]
pub struct CupsPrinter {
    /// `host:port` of the CUPS server (IPP).
    pub server: String,
    /// The queue (printer name).
    pub queue: String,
}

impl CupsPrinter {
    pub fn new(server: impl Into<String>, queue: impl Into<String>) -> Self {
        Self {
            server: server.into(),
            queue: queue.into(),
        }
    }
}

/// The job's number in its id `QUEUE-12`.
pub fn job_number(id: &str) -> Option<i32> {
    id.rsplit('-').next()?.parse().ok()
}

fn why(state: &ipp::JobState) -> String {
    let mut why = state.reasons.join(", ");
    if !state.message.is_empty() {
        why = format!("{why} ({})", state.message);
    }
    why
}

/// Whether the job waits for its printer: then the printer's state matters.
fn waits_for_printer(state: &ipp::JobState) -> bool {
    matches!(state.state, PENDING | PROCESSING_STOPPED)
}

/// What a job's state means for the run: `Ok(true)` completed, `Ok(false)` not yet, or
/// why it never will (canceled, aborted: [`PrintError::Ended`]) or not until the printer
/// is started again (waiting on a stopped printer: [`PrintError::Stopped`]; `printer`,
/// the queue's state, asked while the job waits; CUPS leaves the job's own reasons
/// `none`).
pub fn settled(
    job: &str,
    state: &ipp::JobState,
    printer: Option<&ipp::JobState>,
) -> Result<bool, PrintError> {
    let ended = |what: &str, state: &ipp::JobState| {
        PrintError::Ended(job.to_owned(), format!("{what}: {}", why(state)))
    };
    match state.state {
        COMPLETED => Ok(true),
        CANCELED => Err(ended("canceled", state)),
        ABORTED => Err(ended("aborted", state)),
        _ => match printer {
            Some(p) if p.state == PRINTER_STOPPED => Err(PrintError::Stopped(
                job.to_owned(),
                format!("the printer is stopped: {}", why(p)),
            )),
            _ => Ok(false),
        },
    }
}

impl Printer for CupsPrinter {
    fn submit(&self, title: &str, pdf: &Path) -> Result<PrinterJob, PrintError> {
        let number = ipp::print_job(&self.server, &self.queue, title, pdf).map_err(|f| {
            if f.delivered {
                PrintError::Unanswered(f.message)
            } else {
                PrintError::Unavailable(f.message)
            }
        })?;
        Ok(PrinterJob {
            id: format!("{}-{number}", self.queue),
        })
    }

    fn find_job(&self, title: &str) -> Result<Option<PrinterJob>, PrintError> {
        let jobs = ipp::jobs(&self.server, &self.queue).map_err(PrintError::Unavailable)?;
        Ok(jobs
            .into_iter()
            .filter(|(_, name)| name == title)
            .map(|(number, _)| number)
            .max()
            .map(|number| PrinterJob {
                id: format!("{}-{number}", self.queue),
            }))
    }

    fn wait_completed(&self, job: &PrinterJob, timeout: Duration) -> Result<(), PrintError> {
        let number = job_number(&job.id)
            .ok_or_else(|| PrintError::Unavailable(format!("not a CUPS job id: {}", job.id)))?;
        let deadline = Instant::now() + timeout;
        let mut pause = POLL;
        loop {
            let state = ipp::job_state(&self.server, &self.queue, number)
                .map_err(PrintError::Unavailable)?;
            let printer = if waits_for_printer(&state) {
                Some(
                    ipp::printer_state(&self.server, &self.queue)
                        .map_err(PrintError::Unavailable)?,
                )
            } else {
                None
            };
            if settled(&job.id, &state, printer.as_ref())? {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(PrintError::NotCompleted(job.id.clone(), timeout));
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(POLL_MAX);
        }
    }
}

/// The printer's own spool folder (the other way 5(3)ア⑤ allows): the file is written
/// there under a new name (`<prefix>-<n>.pdf`, never overwriting), first as `.partial`
/// and renamed when complete, so the printer never picks up half a file.
#[derive(Debug, Clone)]
pub struct SpoolFolderPrinter {
    pub dir: std::path::PathBuf,
    pub prefix: String,
}

impl Printer for SpoolFolderPrinter {
    fn submit(&self, _title: &str, pdf: &Path) -> Result<PrinterJob, PrintError> {
        let unavailable =
            |e: std::io::Error| PrintError::Unavailable(format!("{}: {e}", self.dir.display()));
        for n in 1.. {
            let name = format!("{}-{n}.pdf", self.prefix);
            let target = self.dir.join(&name);
            let partial = self.dir.join(format!("{name}.partial"));
            let claimed = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&partial);
            match claimed {
                Ok(_) if !target.exists() => {
                    std::fs::copy(pdf, &partial).map_err(unavailable)?;
                    std::fs::rename(&partial, &target).map_err(unavailable)?;
                    return Ok(PrinterJob { id: name });
                }
                Ok(_) => {
                    let _ = std::fs::remove_file(&partial);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(unavailable(e)),
            }
        }
        unreachable!("some number is free")
    }

    fn wait_completed(&self, job: &PrinterJob, _timeout: Duration) -> Result<(), PrintError> {
        // Complete once written: the printer takes it from the folder.
        if self.dir.join(&job.id).exists() {
            Ok(())
        } else {
            Err(PrintError::Unavailable(format!(
                "{} is not in the spool folder",
                job.id
            )))
        }
    }
}

/// The printer by the job's output route: its CUPS queue on the configured server, or
/// the configured spool folder with the job's file name prefix (`[batches]`).
#[derive(Debug, Clone)]
pub struct RoutedPrinters {
    cups_server: String,
    cups_queue: String,
    spool_dir: std::path::PathBuf,
    route: Option<OutputRoute>,
}

impl RoutedPrinters {
    pub fn new(settings: &BatchSettings) -> Self {
        Self {
            cups_server: settings.cups_server.clone(),
            cups_queue: settings.cups_queue.clone(),
            spool_dir: settings.spool_dir.clone(),
            route: settings.output_route,
        }
    }
}

impl Printers for RoutedPrinters {
    fn for_output(&self, output: &Output) -> Arc<dyn Printer> {
        match self.route.unwrap_or(output.route) {
            OutputRoute::Cups => {
                let queue = if self.cups_queue.is_empty() {
                    &output.destination
                } else {
                    &self.cups_queue
                };
                Arc::new(CupsPrinter::new(self.cups_server.clone(), queue.clone()))
            }
            OutputRoute::SpoolFolder => Arc::new(SpoolFolderPrinter {
                dir: self.spool_dir.clone(),
                prefix: output.destination.clone(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_job_counts_as_printed_only_when_cups_says_completed() {
        use super::{ipp::JobState, job_number, settled};
        assert_eq!(job_number("renzoku-12"), Some(12));
        assert_eq!(job_number("renzoku"), None);
        let state = |state: i32, reasons: &[&str]| JobState {
            state,
            reasons: reasons.iter().map(|r| r.to_string()).collect(),
            message: String::new(),
        };
        let idle = state(3, &["none"]);
        assert!(settled("q-1", &state(9, &["job-completed-successfully"]), None).unwrap());
        assert!(!settled("q-1", &state(5, &["job-printing"]), None).unwrap());
        assert!(!settled("q-1", &state(3, &["none"]), Some(&idle)).unwrap());
        // Ended without printing: never reported as printed.
        for (s, reason) in [(7, "job-canceled-by-user"), (8, "aborted-by-system")] {
            let err = settled("q-1", &state(s, &[reason]), None).unwrap_err();
            assert!(err.to_string().contains(reason), "{err}");
        }
        // Waiting on a stopped printer (cupsdisable, or CUPS' stop-printer error policy
        // after a device error): said at once, with the printer's reasons.
        let stopped = state(5, &["paused"]);
        let err = settled("q-1", &state(3, &["none"]), Some(&stopped)).unwrap_err();
        assert!(err.to_string().contains("stopped: paused"), "{err}");
    }

    #[test]
    fn the_route_picks_the_spool_folder_and_the_setting_overrides_the_job() {
        use super::{Output, OutputRoute, Printers, RoutedPrinters};
        let dir = tempfile::TempDir::new().unwrap();
        let pdf = dir.path().join("run.pdf");
        std::fs::write(&pdf, b"%PDF-1.7").unwrap();
        let spool = dir.path().join("spool");
        std::fs::create_dir_all(&spool).unwrap();
        let mut settings = crate::config::BatchSettings {
            spool_dir: spool.clone(),
            ..Default::default()
        };
        let to_spool = Output {
            route: OutputRoute::SpoolFolder,
            destination: "hagaki".into(),
        };
        let printers = RoutedPrinters::new(&settings);
        let job = printers.for_output(&to_spool).submit("t", &pdf).unwrap();
        assert_eq!(job.id, "hagaki-1.pdf");
        assert!(spool.join("hagaki-1.pdf").exists());
        // A CUPS job goes to the spool folder when the setting says so.
        settings.output_route = Some(OutputRoute::SpoolFolder);
        let to_cups = Output {
            route: OutputRoute::Cups,
            destination: "renzoku".into(),
        };
        let printers = RoutedPrinters::new(&settings);
        let job = printers.for_output(&to_cups).submit("t", &pdf).unwrap();
        assert_eq!(job.id, "renzoku-1.pdf");
    }
}

//! The continuous-form printer through CUPS (contract: integrations/printer/README.md):
//! a PDF goes to a queue over IPP with the CUPS client tools (`lp`, `lpstat`, Debian's
//! `cups-client`), which speak IPP to the server named by `server` (`host:port`).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use std::sync::Arc;

use crate::batches::definition::Output;
use crate::config::BatchSettings;
use crate::domain::OutputRoute;
use crate::print_runs::{PrintError, Printer, PrinterJob, Printers};

/// How often the job's state is asked while waiting.
const POLL: Duration = Duration::from_millis(50);

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

    fn run(&self, program: &str, args: &[&str]) -> Result<String, PrintError> {
        let output = Command::new(program)
            .arg("-h")
            .arg(&self.server)
            .args(args)
            .output()
            .map_err(|e| PrintError::Unavailable(format!("{program}: {e}")))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(PrintError::Unavailable(format!(
                "{program}: {}",
                stderr.trim()
            )));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// The queue's job ids in a state list (`completed`, `not-completed`).
    fn jobs(&self, which: &str) -> Result<Vec<String>, PrintError> {
        let out = self.run("lpstat", &["-W", which, "-o", &self.queue])?;
        Ok(out
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .map(str::to_owned)
            .collect())
    }
}

/// The job id in `lp`'s answer: `request id is renzoku-12 (1 file(s))`.
pub fn parse_request_id(answer: &str) -> Option<String> {
    let rest = answer.split("request id is ").nth(1)?;
    rest.split_whitespace().next().map(str::to_owned)
}

impl Printer for CupsPrinter {
    fn submit(&self, title: &str, pdf: &Path) -> Result<PrinterJob, PrintError> {
        let file = pdf
            .to_str()
            .ok_or_else(|| PrintError::Unavailable("the file name is not UTF-8".into()))?;
        let answer = self.run("lp", &["-d", &self.queue, "-t", title, "--", file])?;
        let id = parse_request_id(&answer).ok_or_else(|| {
            PrintError::Unavailable(format!("lp gave no job id: {}", answer.trim()))
        })?;
        Ok(PrinterJob { id })
    }

    fn wait_completed(&self, job: &PrinterJob, timeout: Duration) -> Result<(), PrintError> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.jobs("completed")?.contains(&job.id) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(PrintError::NotCompleted(job.id.clone(), timeout));
            }
            std::thread::sleep(POLL);
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
    fn the_job_id_is_read_from_lp() {
        let answer = "request id is renzoku-12 (1 file(s))\n";
        assert_eq!(
            super::parse_request_id(answer).as_deref(),
            Some("renzoku-12")
        );
        assert_eq!(super::parse_request_id("lp: error"), None);
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

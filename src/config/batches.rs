//! `[batches]`: where the print jobs' catalogue is, the font the forms are set in, where
//! the printed output goes, and the key run files are sealed with at rest.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::Secret;
use crate::domain::OutputRoute;

/// The Japanese font of the forms: IPAex Gothic from Debian's `fonts-ipaexfont-gothic`
/// (IPA Font License: embedding allowed). Read from disk at run time, never downloaded.
pub const DEFAULT_FONT: &str = "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf";

/// `[batches]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BatchSettings {
    /// The job definitions (`*.toml`).
    pub catalogue_dir: PathBuf,
    /// A TrueType/OpenType font with the JIS X 0208 characters, embedded (subset) in
    /// every PDF.
    pub font: PathBuf,
    /// The CUPS server (`host:port`, IPP) for jobs whose output route is `cups`.
    pub cups_server: String,
    /// A CUPS queue that replaces every job's own queue name (empty: the job's).
    pub cups_queue: String,
    /// The printer's spool folder for jobs whose output route is `spool_folder`.
    pub spool_dir: PathBuf,
    /// Sends every job by this route instead of its own (a printer reachable only one way).
    pub output_route: Option<OutputRoute>,
    /// Received inputs and rendered outputs, sealed (empty: `print-runs` in the data folder).
    pub runs_dir: Option<PathBuf>,
    /// AES-256 key for run files at rest, 64 hex digits. Unset: print runs are unavailable.
    pub file_key: Option<Secret>,
    /// Days a run's files are kept after receipt, as the city set it; then they are
    /// purged with a deletion record. Unset: kept until a purge on the city's instruction.
    pub retention_days: Option<u32>,
    /// The 担当課's mail address by its name (`"国民健康保険課" = "kokuho@..."`): the
    /// reminder that their data is due goes there (else to the operators).
    pub department_mail: BTreeMap<String, String>,
    /// The 担当課 is reminded this many business days before its data is due.
    pub remind_business_days: u32,
    /// A folder polled for data files, one subfolder per job id (`<dir>/kouki-kettei/`):
    /// each file becomes a run and is then erased from the folder. Unset: uploads only.
    pub watch_dir: Option<PathBuf>,
}

impl Default for BatchSettings {
    fn default() -> Self {
        Self {
            catalogue_dir: PathBuf::from(crate::batches::CATALOGUE_DIR),
            font: PathBuf::from(DEFAULT_FONT),
            cups_server: "localhost:631".into(),
            cups_queue: String::new(),
            spool_dir: PathBuf::from("data/spool"),
            output_route: None,
            runs_dir: None,
            file_key: None,
            retention_days: None,
            department_mail: BTreeMap::new(),
            remind_business_days: 2,
            watch_dir: None,
        }
    }
}

impl BatchSettings {
    /// Applies `MADOGUCHI_BATCHES_CATALOGUE_DIR`, `_FONT`, `_CUPS_SERVER`, `_CUPS_QUEUE`,
    /// `_SPOOL_DIR`, `_OUTPUT_ROUTE`, `_RUNS_DIR`, `_FILE_KEY`, `_RETENTION_DAYS` and `_WATCH_DIR`.
    pub fn apply_env(&mut self, env: &impl Fn(&str) -> Option<String>) {
        let var = |name: &str| env(&format!("MADOGUCHI_BATCHES_{name}")).filter(|v| !v.is_empty());
        if let Some(v) = var("CATALOGUE_DIR") {
            self.catalogue_dir = PathBuf::from(v);
        }
        if let Some(v) = var("FONT") {
            self.font = PathBuf::from(v);
        }
        if let Some(v) = var("CUPS_SERVER") {
            self.cups_server = v;
        }
        if let Some(v) = var("CUPS_QUEUE") {
            self.cups_queue = v;
        }
        if let Some(v) = var("SPOOL_DIR") {
            self.spool_dir = PathBuf::from(v);
        }
        if let Some(route) = var("OUTPUT_ROUTE").and_then(|v| OutputRoute::parse(&v).ok()) {
            self.output_route = Some(route);
        }
        if let Some(v) = var("RUNS_DIR") {
            self.runs_dir = Some(PathBuf::from(v));
        }
        if let Some(v) = var("FILE_KEY") {
            self.file_key = Some(Secret(v));
        }
        if let Some(v) = var("WATCH_DIR") {
            self.watch_dir = Some(PathBuf::from(v));
        }
        if let Some(days) = var("RETENTION_DAYS").and_then(|v| v.parse().ok()) {
            self.retention_days = Some(days);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printer_and_the_key_come_from_the_environment() {
        let env = |name: &str| match name {
            "MADOGUCHI_BATCHES_CUPS_QUEUE" => Some("renzoku".to_owned()),
            "MADOGUCHI_BATCHES_OUTPUT_ROUTE" => Some("spool_folder".to_owned()),
            "MADOGUCHI_BATCHES_FILE_KEY" => Some("ab".repeat(32)),
            "MADOGUCHI_BATCHES_SPOOL_DIR" => Some(String::new()),
            _ => None,
        };
        let mut settings = BatchSettings::default();
        assert_eq!(settings.file_key, None, "no default key");
        settings.apply_env(&env);
        assert_eq!(settings.cups_queue, "renzoku");
        assert_eq!(settings.output_route, Some(OutputRoute::SpoolFolder));
        assert_eq!(settings.file_key, Some(Secret("ab".repeat(32))));
        assert_eq!(
            settings.spool_dir,
            PathBuf::from("data/spool"),
            "empty: unchanged"
        );
        assert!(
            !format!("{settings:?}").contains("abab"),
            "the key is never printed"
        );
    }
}

//! `[batches]`: where the print jobs' catalogue is, the font the forms are set in, where
//! the printed output goes, and the key run files are sealed with at rest.

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
        }
    }
}

impl BatchSettings {
    /// Applies `MADOGUCHI_BATCHES_CATALOGUE_DIR`, `_FONT`, `_CUPS_SERVER`, `_CUPS_QUEUE`,
    /// `_SPOOL_DIR`, `_OUTPUT_ROUTE`, `_RUNS_DIR` and `_FILE_KEY`.
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

//! `[batches]`: where the print jobs' catalogue is, and the font the forms are set in.

use std::path::PathBuf;

use serde::Deserialize;

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
}

impl Default for BatchSettings {
    fn default() -> Self {
        Self {
            catalogue_dir: PathBuf::from(crate::batches::CATALOGUE_DIR),
            font: PathBuf::from(DEFAULT_FONT),
        }
    }
}

impl BatchSettings {
    /// Applies `MADOGUCHI_BATCHES_CATALOGUE_DIR` and `MADOGUCHI_BATCHES_FONT`.
    pub fn apply_env(&mut self, env: &impl Fn(&str) -> Option<String>) {
        if let Some(v) = env("MADOGUCHI_BATCHES_CATALOGUE_DIR").filter(|v| !v.is_empty()) {
            self.catalogue_dir = PathBuf::from(v);
        }
        if let Some(v) = env("MADOGUCHI_BATCHES_FONT").filter(|v| !v.is_empty()) {
            self.font = PathBuf::from(v);
        }
    }
}

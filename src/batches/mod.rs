//! Print batches (印刷等運用支援業務, 業務要件書): the job catalogue, the year's schedule on
//! the business calendar, the data checks, synthetic samples, and the forms.
//!
//! Core: no storage, no network. A job is data (`integrations/print-batches/<job>.toml`,
//! see its README), read into a [`Catalogue`] that refuses any bad definition whole.
//! Input files are read record by record ([`records`]), so a check of 10,000 notices
//! needs no more memory than its duplicate-key set.

pub mod catalogue;
pub mod checks;
pub mod definition;
pub mod definition_diff;
pub mod form_text;
pub mod formats;
pub mod ics;
pub mod records;
pub mod render;
pub mod report;
pub mod sample;
pub mod schedule;
pub mod selftest;
mod validate;
mod verdict;

#[cfg(test)]
mod tests;

pub use catalogue::{sha256_hex, Catalogue, CatalogueError, Job};
pub use checks::{check_file, CheckReport, CheckResult, Finding, PreviousRun, CHECKS};
pub use schedule::{fiscal_year, ScheduledRun};

/// Where the catalogue lives in the repository (and, relative to the working folder,
/// where the binary looks by default).
pub const CATALOGUE_DIR: &str = "integrations/print-batches";

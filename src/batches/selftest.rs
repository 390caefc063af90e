//! The checks of the batches themselves (5(3)ア④): every job on its sample input, with
//! the data checks passing and the input and the rendered PDF matching the SHA-256 the
//! job's definition expects. Used by `madoguchi batch selftest` and by the print-run
//! service's monthly check, which stores each result for the console.

use super::render::{render, FormFont};
use super::{check_file, sample, sha256_hex, Catalogue, Job};
use crate::domain::CheckStatus;

/// What one job's selftest saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfTestResult {
    pub job: String,
    pub input_sha256: String,
    pub output_sha256: String,
    pub passed: bool,
    /// Why it failed (empty when it passed).
    pub notes: Vec<String>,
}

/// Runs `job` on its sample.
pub fn selftest_job(catalogue: &Catalogue, job: &Job, font: &FormFont) -> SelfTestResult {
    let expected = &job.definition.selftest;
    let mut input = Vec::new();
    let mut notes = Vec::new();
    if let Err(e) = sample::write_sample(job, expected.records as u64, expected.seed, &mut input) {
        notes.push(format!("the sample cannot be made: {e}"));
    }
    let report = check_file(catalogue, job, &input[..], None);
    if report.status() != CheckStatus::Passed {
        notes.push(format!("the sample's checks: {}", report.status().label()));
    }
    let output_sha256 = match render(job, &input[..], font, None) {
        Ok(rendered) => sha256_hex(&rendered.pdf),
        Err(e) => {
            notes.push(format!("the forms cannot be rendered: {e}"));
            String::new()
        }
    };
    let input_sha256 = sha256_hex(&input);
    for (what, want, got) in [
        ("input", &expected.expected_input_sha256, &input_sha256),
        ("output", &expected.expected_output_sha256, &output_sha256),
    ] {
        if want != got {
            notes.push(format!("{what} SHA-256 is {got}, expected {want:?}"));
        }
    }
    SelfTestResult {
        job: job.id().to_owned(),
        passed: notes.is_empty(),
        input_sha256,
        output_sha256,
        notes,
    }
}

/// Every job of the catalogue on its sample, in catalogue order.
pub fn selftest_all(catalogue: &Catalogue, font: &FormFont) -> Vec<SelfTestResult> {
    catalogue
        .jobs()
        .iter()
        .map(|job| selftest_job(catalogue, job, font))
        .collect()
}

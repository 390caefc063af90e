//! `madoguchi batch render` and `madoguchi batch selftest`: forms to PDF.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use super::batch::{check_path, print_report};
use crate::batches::render::{render as render_forms, FormFont};
use crate::batches::{sha256_hex, Catalogue, Job};
use crate::config::Settings;
use crate::domain::CheckStatus;
use crate::print_runs::selftests::selftest_and_store;
use crate::storage::Store;

/// The forms' font from `[batches] font`, with a message saying how to get it.
pub(super) fn load_font(settings: &Settings) -> anyhow::Result<FormFont> {
    let path = &settings.batches.font;
    let bytes = std::fs::read(path).with_context(|| {
        format!(
            "the forms' font {} cannot be read: install Debian's fonts-ipaexfont-gothic or set [batches] font / MADOGUCHI_BATCHES_FONT",
            path.display()
        )
    })?;
    FormFont::from_bytes(bytes).with_context(|| format!("{}", path.display()))
}

/// Checks, then renders; writes OUT only when no check failed.
pub fn render(
    settings: &Settings,
    catalogue: &Catalogue,
    job: &Job,
    file: &Path,
    out: &Path,
) -> anyhow::Result<ExitCode> {
    let (report, sha256) = check_path(catalogue, job, file, None)?;
    if report.status() == CheckStatus::Failed {
        print_report(job, &report, &sha256);
        eprintln!("madoguchi: a check failed; nothing rendered");
        return Ok(ExitCode::FAILURE);
    }
    let font = load_font(settings)?;
    let input = BufReader::with_capacity(64 * 1024, File::open(file)?);
    let rendered = render_forms(job, input, &font, None)?;
    let partial = out.with_extension("pdf.partial");
    std::fs::write(&partial, &rendered.pdf)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, out)?;
    println!(
        "{}: {} forms, {} pages, SHA-256 {}",
        out.display(),
        rendered.forms,
        rendered.pages,
        sha256_hex(&rendered.pdf)
    );
    Ok(ExitCode::SUCCESS)
}

/// Who the command line's selftest is stored as.
const CLI: &str = "cli";

/// Every job of the catalogue in force (the database's, seeded from the files when it
/// holds none) on its sample: checks pass, the input and the PDF have the expected
/// SHA-256. The results are stored as the monthly check's are, so the console's "last
/// checked" shows this run too.
pub fn selftest(
    settings: &Settings,
    rt: &tokio::runtime::Runtime,
    store: &Store,
    catalogue: Arc<Catalogue>,
) -> anyhow::Result<ExitCode> {
    let font = load_font(settings)?;
    let results = rt.block_on(selftest_and_store(store, catalogue.clone(), font, CLI))?;
    let mut failed = 0;
    for (job, result) in catalogue.jobs().iter().zip(&results) {
        let mark = if result.passed { "OK" } else { "NG" };
        println!(
            "{mark} {:<22} definition {} form {} input {} output {}",
            job.id(),
            &job.checksum[..12],
            &job.form_checksum[..12],
            &result.input_sha256[..12],
            &result.output_sha256[..12]
        );
        for note in &result.notes {
            println!("   {note}");
        }
        failed += usize::from(!result.passed);
    }
    println!("{} jobs, {failed} failed", catalogue.jobs().len());
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

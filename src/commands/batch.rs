//! `madoguchi batch`: the print jobs of the 業務要件書 from the command line: the
//! catalogue, the year's schedule, synthetic samples, data checks, forms and the selftest.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use serde_json::json;

use crate::batches::records::HashingReader;
use crate::batches::{check_file, ics, sample, schedule, Catalogue, CheckReport, Job, PreviousRun};
use crate::calendar::BusinessCalendar;
use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::domain::CheckStatus;
use crate::print_runs::revisions::CatalogueRevisions;
use crate::storage::Store;

#[derive(clap::Subcommand)]
pub enum BatchAction {
    /// The job catalogue: each job with its 担当課, cycle, layout, form, route and checksum.
    List {
        #[arg(long)]
        json: bool,
    },
    /// The runs of a fiscal year (April to March) on the business calendar.
    Schedule {
        /// 2026 is 令和8年度: 2026-04-01 to 2027-03-31.
        #[arg(long)]
        fiscal_year: i32,
        /// A JSON list of {"job", "name", "date", "data_due", ...}.
        #[arg(long, conflicts_with = "ics")]
        json: bool,
        /// iCalendar, one all-day event per run.
        #[arg(long)]
        ics: bool,
    },
    /// Write a synthetic input file for JOB (made-up people only) with a valid trailer.
    Sample {
        job: String,
        #[arg(long)]
        records: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        out: PathBuf,
    },
    /// Check FILE as JOB's data; exit 1 when a check fails (warnings do not fail).
    Check {
        job: String,
        file: PathBuf,
        #[arg(long)]
        json: bool,
        /// Records of the previous run of the job, for the difference check.
        #[arg(long, requires = "previous_total")]
        previous_count: Option<u64>,
        /// Total amount of the previous run.
        #[arg(long, requires = "previous_count")]
        previous_total: Option<i64>,
    },
    /// Check FILE as JOB's data, then render its forms to a PDF (nothing is written when
    /// a check fails).
    Render {
        job: String,
        file: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Run every job on its sample and compare with the expected checksums (5(3)ア④).
    Selftest,
}

/// `madoguchi batch ...`, on the catalogue in force: the database's, as admins edited it
/// in the console (seeded from `[batches] catalogue_dir` when it holds none), the one the
/// runs use.
pub fn batch(settings: &Settings, action: BatchAction) -> anyhow::Result<ExitCode> {
    let rt = super::runtime()?;
    let store = rt.block_on(Store::connect(
        &settings.database_url(),
        Arc::new(SystemClock),
    ))?;
    let bundled = Arc::new(Catalogue::load(&settings.batches.catalogue_dir)?);
    let catalogue = rt.block_on(CatalogueRevisions::new(store.clone(), bundled).current())?;
    match action {
        BatchAction::List { json } => list(&catalogue, json),
        BatchAction::Schedule {
            fiscal_year,
            json,
            ics,
        } => {
            let calendar = BusinessCalendar::new(&settings.calendar)?;
            show_schedule(&catalogue, &calendar, fiscal_year, json, ics)
        }
        BatchAction::Sample {
            job,
            records,
            seed,
            out,
        } => {
            let Some(job) = find_job(&catalogue, &job) else {
                return Ok(ExitCode::FAILURE);
            };
            write_sample(job, records, seed, &out)
        }
        BatchAction::Check {
            job,
            file,
            json,
            previous_count,
            previous_total,
        } => {
            let Some(job) = find_job(&catalogue, &job) else {
                return Ok(ExitCode::FAILURE);
            };
            let previous = previous_count
                .zip(previous_total)
                .map(|(records, total)| PreviousRun { records, total });
            check(&catalogue, job, &file, previous, json)
        }
        BatchAction::Render { job, file, out } => {
            let Some(job) = find_job(&catalogue, &job) else {
                return Ok(ExitCode::FAILURE);
            };
            super::batch_render::render(settings, &catalogue, job, &file, &out)
        }
        BatchAction::Selftest => super::batch_render::selftest(settings, &rt, &store, catalogue),
    }
}

/// The job called `id`, or a message listing the jobs there are.
pub(super) fn find_job<'c>(catalogue: &'c Catalogue, id: &str) -> Option<&'c Job> {
    let job = catalogue.job(id);
    if job.is_none() {
        let ids: Vec<&str> = catalogue.jobs().iter().map(Job::id).collect();
        eprintln!("madoguchi: no job {id:?}; the jobs are: {}", ids.join(", "));
    }
    job
}

fn list(catalogue: &Catalogue, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        let jobs: Vec<_> = catalogue
            .jobs()
            .iter()
            .map(|job| {
                let d = &job.definition;
                json!({
                    "id": d.id, "name": d.name, "department": d.department,
                    "source_system": d.source_system, "revision": d.revision, "cycle": d.cycle,
                    "input_format": d.input.format, "encoding": d.input.encoding,
                    "form": d.form.kind, "route": d.output.route,
                    "checksum": job.checksum, "form_checksum": job.form_checksum,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&jobs)?);
        return Ok(ExitCode::SUCCESS);
    }
    for job in catalogue.jobs() {
        let d = &job.definition;
        println!(
            "{:<22} {} [{}] {} / {} {} / {} / {} / 第{}版 {}",
            d.id,
            d.name,
            d.department,
            d.cycle,
            d.input.format.label(),
            d.input.encoding.label(),
            d.form.kind.label(),
            d.output.route.label(),
            d.revision,
            &job.checksum[..12]
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn show_schedule(
    catalogue: &Catalogue,
    calendar: &BusinessCalendar,
    year: i32,
    json: bool,
    ics: bool,
) -> anyhow::Result<ExitCode> {
    if schedule::fiscal_year_span(year).is_none() || !(2000..=2099).contains(&year) {
        eprintln!("madoguchi: --fiscal-year {year}: give a year from 2000 to 2099");
        return Ok(ExitCode::FAILURE);
    }
    let runs = schedule::fiscal_year(catalogue, calendar, year);
    if json {
        println!("{}", serde_json::to_string_pretty(&runs)?);
    } else if ics {
        print!("{}", ics::to_ics(&runs, SystemClock.now()));
    } else {
        for run in &runs {
            let moved = run
                .moved_from
                .map(|d| format!(" ({}から移動)", d.format("%m/%d")))
                .unwrap_or_default();
            println!(
                "{} {:<22} {} [{} データ期限 {}]{moved}",
                run.date.format("%Y-%m-%d (%a)"),
                run.job,
                run.name,
                run.department,
                run.data_due.format("%m/%d")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn write_sample(job: &Job, records: u64, seed: u64, out: &Path) -> anyhow::Result<ExitCode> {
    let file = File::create(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut writer = BufWriter::new(file);
    sample::write_sample(job, records, seed, &mut writer)?;
    writer.flush()?;
    eprintln!(
        "{}: {records} synthetic records for {}",
        out.display(),
        job.id()
    );
    Ok(ExitCode::SUCCESS)
}

/// Checks a file; the report and the input's SHA-256.
pub(super) fn check_path(
    catalogue: &Catalogue,
    job: &Job,
    file: &Path,
    previous: Option<PreviousRun>,
) -> anyhow::Result<(CheckReport, String)> {
    let opened = File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut hashing = HashingReader::new(opened);
    let report = check_file(
        catalogue,
        job,
        BufReader::with_capacity(64 * 1024, &mut hashing),
        previous,
    );
    std::io::copy(&mut hashing, &mut std::io::sink())?;
    Ok((report, hashing.sha256_hex()))
}

fn check(
    catalogue: &Catalogue,
    job: &Job,
    file: &Path,
    previous: Option<PreviousRun>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let (report, sha256) = check_path(catalogue, job, file, previous)?;
    let status = report.status();
    if json {
        let mut value = serde_json::to_value(&report)?;
        value["status"] = json!(status);
        value["input_sha256"] = json!(sha256);
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        print_report(job, &report, &sha256);
    }
    Ok(match status {
        CheckStatus::Failed => ExitCode::FAILURE,
        _ => ExitCode::SUCCESS,
    })
}

pub(super) fn print_report(job: &Job, report: &CheckReport, sha256: &str) {
    println!(
        "{} {}: {}件 合計 {} (SHA-256 {})",
        job.id(),
        job.definition.name,
        report.records,
        report.total(),
        &sha256[..16]
    );
    for check in &report.checks {
        let summary = check
            .summary
            .as_deref()
            .map(|s| format!(" {s}"))
            .unwrap_or_default();
        println!(
            "[{}] {} ({}){summary}",
            check.status.label(),
            check.label,
            check.name
        );
        for f in &check.findings {
            let field = f
                .field
                .as_deref()
                .map(|f| format!(" {f}"))
                .unwrap_or_default();
            println!("    {}行目{field}: {}", f.line, f.message);
        }
        if check.finding_count > check.findings.len() as u64 {
            println!(
                "    ほか{}件",
                check.finding_count - check.findings.len() as u64
            );
        }
    }
    println!("結果: {}", report.status().label());
}

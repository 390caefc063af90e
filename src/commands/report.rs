//! `madoguchi report`: the helpdesk's reports to the city, written to a file.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use crate::clock::SystemClock;
use crate::config::Settings;
use crate::reports::{self, Month};
use crate::storage::Store;

use super::runtime;

#[derive(clap::Subcommand)]
pub enum ReportAction {
    /// The monthly report (days and the month in JST).
    Monthly {
        /// The month, YYYY-MM.
        #[arg(long, value_parser = parse_month)]
        month: Month,
        /// `html` (one document with SVG charts and their tables) or `csv` (a folder of
        /// one UTF-8 CSV file per table).
        #[arg(long, default_value = "html", value_parser = ["html", "csv"])]
        format: String,
        /// The file (html) or folder (csv) to write.
        #[arg(long)]
        out: PathBuf,
    },
}

fn parse_month(text: &str) -> Result<Month, String> {
    Month::parse(text).ok_or_else(|| "use YYYY-MM, e.g. 2026-11".to_owned())
}

/// `madoguchi report ...`: reads the database only.
pub fn report(settings: &Settings, action: ReportAction) -> anyhow::Result<ExitCode> {
    let ReportAction::Monthly { month, format, out } = action;
    let rt = runtime()?;
    let store = rt.block_on(Store::connect(
        &settings.database_url(),
        Arc::new(SystemClock),
    ))?;
    let report = rt.block_on(reports::monthly(&store, month))?;
    if format == "csv" {
        let files = reports::write_csv_tables(&report, &out)
            .with_context(|| format!("writing {}", out.display()))?;
        println!("wrote {} tables to {}", files.len(), out.display());
    } else {
        std::fs::write(&out, reports::render_html(&report))
            .with_context(|| format!("writing {}", out.display()))?;
        println!("wrote the report for {month} to {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

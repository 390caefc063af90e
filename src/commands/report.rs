//! `madoguchi report`: the helpdesk's reports to the city, written to a file.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use crate::clock::SystemClock;
use crate::config::Settings;
use crate::reports::{self, Month, Span};
use crate::storage::Store;

use super::runtime;

#[derive(clap::Subcommand)]
pub enum ReportAction {
    /// The monthly report (days and the month in JST).
    Monthly {
        /// The month, YYYY-MM.
        #[arg(long, value_parser = parse_month)]
        month: Month,
        /// `html` (one document with SVG charts and their tables), `csv` (a folder of
        /// one UTF-8 CSV file per table) or `pdf` (A4, set in `[batches] font`).
        #[arg(long, default_value = "html", value_parser = ["html", "csv", "pdf"])]
        format: String,
        /// The file (html, pdf) or folder (csv) to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// The half-year report: April to September of the fiscal year.
    HalfYear {
        /// The fiscal year (2026 = April 2026 to March 2027).
        #[arg(long)]
        fiscal_year: i32,
        #[arg(long, default_value = "html", value_parser = ["html", "csv", "pdf"])]
        format: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// The annual report: the whole fiscal year.
    Annual {
        #[arg(long)]
        fiscal_year: i32,
        #[arg(long, default_value = "html", value_parser = ["html", "csv", "pdf"])]
        format: String,
        #[arg(long)]
        out: PathBuf,
    },
}

fn fiscal(span: fn(i32) -> Option<Span>, year: i32) -> anyhow::Result<Span> {
    if !(2000..=2100).contains(&year) {
        anyhow::bail!("--fiscal-year {year}: use a year such as 2026");
    }
    span(year).ok_or_else(|| anyhow::anyhow!("--fiscal-year {year}: not a year"))
}

fn parse_month(text: &str) -> Result<Month, String> {
    Month::parse(text).ok_or_else(|| "use YYYY-MM, e.g. 2026-11".to_owned())
}

/// `madoguchi report ...`: reads the database only.
pub fn report(settings: &Settings, action: ReportAction) -> anyhow::Result<ExitCode> {
    let (span, format, out) = match action {
        ReportAction::Monthly { month, format, out } => (Span::month(month), format, out),
        ReportAction::HalfYear {
            fiscal_year,
            format,
            out,
        } => (fiscal(Span::half_year, fiscal_year)?, format, out),
        ReportAction::Annual {
            fiscal_year,
            format,
            out,
        } => (fiscal(Span::fiscal_year, fiscal_year)?, format, out),
    };
    // The font first: a missing font is said before the database is read.
    let font = match format.as_str() {
        "pdf" => Some(super::batch_render::load_font(settings)?),
        _ => None,
    };
    let rt = runtime()?;
    let store = rt.block_on(Store::connect(
        &settings.database_url(),
        Arc::new(SystemClock),
    ))?;
    let title = span.title.clone();
    let report = rt.block_on(reports::gather(&store, span))?;
    if format == "csv" {
        let files = reports::write_csv_tables(&report, &out)
            .with_context(|| format!("writing {}", out.display()))?;
        println!("wrote {} tables to {}", files.len(), out.display());
    } else if let Some(font) = font {
        let pdf = reports::render_pdf(&report, &font).context("rendering the PDF")?;
        std::fs::write(&out, pdf).with_context(|| format!("writing {}", out.display()))?;
        println!("wrote {title} to {}", out.display());
    } else {
        std::fs::write(&out, reports::render_html(&report))
            .with_context(|| format!("writing {}", out.display()))?;
        println!("wrote {title} to {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

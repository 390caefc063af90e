//! `madoguchi export handover --out DIR`: everything the helpdesk holds, for the next
//! contractor (CSV files, `manifest.json`, `SHA256SUMS`); audited as the CLI's action.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use crate::clock::SystemClock;
use crate::config::Settings;
use crate::reports;
use crate::storage::Store;

use super::runtime;

#[derive(clap::Subcommand)]
pub enum ExportAction {
    /// The handover export: every table as CSV (UTF-8 with BOM) with a manifest
    /// (columns, rows, SHA-256) and SHA256SUMS.
    Handover {
        /// The folder to write (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn export(settings: &Settings, action: ExportAction) -> anyhow::Result<ExitCode> {
    let ExportAction::Handover { out } = action;
    let rt = runtime()?;
    let store = rt.block_on(Store::connect(
        &settings.database_url(),
        Arc::new(SystemClock),
    ))?;
    let manifest = rt
        .block_on(reports::export_handover(&store, &out, "cli"))
        .with_context(|| format!("exporting to {}", out.display()))?;
    let rows: usize = manifest.files.iter().map(|f| f.rows).sum();
    println!(
        "wrote {} files ({rows} rows), manifest.json and SHA256SUMS to {}",
        manifest.files.len(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

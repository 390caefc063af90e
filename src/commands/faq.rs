//! `madoguchi faq`: FAQ import and export for maintenance in Excel or as files.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use crate::config::Settings;
use crate::kb::files;
use crate::knowledge::ExportFormat;

use super::open;

#[derive(clap::Subcommand)]
pub enum FaqAction {
    /// Write every entry (published or not) to OUT: `markdown` is a folder of
    /// knowledge-base files (a tar archive when OUT ends in .tar), `csv` is UTF-8 with a
    /// BOM and `csv-sjis` Shift_JIS (CP932), both for Excel.
    Export {
        #[arg(long, value_parser = parse_format)]
        format: ExportFormat,
        out: PathBuf,
        /// Who exports, for the audit log.
        #[arg(long, default_value = "cli")]
        author: String,
    },
    /// Import a CSV file (UTF-8, with or without BOM, or Shift_JIS), a folder of
    /// knowledge-base files or a .tar archive of them. Every entry is checked first; any
    /// problem (each with its line or file) imports nothing. Changed entries become new
    /// revisions by AUTHOR.
    Import {
        path: PathBuf,
        /// Who imports: the author of the new revisions and the audit log's actor.
        #[arg(long, default_value = "cli")]
        author: String,
    },
}

fn parse_format(name: &str) -> Result<ExportFormat, String> {
    ExportFormat::parse(name).ok_or_else(|| "use markdown, csv or csv-sjis".to_owned())
}

/// `madoguchi faq export|import`.
pub fn faq(settings: &Settings, action: FaqAction) -> anyhow::Result<ExitCode> {
    match action {
        FaqAction::Export {
            format,
            out,
            author,
        } => export(settings, format, &out, &author),
        FaqAction::Import { path, author } => import(settings, &path, &author),
    }
}

fn export(
    settings: &Settings,
    format: ExportFormat,
    out: &Path,
    author: &str,
) -> anyhow::Result<ExitCode> {
    let folder = format == ExportFormat::Markdown && out.extension().is_none_or(|e| e != "tar");
    if folder && out.read_dir().is_ok_and(|mut d| d.next().is_some()) {
        anyhow::bail!(
            "faq export: {} is a folder that is not empty (export into a new or empty one)",
            out.display()
        );
    }
    let (rt, helpdesk) = open(settings)?;
    let count = if folder {
        let entries = rt.block_on(helpdesk.knowledge().export_entries(author))?;
        files::write_dir(&entries, out)?;
        entries.len()
    } else {
        let file = rt
            .block_on(helpdesk.knowledge().export_faqs(format, author))
            .context("faq export")?;
        std::fs::write(out, &file.bytes).with_context(|| format!("writing {}", out.display()))?;
        file.entries
    };
    println!(
        "exported {count} entries to {} ({})",
        out.display(),
        format.as_str()
    );
    Ok(ExitCode::SUCCESS)
}

fn import(settings: &Settings, path: &Path, author: &str) -> anyhow::Result<ExitCode> {
    let context = || format!("faq import {}", path.display());
    let (rt, helpdesk) = open(settings)?;
    let report = if path.is_dir() {
        rt.block_on(helpdesk.knowledge().import_faq_folder(path, author))
    } else {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        if path.extension().is_some_and(|e| e == "tar") {
            rt.block_on(helpdesk.knowledge().import_faq_archive(&bytes, author))
        } else {
            rt.block_on(helpdesk.knowledge().import_faq_csv(&bytes, author))
        }
    }
    .with_context(context)?;
    println!(
        "imported {} entries from {}: {} created, {} updated, {} unchanged",
        report.created + report.updated + report.unchanged,
        path.display(),
        report.created,
        report.updated,
        report.unchanged
    );
    Ok(ExitCode::SUCCESS)
}

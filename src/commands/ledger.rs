//! `madoguchi ip`: the IP address ledger from the command line (import the city's Excel
//! ledger saved as CSV, export it, add a segment, allocate, release).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use crate::clock::SystemClock;
use crate::config::Settings;
use crate::domain::{AddressState, TextEnum};
use crate::ledgers::{
    Assignment, ComputerNameRequest, ImportSummary, LedgerError, Ledgers, SegmentSpec,
};
use crate::spreadsheet::SpreadsheetEncoding;
use crate::storage::Store;

use super::runtime;

/// A ledger file to import.
#[derive(clap::Args)]
pub struct ImportArgs {
    file: PathBuf,
    /// Check and count only; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Who imports (the audit log's actor).
    #[arg(long, default_value = "cli")]
    actor: String,
}

impl ImportArgs {
    /// Imports the file with `import` (bytes, dry run, actor) and prints the counts.
    pub(super) async fn run<S, F>(
        &self,
        import: impl FnOnce(Vec<u8>, bool, String) -> F,
    ) -> anyhow::Result<()>
    where
        S: TextEnum,
        F: std::future::Future<Output = Result<ImportSummary<S>, LedgerError>>,
    {
        let bytes = std::fs::read(&self.file)
            .with_context(|| format!("reading {}", self.file.display()))?;
        let summary = import(bytes, self.dry_run, self.actor.clone()).await?;
        print_summary(&summary);
        Ok(())
    }
}

/// Where and how to export a ledger.
#[derive(clap::Args)]
pub struct ExportArgs {
    #[arg(long, default_value = "csv", value_parser = parse_encoding)]
    format: SpreadsheetEncoding,
    out: PathBuf,
    #[arg(long, default_value = "cli")]
    actor: String,
}

impl ExportArgs {
    /// Writes what `export` (encoding, actor) made to the file.
    pub(super) async fn run<F>(
        &self,
        what: &str,
        export: impl FnOnce(SpreadsheetEncoding, String) -> F,
    ) -> anyhow::Result<()>
    where
        F: std::future::Future<Output = Result<Vec<u8>, LedgerError>>,
    {
        let bytes = export(self.format, self.actor.clone()).await?;
        std::fs::write(&self.out, bytes)
            .with_context(|| format!("writing {}", self.out.display()))?;
        println!("exported {what} to {}", self.out.display());
        Ok(())
    }
}

#[derive(clap::Subcommand)]
pub enum IpAction {
    /// Import a ledger CSV (UTF-8 with or without BOM, or Shift_JIS): the whole file is
    /// checked first; any problem is listed by line and column and nothing is written.
    Import(ImportArgs),
    /// Export every ledger line as CSV: `csv` (UTF-8 with BOM) or `csv-sjis` (Shift_JIS).
    Export(ExportArgs),
    /// Add a segment: network (mynumber, lgwan, internet), CIDR and name.
    Segment {
        network: String,
        cidr: String,
        name: String,
        #[arg(long)]
        gateway: Option<String>,
        #[arg(long)]
        vlan: Option<i64>,
        /// A DHCP pool, FIRST-LAST (repeatable).
        #[arg(long)]
        dhcp: Vec<String>,
    },
    /// Allocate the next free address of a segment to a host.
    Allocate {
        segment: i64,
        host: String,
        #[arg(long)]
        reserve: bool,
        #[arg(long, default_value = "cli")]
        actor: String,
    },
    /// Release an address (it waits out the quarantine before reuse).
    Release {
        address: String,
        #[arg(long, default_value = "cli")]
        actor: String,
    },
}

#[derive(clap::Subcommand)]
pub enum NameAction {
    /// Issue the next computer name for a 所属コード and device kind (by the configured
    /// `[ledgers] computer_name_pattern`).
    Issue {
        department_code: String,
        kind: String,
        #[arg(long)]
        device: Option<String>,
        #[arg(long, default_value = "cli")]
        actor: String,
    },
    /// Delete an issued name (kept as 削除済; never issued again).
    Delete {
        name: String,
        #[arg(long, default_value = "cli")]
        actor: String,
    },
    /// List every name with its state.
    List,
}

/// `madoguchi name ...`: the computer-name ledger.
pub fn name(settings: &Settings, action: NameAction) -> anyhow::Result<ExitCode> {
    let (rt, ledgers) = open(settings)?;
    rt.block_on(async {
        match action {
            NameAction::Issue {
                department_code,
                kind,
                device,
                actor,
            } => {
                let request = ComputerNameRequest {
                    department_code,
                    kind,
                    device,
                    person: None,
                };
                let issued = ledgers.issue_computer_name(&request, &actor).await?;
                println!("{}", issued.name);
            }
            NameAction::Delete { name, actor } => {
                let deleted = ledgers.delete_computer_name(&name, &actor).await?;
                println!("{} {}", deleted.name, deleted.state.label());
            }
            NameAction::List => {
                for n in ledgers.computer_names().await? {
                    println!(
                        "{}\t{}\t{}",
                        n.name,
                        n.state.label(),
                        crate::calendar::to_local(n.issued_at).date()
                    );
                }
            }
        }
        anyhow::Ok(ExitCode::SUCCESS)
    })
}

/// Prints what an import did (or would do).
fn print_summary<S: TextEnum>(s: &ImportSummary<S>) {
    let states: Vec<String> = s
        .by_state
        .iter()
        .map(|(state, n)| format!("{} {n}", state.label()))
        .collect();
    let verb = if s.dry_run {
        "would import (dry run)"
    } else {
        "imported"
    };
    println!(
        "{verb}: {} rows ({}), {} new, {} changed, {} unchanged",
        s.rows,
        states.join(", "),
        s.created,
        s.changed,
        s.unchanged
    );
}

/// The ledger service on the configured database, and a runtime to drive it.
pub(super) fn open(settings: &Settings) -> anyhow::Result<(tokio::runtime::Runtime, Ledgers)> {
    let rt = runtime()?;
    let store = rt.block_on(Store::connect(
        &settings.database_url(),
        Arc::new(SystemClock),
    ))?;
    let ledgers = Ledgers::new(store, settings.ledgers.clone(), settings.notify.clone());
    Ok((rt, ledgers))
}

pub(super) fn parse_encoding(name: &str) -> Result<SpreadsheetEncoding, String> {
    match name {
        "csv" => Ok(SpreadsheetEncoding::Utf8),
        "csv-sjis" => Ok(SpreadsheetEncoding::ShiftJis),
        _ => Err("use csv or csv-sjis".to_owned()),
    }
}

/// `madoguchi ip ...`. Opens only the database. Refused input exits 1 with the reasons;
/// nothing is changed.
pub fn ip(settings: &Settings, action: IpAction) -> anyhow::Result<ExitCode> {
    let (rt, ledgers) = open(settings)?;
    rt.block_on(run(&ledgers, action))?;
    Ok(ExitCode::SUCCESS)
}

async fn run(ledgers: &Ledgers, action: IpAction) -> anyhow::Result<()> {
    match action {
        IpAction::Import(args) => {
            args.run(|bytes, dry_run, actor| async move {
                ledgers.import_ip_csv(&bytes, dry_run, &actor).await
            })
            .await?;
        }
        IpAction::Export(args) => {
            let what = "the IP address ledger";
            args.run(what, |format, actor| async move {
                ledgers.export_ip_csv(format, &actor).await
            })
            .await?;
        }
        IpAction::Segment {
            network,
            cidr,
            name,
            gateway,
            vlan,
            dhcp,
        } => {
            let dhcp = dhcp
                .iter()
                .map(|r| {
                    r.split_once('-')
                        .map(|(a, b)| (a.to_owned(), b.to_owned()))
                        .ok_or_else(|| LedgerError::Invalid(format!("--dhcp {r}: FIRST-LAST")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let spec = SegmentSpec {
                network,
                cidr,
                name,
                gateway,
                vlan,
                dhcp,
                ..SegmentSpec::default()
            };
            let id = ledgers.create_segment(&spec, "cli").await?;
            println!("segment {id}");
        }
        IpAction::Allocate {
            segment,
            host,
            reserve,
            actor,
        } => {
            let state = if reserve {
                AddressState::Reserved
            } else {
                AddressState::InUse
            };
            let assignment = Assignment {
                host,
                ..Assignment::default()
            };
            let line = ledgers
                .allocate(segment, state, &assignment, &actor)
                .await?;
            println!("{}", line.address);
        }
        IpAction::Release { address, actor } => {
            let line = ledgers.release(&address, &actor).await?;
            println!("{} {}", line.address, line.state.label());
        }
    }
    Ok(())
}

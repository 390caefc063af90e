//! `madoguchi personnel`: the April switch from the command line (a synthetic city, the
//! plan, approval, exports, status).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use crate::clock::SystemClock;
use crate::config::Settings;
use crate::domain::{ChangeKind, TextEnum};
use crate::helpdesk::personnel_directory;
use crate::personnel::{sample, ApprovalScope, InputFiles, Personnel, PlanPolicy, RunProgress};
use crate::spreadsheet::SpreadsheetEncoding;
use crate::storage::Store;

use super::ledger::parse_encoding;
use super::runtime;

#[derive(clap::Subcommand)]
pub enum PersonnelAction {
    /// Write a synthetic city's files (changes.csv, org.csv, directory.csv) into a folder.
    Sample {
        #[arg(long, default_value_t = 2000)]
        staff: usize,
        #[arg(long)]
        out: PathBuf,
    },
    /// Check the files, plan every account change and store the plan (nothing is stored
    /// when a file has a problem: each is listed by line and column, exit 1).
    Plan {
        changes: PathBuf,
        /// The new year's organisation table.
        #[arg(long)]
        org: PathBuf,
        /// What the directories hold now (a directory export).
        #[arg(long)]
        directory: Option<PathBuf>,
        /// Print the plan's items as JSON instead of the summary.
        #[arg(long)]
        json: bool,
        #[arg(long, default_value = "cli")]
        actor: String,
    },
    /// Approve a plan, whole or in parts (by 所属コード and/or kind of change).
    Approve {
        plan: i64,
        /// 所属コード, comma-separated (default: every 所属).
        #[arg(long, value_delimiter = ',')]
        department: Vec<String>,
        /// Kinds (create, move_ou, department, group_add, group_remove, disable,
        /// enable), comma-separated (default: every kind).
        #[arg(long, value_delimiter = ',', value_parser = parse_kind)]
        kind: Vec<ChangeKind>,
        #[arg(long, default_value = "cli")]
        actor: String,
    },
    /// Write a plan out: plan.csv (for Excel) and one file per system (CSV, and a
    /// PowerShell script per Active Directory).
    Export {
        plan: i64,
        #[arg(long)]
        out: PathBuf,
        /// `csv` (UTF-8 with BOM) or `csv-sjis` (Shift_JIS) for plan.csv.
        #[arg(long, default_value = "csv", value_parser = parse_encoding)]
        format: SpreadsheetEncoding,
    },
    /// Apply the approved items of a plan (of the given 所属 only, comma-separated);
    /// a stopped run resumes where it stopped, failed items are retried.
    Apply {
        plan: i64,
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        /// Take the plan over from a run that stopped (crash, kill) without waiting for
        /// its lease to run out. Only when that run is known to be gone.
        #[arg(long)]
        take_over: bool,
        #[arg(long, default_value = "cli")]
        actor: String,
    },
    /// On the 発令日: bring the staff directory up to the plan (new 所属, new people,
    /// the retired removed) for everyone whose 発令日 has come.
    Staff {
        plan: i64,
        #[arg(long, default_value = "cli")]
        actor: String,
    },
    /// On the 発令日 (by the clock): enable the accounts the plan created disabled whose
    /// 発令日 has come, through the directory (only those items; resumable).
    Enable {
        plan: i64,
        #[arg(long, default_value = "cli")]
        actor: String,
    },
    /// Where a plan stands: items per state.
    Status { plan: i64 },
    /// The run report: every change of the plan with its result, as CSV (`csv`: UTF-8
    /// with BOM, `csv-sjis`: Shift_JIS) or PDF (A4, set in `[batches] font`).
    Report {
        plan: i64,
        #[arg(long, default_value = "csv")]
        format: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// The devices of the plan's people (from the equipment register) and where each
    /// goes: 移設 to the new 所属, 回収 from those leaving. Last line: counts as JSON.
    Devices { plan: i64 },
}

fn parse_kind(text: &str) -> Result<ChangeKind, String> {
    ChangeKind::parse(text).map_err(|e| e.to_string())
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// `madoguchi personnel ...`. Opens only the database.
pub fn personnel(settings: &Settings, action: PersonnelAction) -> anyhow::Result<ExitCode> {
    if let PersonnelAction::Sample { staff, out } = &action {
        return write_sample(*staff, out);
    }
    let rt = runtime()?;
    let store = rt.block_on(Store::connect(
        &settings.database_url(),
        Arc::new(SystemClock),
    ))?;
    let personnel =
        Personnel::new(store, PlanPolicy::default()).with_font(settings.batches.font.clone());
    rt.block_on(async {
        match action {
            PersonnelAction::Sample { .. } => unreachable!("handled above"),
            PersonnelAction::Plan {
                changes,
                org,
                directory,
                json,
                actor,
            } => {
                let Some(directory) = directory else {
                    anyhow::bail!(
                        "personnel plan: --directory EXPORT.csv is needed (what the directories hold now)"
                    );
                };
                let (changes_bytes, org, directory) =
                    (read(&changes)?, read(&org)?, read(&directory)?);
                let files = InputFiles {
                    changes: &changes_bytes,
                    org: &org,
                    directory: &directory,
                };
                let source = changes.display().to_string();
                let (id, prepared) = personnel.create_plan(&source, files, &actor).await?;
                if json {
                    println!("{}", serde_json::to_string(&prepared.items)?);
                } else {
                    println!("plan {id}: {} people, {} changes", prepared.counts.people, prepared.counts.items);
                    for kind in ChangeKind::ALL {
                        println!("  {}: {}", kind.label(), prepared.counts.kind(*kind));
                    }
                }
                let mut summary = serde_json::to_value(&prepared.counts)?;
                summary["plan_id"] = id.into();
                println!("{summary}");
            }
            PersonnelAction::Approve {
                plan,
                department,
                kind,
                actor,
            } => {
                let scope = ApprovalScope {
                    department_codes: department,
                    kinds: kind,
                };
                let approved = personnel.approve(plan, &scope, &actor).await?;
                println!("plan {plan}: {approved} changes approved");
            }
            PersonnelAction::Export { plan, out, format } => {
                let stored = personnel.plan(plan).await?;
                std::fs::create_dir_all(&out)?;
                let bytes = crate::personnel::export::plan_file(&stored.items, format)?;
                std::fs::write(out.join("plan.csv"), bytes)?;
                for file in crate::personnel::export::system_files(&stored.items) {
                    std::fs::write(out.join(&file.file_name), &file.bytes)?;
                }
                let moves = personnel.device_moves(plan).await?;
                let devices = crate::personnel::devices::devices_file(&moves, format)?;
                std::fs::write(out.join("devices.csv"), devices)?;
                println!("plan {plan}: written to {}", out.display());
            }
            PersonnelAction::Apply {
                plan,
                only,
                take_over,
                actor,
            } => {
                let directory = personnel_directory(settings);
                let run = personnel.begin_run(plan, &only, take_over, &actor).await?;
                let run = personnel.run(&run, &directory, progress_bar).await?;
                eprintln!();
                println!("{}", serde_json::to_string(&run)?);
                if run.failed > 0 {
                    return Ok(ExitCode::FAILURE);
                }
            }
            PersonnelAction::Staff { plan, actor } => {
                let update = personnel.update_staff(plan, &actor).await?;
                println!("{}", serde_json::to_string(&update)?);
            }
            PersonnelAction::Devices { plan } => {
                let moves = personnel.device_moves(plan).await?;
                let mut counts = serde_json::Map::new();
                for m in &moves {
                    let to = m.to_code.as_deref().unwrap_or("-");
                    let from = m.from_code.as_deref().unwrap_or("-");
                    println!(
                        "{} {} {} {} {}: {from} -> {to}",
                        m.asset_no,
                        m.kind.label(),
                        m.employee_no,
                        m.name,
                        m.action.label()
                    );
                    let n = counts.entry(m.action.as_str()).or_insert(0.into());
                    *n = (n.as_i64().unwrap_or(0) + 1).into();
                }
                println!("{}", serde_json::Value::Object(counts));
            }
            PersonnelAction::Enable { plan, actor } => {
                let directory = personnel_directory(settings);
                let (added, run) = personnel
                    .enable_due(plan, &directory, &actor, progress_bar)
                    .await?;
                eprintln!();
                println!("plan {plan}: {added} accounts due to be enabled");
                println!("{}", serde_json::to_string(&run)?);
                if run.failed > 0 {
                    return Ok(ExitCode::FAILURE);
                }
            }
            PersonnelAction::Report { plan, format, out } => {
                let bytes = match format.as_str() {
                    "pdf" => personnel.report_pdf(plan).await?,
                    _ => {
                        let encoding = parse_encoding(&format).map_err(|_| {
                            anyhow::anyhow!("personnel report: --format is csv, csv-sjis or pdf")
                        })?;
                        let stored = personnel.plan(plan).await?;
                        crate::personnel::report::report_file(&stored.items, encoding)?
                    }
                };
                std::fs::write(&out, bytes).with_context(|| format!("writing {}", out.display()))?;
                println!("plan {plan}: report written to {}", out.display());
            }
            PersonnelAction::Status { plan } => {
                let progress = personnel.status(plan).await?;
                println!("plan {plan}: {}", progress.plan.status.label());
                let json: serde_json::Map<String, serde_json::Value> = progress
                    .counts
                    .iter()
                    .map(|(s, n)| (s.as_str().to_owned(), (*n).into()))
                    .collect();
                println!("{}", serde_json::Value::Object(json));
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `[#####.....] 120/500 done, 2 failed` on stderr, redrawn in place.
fn progress_bar(run: RunProgress) {
    use std::io::Write;
    let total = run.done + run.failed + run.left;
    let width = 30;
    let filled = (run.done + run.failed) * width / total.max(1);
    let bar: String = "#".repeat(filled) + &".".repeat(width - filled);
    let mut err = std::io::stderr();
    let _ = write!(
        err,
        "\r[{bar}] {}/{total} done, {} failed, {} left",
        run.done, run.failed, run.left
    );
    let _ = err.flush();
}

fn write_sample(staff: usize, out: &Path) -> anyhow::Result<ExitCode> {
    let city = sample::city(staff);
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    for (name, text) in [
        ("changes.csv", &city.changes),
        ("org.csv", &city.org),
        ("directory.csv", &city.directory),
    ] {
        std::fs::write(out.join(name), text).with_context(|| format!("writing {name}"))?;
    }
    println!("sample city of {staff} staff written to {}", out.display());
    Ok(ExitCode::SUCCESS)
}

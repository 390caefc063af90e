//! What each `madoguchi` subcommand does; `main.rs` only dispatches here.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::config::Settings;
use crate::engine::{AdapterSource, AnswerEngine, EngineConfig, EntryVectors, Semantic};
use crate::helpdesk::Helpdesk;
use crate::kb::files;
use crate::{eval, lexicon};

mod batch;
mod batch_render;
mod equipment;
mod export;
mod faq;
mod ledger;
mod personnel;
mod report;
mod user;
pub use batch::{batch, BatchAction};
pub use equipment::{equipment, EquipmentAction};
pub use export::{export, ExportAction};
pub use faq::{faq, FaqAction};
pub use ledger::{ip, name, IpAction, NameAction};
pub use personnel::{personnel, PersonnelAction};
pub use report::{report, ReportAction};
pub use user::{user, UserAction};

#[derive(clap::Args)]
pub struct EvalArgs {
    /// FAQ set as JSON lines ({"id","question","answer","category"?}) or a folder of
    /// knowledge-base Markdown files; default: the knowledge-base folder.
    #[arg(long)]
    pub faq: Option<PathBuf>,
    /// Judged queries as JSON lines ({"id","text","relevant":{"faq-id":grade}}), or a
    /// folder of such files.
    #[arg(long)]
    pub queries: PathBuf,
    /// Write a TREC-style run file (qid Q0 faq rank score tag).
    #[arg(long)]
    pub run: Option<PathBuf>,
    /// Write each query's candidates with their signals (lexical score, cosines) as JSON
    /// lines, to fit the fusion and the decision on (the calibration set only).
    #[arg(long)]
    pub signals: Option<PathBuf>,
    /// Print the thresholds that reach this answer precision on these queries.
    #[arg(long)]
    pub calibrate: Option<f64>,
    /// Print the queries that were not answered right.
    #[arg(long)]
    pub misses: bool,
    /// Fail (exit 1) when SR@1 is below this.
    #[arg(long)]
    pub min_sr_at_1: Option<f64>,
    /// Fail (exit 1) when the precision of automatic answers is below this.
    #[arg(long)]
    pub min_precision: Option<f64>,
    /// Fail (exit 1) when the share of out-of-scope questions answered is above this.
    #[arg(long)]
    pub max_oos_answered: Option<f64>,
    /// Fail (exit 1) when the share of in-scope questions answered automatically is below
    /// this.
    #[arg(long)]
    pub min_answered: Option<f64>,
}

#[derive(clap::Subcommand)]
pub enum KbAction {
    /// Import the knowledge-base files into the database (creates and updates entries).
    Import {
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Write the live entries out as knowledge-base files (or JSON lines with --jsonl).
    Export {
        dir: PathBuf,
        #[arg(long)]
        jsonl: bool,
    },
    /// Write the questions operators resolved with an entry as labelled JSON lines (for
    /// `scripts/refit`); audited: they are staff's own words.
    Learned { file: PathBuf },
}

/// Logs go to stderr; `RUST_LOG` filters them. Question texts are never logged.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

pub fn eval(settings: &Settings, args: &EvalArgs) -> anyhow::Result<ExitCode> {
    let entries = match &args.faq {
        Some(path) if path.is_dir() => files::load_dir(path)?,
        Some(path) => files::load_jsonl(path)?,
        None => files::load_dir(&settings.kb_dir)?,
    };
    let queries = eval::load_queries(&args.queries).map_err(anyhow::Error::msg)?;
    let (semantic, vectors) = eval_vectors(settings, &entries);
    let adapter = match &semantic {
        Some(s) => crate::helpdesk::adapter_source(&settings.semantic.query_adapter(), s)?,
        None => AdapterSource::Off,
    };
    let engine = AnswerEngine::hybrid(
        lexicon::analyzer(&settings.kb_dir)?,
        lexicon::load_smalltalk(&settings.kb_dir)?,
        settings.engine,
        &entries,
        semantic.clone(),
        vectors.as_ref(),
        adapter.clone(),
    )
    .context("building the index")?;
    let runs = eval::run(&engine, &queries);
    if let Some(path) = &args.run {
        eval::write_run(&runs, path).with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &args.signals {
        eval::write_signals(&runs, path).with_context(|| format!("writing {}", path.display()))?;
    }
    if args.misses {
        for line in eval::misses(&runs) {
            println!("{line}");
        }
    }
    if let Some(target) = args.calibrate {
        let t = eval::calibrate(&runs, target);
        println!(
            "calibrated for precision >= {target}: [engine.thresholds] answer = {:.2}, margin = {:.2}, suggest = {:.2}",
            t.answer, t.margin, t.suggest
        );
        let tuned = AnswerEngine::hybrid(
            lexicon::analyzer(&settings.kb_dir)?,
            lexicon::load_smalltalk(&settings.kb_dir)?,
            EngineConfig {
                thresholds: t,
                ..settings.engine
            },
            &entries,
            semantic,
            vectors.as_ref(),
            adapter,
        )?;
        let report = eval::report(&eval::run(&tuned, &queries));
        println!("with calibrated thresholds: {}", compact(&report));
    }
    let report = eval::report(&runs);
    println!(
        "faq entries: {}, queries: {}, retrieval: {}",
        engine.entry_count(),
        queries.len(),
        match (engine.vector_count() > 0, engine.adapts_questions()) {
            (true, true) => "hybrid (query adapter)",
            (true, false) => "hybrid (no query adapter)",
            _ => "lexical",
        }
    );
    println!("{}", serde_json::to_string(&report)?);
    let sr1 = report["sr_at_1"].as_f64().unwrap_or(0.0);
    let precision = report["auto_answer_precision"].as_f64().unwrap_or(0.0);
    let mut failed = false;
    if let Some(min) = args.min_sr_at_1.filter(|&m| sr1 < m) {
        eprintln!("eval: sr_at_1 {sr1} is below the floor {min}");
        failed = true;
    }
    if let Some(min) = args.min_precision.filter(|&m| precision < m) {
        eprintln!("eval: auto_answer_precision {precision} is below the floor {min}");
        failed = true;
    }
    let oos = report["oos_false_answer_rate"].as_f64().unwrap_or(0.0);
    if let Some(max) = args.max_oos_answered.filter(|&m| oos > m) {
        eprintln!("eval: oos_false_answer_rate {oos} is above the ceiling {max}");
        failed = true;
    }
    let answered = report["in_scope_auto_answer_rate"].as_f64().unwrap_or(0.0);
    if let Some(min) = args.min_answered.filter(|&m| answered < m) {
        eprintln!("eval: in_scope_auto_answer_rate {answered} is below the floor {min}");
        failed = true;
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The sentence encoder of the settings and every vector of `entries` (encoded here:
/// an evaluation has no database), or none when the model is missing or turned off.
fn eval_vectors(
    settings: &Settings,
    entries: &[crate::kb::FaqEntry],
) -> (Option<std::sync::Arc<Semantic>>, Option<EntryVectors>) {
    let Some(path) = settings.semantic.model() else {
        eprintln!("eval: semantic retrieval turned off: lexical only");
        return (None, None);
    };
    match Semantic::load(path) {
        Ok(semantic) => {
            let vectors = EntryVectors::encode(&semantic, entries, |done, total| {
                if done == total {
                    eprintln!("eval: encoded {total} entry texts");
                }
            });
            (Some(semantic), Some(vectors))
        }
        Err(e) => {
            eprintln!("eval: semantic retrieval off ({e}): lexical only");
            (None, None)
        }
    }
}

fn compact(report: &serde_json::Value) -> String {
    let keys = [
        "sr_at_1",
        "sr_at_5",
        "mrr",
        "auto_answer_rate",
        "auto_answer_precision",
        "oos_false_answer_rate",
    ];
    keys.iter()
        .map(|k| format!("{k}={}", report[*k]))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Starts the server: opens the helpdesk (migrating and seeding on first start), binds,
/// and serves until Ctrl-C or SIGTERM.
pub fn serve(settings: Settings) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        let listen = settings.listen;
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        crate::server::run(settings, listener, shutdown_signal()).await?;
        Ok(ExitCode::SUCCESS)
    })
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

fn open(settings: &Settings) -> anyhow::Result<(tokio::runtime::Runtime, Helpdesk)> {
    let rt = runtime()?;
    let helpdesk = rt.block_on(Helpdesk::open(settings.clone()))?;
    Ok((rt, helpdesk))
}

/// Answers one question from the live entries, as the server would (and records it).
pub fn ask(settings: &Settings, text: &str, json: bool, verbose: bool) -> anyhow::Result<ExitCode> {
    if text.trim().is_empty() {
        anyhow::bail!("ask: the question is empty");
    }
    let (rt, helpdesk) = open(settings)?;
    let outcome = rt
        .block_on(helpdesk.conversations().ask(text, "cli"))?
        .outcome;
    let engine = helpdesk.knowledge().engine();
    if json {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
        return Ok(ExitCode::SUCCESS);
    }
    if verbose {
        println!("analysis: {:?}", engine.trace(text).analysis);
    }
    println!(
        "decision: {} ({:?})",
        outcome.decision.as_str(),
        outcome.reason
    );
    for (i, c) in outcome.candidates.iter().take(5).enumerate() {
        println!("{}. {:.3} {} {}", i + 1, c.score, c.id, c.title);
    }
    Ok(ExitCode::SUCCESS)
}

/// `madoguchi chat`: talk to the bot in the terminal.
pub fn chat(settings: &Settings, staff: Option<String>) -> anyhow::Result<ExitCode> {
    let (rt, helpdesk) = open(settings)?;
    let stdin = std::io::stdin();
    rt.block_on(crate::terminal::chat(
        &helpdesk,
        staff,
        stdin.lock(),
        std::io::stdout(),
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// `madoguchi staff import FILE.csv [--allow-removals]`: replaces the staff directory.
pub fn staff_import(
    settings: &Settings,
    file: &std::path::Path,
    allow_removals: bool,
) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    // The file is checked before the helpdesk is opened: a bad one touches nothing.
    let people = crate::directory::parse_csv(&bytes)
        .with_context(|| file.display().to_string())?
        .len();
    let (rt, helpdesk) = open(settings)?;
    let report = rt
        .block_on(
            helpdesk
                .directory()
                .import_csv(&bytes, allow_removals, "cli"),
        )
        .with_context(|| file.display().to_string())?;
    println!(
        "staff directory: {} people ({} added, {} updated, {} unchanged, {} removed)",
        people, report.added, report.updated, report.unchanged, report.removed
    );
    Ok(ExitCode::SUCCESS)
}

/// Who `madoguchi kb import` saves revisions as, and its audit log's actor.
pub const KB_IMPORT_ACTOR: &str = "kb-import";

pub fn kb(settings: &Settings, action: KbAction) -> anyhow::Result<ExitCode> {
    let (rt, helpdesk) = open(settings)?;
    match action {
        KbAction::Import { dir } => {
            let dir = dir.unwrap_or_else(|| settings.kb_dir.clone());
            // The same checked, audited import as `madoguchi faq import DIR`.
            let report = rt
                .block_on(
                    helpdesk
                        .knowledge()
                        .import_faq_folder(&dir, KB_IMPORT_ACTOR),
                )
                .with_context(|| format!("kb import {}", dir.display()))?;
            println!(
                "imported {} entries from {}: {} created, {} updated, {} unchanged",
                report.created + report.updated + report.unchanged,
                dir.display(),
                report.created,
                report.updated,
                report.unchanged
            );
        }
        KbAction::Export { dir, jsonl } => {
            let entries = rt.block_on(helpdesk.knowledge().entries())?;
            if jsonl {
                std::fs::write(&dir, files::to_jsonl(&entries))
                    .with_context(|| format!("writing {}", dir.display()))?;
            } else {
                files::write_dir(&entries, &dir)?;
            }
            println!("exported {} entries to {}", entries.len(), dir.display());
        }
        KbAction::Learned { file } => {
            let rows = rt.block_on(helpdesk.knowledge().export_learned(&file, "cli"))?;
            println!("wrote {rows} learned questions to {}", file.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

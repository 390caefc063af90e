//! In-process benchmark of the answer engine (targets 1 and 3 of BENCHMARKS.md).
//!
//! Builds `AnswerEngine` exactly as `madoguchi eval` does (`lexicon::analyzer` and
//! `lexicon::load_smalltalk` on the repository's knowledge-base folder, then
//! `AnswerEngine::new` with the default `EngineConfig`) and measures:
//!
//! - per-question `AnswerEngine::ask` latency (small-talk check + analysis + ranking +
//!   decision), after one warm-up pass, over every query x `--repeat`, on the bundled
//!   knowledge base with `eval/calibration` and on synthetic FAQ sets of 1,000 and 10,000
//!   entries made by `benches/peer/make_synthetic.py` (the files the peer reads);
//! - the index build (`AnswerEngine::new`) for each set, and the rebuild
//!   (`AnswerEngine::reload`) of the 1,000-entry set, median of `--reloads` runs.
//!
//! Run: `cargo bench --bench engine -- [--data DIR] [--sizes 1000,10000] [--queries 300]
//!       [--repeat 10] [--reloads 5]`
//! DIR holds (or receives) `syn-N.jsonl` and `syn-N.queries.jsonl`; files that are missing
//! are written by `python3 benches/peer/make_synthetic.py --n N --queries Q --seed 42`.
//! Prints a table and, as the last line, one JSON object.
//!
//! Percentiles are nearest-rank, as in `benches/peer/bm25_janome.py`. Beside the plain
//! p50/p99 over all samples (the figures the targets are judged on) it prints the p99 over
//! queries of each query's median across the repeats, and the share of the timed loop the
//! thread spent waiting for a CPU, so that a run disturbed by other processes shows it.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use madoguchi::engine::{AnswerEngine, EngineConfig};
use madoguchi::eval::{load_queries, Query};
use madoguchi::kb::{files, FaqEntry};
use madoguchi::lexicon;
use serde_json::{json, Value};

use common::{die, for_each_arg, number, percentile, repo, round};

struct Args {
    data: PathBuf,
    sizes: Vec<usize>,
    queries: usize,
    repeat: usize,
    reloads: usize,
    reload_size: usize,
}

fn parse_args() -> Args {
    let mut args = Args {
        data: std::env::temp_dir().join("madoguchi-bench-data"),
        sizes: vec![1_000, 10_000],
        queries: 300,
        repeat: 10,
        reloads: 5,
        reload_size: 1_000,
    };
    for_each_arg(|a, value| match a {
        "--data" => args.data = PathBuf::from(value()),
        "--sizes" => {
            args.sizes = value()
                .split(',')
                .map(|s| s.trim().parse().unwrap_or_else(|_| die("--sizes: N,N,...")))
                .collect()
        }
        "--queries" => args.queries = number(&value()) as usize,
        "--repeat" => args.repeat = (number(&value()) as usize).max(1),
        "--reloads" => args.reloads = (number(&value()) as usize).max(1),
        "--reload-size" => args.reload_size = number(&value()) as usize,
        // `cargo bench` passes --bench; libtest-style filters are ignored too.
        _ => {}
    });
    args
}

/// The synthetic FAQ and query files for `n` entries, made if missing.
fn synthetic(dir: &Path, n: usize, queries: usize) -> (PathBuf, PathBuf) {
    let faq = dir.join(format!("syn-{n}.jsonl"));
    let q = dir.join(format!("syn-{n}.queries.jsonl"));
    if !(faq.exists() && q.exists()) {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| die(&format!("{}: {e}", dir.display())));
        let status = Command::new("python3")
            .arg(repo().join("benches/peer/make_synthetic.py"))
            .args([
                "--n",
                &n.to_string(),
                "--queries",
                &queries.to_string(),
                "--seed",
                "42",
            ])
            .arg("--out")
            .arg(&faq)
            .arg("--queries-out")
            .arg(&q)
            .status()
            .unwrap_or_else(|e| die(&format!("python3: {e}")));
        if !status.success() {
            die("make_synthetic.py failed");
        }
    }
    (faq, q)
}

/// Builds the engine as `madoguchi eval` does.
fn build(entries: &[FaqEntry]) -> (AnswerEngine, f64) {
    let kb = repo().join("knowledge-base");
    let analyzer = lexicon::analyzer(&kb).unwrap_or_else(|e| die(&e.to_string()));
    let smalltalk = lexicon::load_smalltalk(&kb).unwrap_or_else(|e| die(&e.to_string()));
    let start = Instant::now();
    let engine = AnswerEngine::new(analyzer, smalltalk, EngineConfig::default(), entries)
        .unwrap_or_else(|e| die(&format!("building the index: {e}")));
    (engine, start.elapsed().as_secs_f64())
}

struct Latency {
    samples: usize,
    p50_us: f64,
    p99_us: f64,
    max_us: f64,
    mean_us: f64,
    /// p50 / p99 over queries of each query's median over the repeats: less sensitive to
    /// the bench being preempted by other processes than the plain percentiles.
    median_of_query_p50_us: f64,
    median_of_query_p99_us: f64,
    /// Share of the timed loop's wall time this thread spent runnable but waiting for a
    /// CPU (from /proc/thread-self/schedstat): how much other processes got in the way.
    runqueue_wait_share: Option<f64>,
    sr_at_1: Option<f64>,
}

/// (ns on a CPU, ns waiting on a run queue) of the calling thread.
fn schedstat() -> Option<(f64, f64)> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let mut f = text.split_whitespace().map(|v| v.parse::<f64>().ok());
    Some((f.next()??, f.next()??))
}

/// Times `ask` for every query, `repeat` times, after one untimed pass.
fn time_queries(engine: &AnswerEngine, queries: &[Query], repeat: usize) -> Latency {
    let mut hits = 0usize;
    let mut in_scope = 0usize;
    for q in queries {
        let outcome = engine.ask(&q.text);
        if !q.relevant.is_empty() {
            in_scope += 1;
            let top = outcome.candidates.first().map(|c| c.id.as_str());
            if top.is_some_and(|id| q.relevant.get(id).copied().unwrap_or(0) >= 1) {
                hits += 1;
            }
        }
    }
    let mut micros = Vec::with_capacity(queries.len() * repeat);
    let mut per_query = vec![Vec::with_capacity(repeat); queries.len()];
    let sched_before = schedstat();
    let loop_start = Instant::now();
    for _ in 0..repeat {
        for (i, q) in queries.iter().enumerate() {
            let start = Instant::now();
            let outcome = engine.ask(&q.text);
            let us = start.elapsed().as_secs_f64() * 1e6;
            micros.push(us);
            per_query[i].push(us);
            std::hint::black_box(outcome);
        }
    }
    let loop_ns = loop_start.elapsed().as_secs_f64() * 1e9;
    let runqueue_wait_share = match (sched_before, schedstat()) {
        (Some((_, w0)), Some((_, w1))) => Some((w1 - w0) / loop_ns),
        _ => None,
    };
    let mut medians: Vec<f64> = per_query
        .iter_mut()
        .map(|v| {
            v.sort_by(f64::total_cmp);
            percentile(v, 50.0)
        })
        .collect();
    medians.sort_by(f64::total_cmp);
    micros.sort_by(f64::total_cmp);
    Latency {
        samples: micros.len(),
        p50_us: percentile(&micros, 50.0),
        p99_us: percentile(&micros, 99.0),
        max_us: *micros.last().unwrap_or(&f64::NAN),
        mean_us: micros.iter().sum::<f64>() / micros.len().max(1) as f64,
        median_of_query_p50_us: percentile(&medians, 50.0),
        median_of_query_p99_us: percentile(&medians, 99.0),
        runqueue_wait_share,
        sr_at_1: (in_scope > 0).then(|| hits as f64 / in_scope as f64),
    }
}

fn main() {
    let args = parse_args();
    let mut sets: Vec<(String, Vec<FaqEntry>, Vec<Query>)> = Vec::new();
    let kb_entries =
        files::load_dir(&repo().join("knowledge-base")).unwrap_or_else(|e| die(&e.to_string()));
    let kb_queries = load_queries(&repo().join("eval/calibration")).unwrap_or_else(|e| die(&e));
    sets.push(("bundled-kb".into(), kb_entries, kb_queries));
    for &n in &args.sizes {
        let (faq, q) = synthetic(&args.data, n, args.queries);
        let entries = files::load_jsonl(&faq).unwrap_or_else(|e| die(&e.to_string()));
        let queries = load_queries(&q).unwrap_or_else(|e| die(&e));
        sets.push((format!("synthetic-{n}"), entries, queries));
    }

    println!(
        "madoguchi engine bench: ask() = small talk + analyse + rank + decide; repeat {}, nearest-rank percentiles",
        args.repeat
    );
    println!(
        "(qmed_p99_us: p99 over queries of each query's median of the repeats; wait%: share of the timed loop spent waiting for a CPU)"
    );
    println!(
        "{:<18} {:>7} {:>7} {:>8} {:>9} {:>9} {:>9} {:>9} {:>12} {:>6} {:>7}",
        "set",
        "entries",
        "queries",
        "samples",
        "build_s",
        "p50_us",
        "p99_us",
        "max_us",
        "qmed_p99_us",
        "wait%",
        "sr@1"
    );
    let mut results = Vec::new();
    let mut reload = Value::Null;
    for (name, entries, queries) in &sets {
        let (engine, build_s) = build(entries);
        let lat = time_queries(&engine, queries, args.repeat);
        println!(
            "{:<18} {:>7} {:>7} {:>8} {:>9.3} {:>9.1} {:>9.1} {:>9.1} {:>12.1} {:>6} {:>7}",
            name,
            entries.len(),
            queries.len(),
            lat.samples,
            build_s,
            lat.p50_us,
            lat.p99_us,
            lat.max_us,
            lat.median_of_query_p99_us,
            lat.runqueue_wait_share
                .map_or("-".into(), |w| format!("{:.1}", w * 100.0)),
            lat.sr_at_1.map_or("-".into(), |s| format!("{s:.3}"))
        );
        results.push(json!({
            "set": name, "faq": entries.len(), "queries": queries.len(), "samples": lat.samples,
            "build_s": round(build_s, 3), "p50_us": round(lat.p50_us, 1), "p99_us": round(lat.p99_us, 1),
            "max_us": round(lat.max_us, 1), "mean_us": round(lat.mean_us, 1),
            "query_median_p50_us": round(lat.median_of_query_p50_us, 1),
            "query_median_p99_us": round(lat.median_of_query_p99_us, 1),
            "runqueue_wait_share": lat.runqueue_wait_share.map(|w| round(w, 4)),
            "sr_at_1": lat.sr_at_1.map(|s| round(s, 4)),
        }));
        if entries.len() == args.reload_size && reload.is_null() {
            let mut secs: Vec<f64> = (0..args.reloads)
                .map(|_| {
                    let start = Instant::now();
                    engine
                        .reload(entries)
                        .unwrap_or_else(|e| die(&format!("reload: {e}")));
                    start.elapsed().as_secs_f64()
                })
                .collect();
            let runs: Vec<f64> = secs.iter().map(|s| round(*s, 4)).collect();
            secs.sort_by(f64::total_cmp);
            let median = secs[secs.len() / 2];
            println!(
                "reload ({} entries) x{}: median {:.3} s, min {:.3} s, max {:.3} s, runs {:?}",
                entries.len(),
                secs.len(),
                median,
                secs[0],
                secs[secs.len() - 1],
                runs
            );
            reload = json!({"faq": entries.len(), "runs": runs, "median_s": round(median, 4),
                "max_s": round(secs[secs.len() - 1], 4)});
        }
    }
    println!(
        "{}",
        json!({"bench": "engine", "repeat": args.repeat, "sets": results, "reload": reload})
    );
}

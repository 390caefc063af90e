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
//! With `--semantic MODEL` (the sentence encoder's folder, `models/use-multilingual-v3`)
//! every set is also measured with the hybrid engine (lexical + the encoder, built with
//! `AnswerEngine::hybrid` from the entries' vectors as the server builds it from its stored
//! ones), beside the lexical-only figures of the same run, and:
//!
//! - the entries' vectors of each set are encoded once and kept in DIR
//!   (`<set>.vectors.bin`, keyed by the model id and every text: a changed set or model is
//!   encoded again), as the server keeps them in `faq_vectors`;
//! - the vectors of the `--encode-size` set (1,000) are encoded from scratch once, timed,
//!   with progress on stderr (the memo of the encoder is empty then: it runs first);
//! - the parts of a hybrid answer are timed alone: encoding the question, and the dense
//!   scan over the set's vectors with the choice of the 20 nearest entries;
//! - the rebuild of the `--reload-size` index with its vectors (`reload_with`), and the
//!   same after reading the vectors back from their file (the index rebuilt from stored
//!   vectors).
//!
//! Run: `cargo bench --bench engine -- [--data DIR] [--sizes 1000,10000] [--queries 300]
//!       [--repeat 10] [--reloads 5] [--semantic models/use-multilingual-v3]
//!       [--encode-size 1000]`
//! DIR holds (or receives) `syn-N.jsonl` and `syn-N.queries.jsonl`; files that are missing
//! are written by `python3 benches/peer/make_synthetic.py --n N --queries Q --seed 42`.
//! Prints a table and, as the last line, one JSON object.
//!
//! Percentiles are nearest-rank, as in `benches/peer/bm25_janome.py`. Beside the plain
//! p50/p99 over all samples (the figures the targets are judged on) it prints the p99 over
//! queries of each query's median across the repeats, and the share of the timed loop the
//! thread spent waiting for a CPU, so that a run disturbed by other processes shows it.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use madoguchi::domain::VectorKind;
use madoguchi::engine::{
    entry_texts, text_hash, AdapterSource, AnswerEngine, DenseIndex, EngineConfig, EntryVectors,
    Outcome, Semantic,
};
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
    /// The sentence encoder's model: measure the hybrid engine too.
    semantic: Option<PathBuf>,
    encode_size: usize,
}

fn parse_args() -> Args {
    let mut args = Args {
        data: std::env::temp_dir().join("madoguchi-bench-data"),
        sizes: vec![1_000, 10_000],
        queries: 300,
        repeat: 10,
        reloads: 5,
        reload_size: 1_000,
        semantic: None,
        encode_size: 1_000,
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
        "--semantic" => {
            let v = value();
            args.semantic = (v != "off" && !v.is_empty()).then(|| PathBuf::from(v));
        }
        "--encode-size" => args.encode_size = number(&value()) as usize,
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

/// Builds the hybrid engine as the server does, from the entries' stored vectors.
fn build_hybrid(
    entries: &[FaqEntry],
    semantic: &Arc<Semantic>,
    vectors: &EntryVectors,
) -> (AnswerEngine, f64) {
    let kb = repo().join("knowledge-base");
    let analyzer = lexicon::analyzer(&kb).unwrap_or_else(|e| die(&e.to_string()));
    let smalltalk = lexicon::load_smalltalk(&kb).unwrap_or_else(|e| die(&e.to_string()));
    let start = Instant::now();
    let engine = AnswerEngine::hybrid(
        analyzer,
        smalltalk,
        EngineConfig::default(),
        entries,
        Some(semantic.clone()),
        Some(vectors),
        AdapterSource::BuiltIn,
    )
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
fn time_queries(ask: impl Fn(&str) -> Outcome, queries: &[Query], repeat: usize) -> Latency {
    let mut hits = 0usize;
    let mut in_scope = 0usize;
    for q in queries {
        let outcome = ask(&q.text);
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
            let outcome = ask(&q.text);
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

// ---------------------------------------------------------------------------------------
// Entry vectors (with `--semantic`)

/// Every text of `entries` that gets a vector, in order: (entry id, kind, text).
fn texts_of(entries: &[FaqEntry]) -> Vec<(String, VectorKind, String)> {
    entries
        .iter()
        .flat_map(|e| {
            entry_texts(e)
                .into_iter()
                .map(|(kind, _, text)| (e.id.clone(), kind, text))
        })
        .collect()
}

/// Names the model and every text (with its entry and kind): a cache file of another key
/// is stale.
fn cache_key(semantic: &Semantic, texts: &[(String, VectorKind, String)]) -> String {
    let mut all = String::from(semantic.model_id());
    for (id, kind, text) in texts {
        all.push_str(&format!("\u{0}{id}\u{0}{}\u{0}{text}", kind.as_str()));
    }
    text_hash(&all)
}

fn collect(
    dim: usize,
    texts: &[(String, VectorKind, String)],
    vectors: Vec<Arc<[f32]>>,
) -> EntryVectors {
    let mut by_entry: HashMap<String, Vec<_>> = HashMap::new();
    for ((id, kind, _), v) in texts.iter().zip(vectors) {
        by_entry.entry(id.clone()).or_default().push((*kind, v));
    }
    EntryVectors { dim, by_entry }
}

const CACHE_MAGIC: &[u8] = b"MADOGUCHI-BENCH-VECTORS-1\n";

/// The vectors stored in `path` for `key`, if it holds `count` vectors of `dim` for it.
fn read_cache(path: &Path, key: &str, count: usize, dim: usize) -> Option<Vec<Arc<[f32]>>> {
    let bytes = std::fs::read(path).ok()?;
    let rest = bytes.strip_prefix(CACHE_MAGIC)?;
    let (stored_key, data) = rest.split_at_checked(key.len() + 1)?;
    if &stored_key[..key.len()] != key.as_bytes() || data.len() != count * dim * 4 {
        return None;
    }
    Some(
        data.chunks_exact(dim * 4)
            .map(|row| {
                row.chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect()
            })
            .collect(),
    )
}

fn write_cache(path: &Path, key: &str, vectors: &[Arc<[f32]>]) {
    let mut bytes = CACHE_MAGIC.to_vec();
    bytes.extend_from_slice(key.as_bytes());
    bytes.push(b'\n');
    for v in vectors {
        bytes.extend(v.iter().flat_map(|x| x.to_le_bytes()));
    }
    let tmp = path.with_extension("tmp");
    if let Err(e) = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path)) {
        eprintln!(
            "engine bench: cannot keep the vectors in {}: {e}",
            path.display()
        );
    }
}

/// Encodes `texts` with progress on stderr (every `every` texts); returns the vectors and
/// the seconds it took.
fn encode(
    semantic: &Semantic,
    label: &str,
    texts: &[(String, VectorKind, String)],
    every: usize,
) -> (Vec<Arc<[f32]>>, f64) {
    let plain: Vec<String> = texts.iter().map(|t| t.2.clone()).collect();
    let start = Instant::now();
    let vectors = semantic.encode_all(&plain, |done, total| {
        if done % every == 0 || done == total {
            let s = start.elapsed().as_secs_f64();
            eprintln!(
                "engine bench: {label}: encoded {done}/{total} texts, {s:.1} s, {:.1} texts/s",
                done as f64 / s.max(1e-9)
            );
        }
    });
    (vectors, start.elapsed().as_secs_f64())
}

/// The vectors of `entries`, from `DIR/<name>.vectors.bin` or encoded once and kept there.
fn entry_vectors(
    semantic: &Semantic,
    dir: &Path,
    name: &str,
    entries: &[FaqEntry],
) -> EntryVectors {
    let texts = texts_of(entries);
    let key = cache_key(semantic, &texts);
    let path = dir.join(format!("{name}.vectors.bin"));
    let vectors = match read_cache(&path, &key, texts.len(), semantic.dim()) {
        Some(v) => v,
        None => {
            let (v, secs) = encode(semantic, name, &texts, 2_000);
            eprintln!(
                "engine bench: {name}: {} texts encoded in {secs:.1} s, kept in {}",
                texts.len(),
                path.display()
            );
            std::fs::create_dir_all(dir).ok();
            write_cache(&path, &key, &v);
            v
        }
    };
    collect(semantic.dim(), &texts, vectors)
}

/// p50 and p99 (nearest rank, microseconds) of `f` over `texts`, `repeat` times, after one
/// untimed pass.
fn time_each(texts: &[&str], repeat: usize, mut f: impl FnMut(&str)) -> (f64, f64) {
    texts.iter().for_each(|t| f(t));
    let mut micros = Vec::with_capacity(texts.len() * repeat);
    for _ in 0..repeat {
        for t in texts {
            let start = Instant::now();
            f(t);
            micros.push(start.elapsed().as_secs_f64() * 1e6);
        }
    }
    micros.sort_by(f64::total_cmp);
    (percentile(&micros, 50.0), percentile(&micros, 99.0))
}

/// Median, min and max of `runs` timings of `f` in seconds.
fn time_runs(runs: usize, mut f: impl FnMut()) -> Value {
    let mut secs: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .collect();
    let all: Vec<f64> = secs.iter().map(|s| round(*s, 4)).collect();
    secs.sort_by(f64::total_cmp);
    json!({"runs": all, "median_s": round(secs[secs.len() / 2], 4),
        "min_s": round(secs[0], 4), "max_s": round(secs[secs.len() - 1], 4)})
}

fn latency_json(name: &str, entries: usize, queries: usize, build_s: f64, lat: &Latency) -> Value {
    json!({
        "set": name, "faq": entries, "queries": queries, "samples": lat.samples,
        "build_s": round(build_s, 3), "p50_us": round(lat.p50_us, 1), "p99_us": round(lat.p99_us, 1),
        "max_us": round(lat.max_us, 1), "mean_us": round(lat.mean_us, 1),
        "query_median_p50_us": round(lat.median_of_query_p50_us, 1),
        "query_median_p99_us": round(lat.median_of_query_p99_us, 1),
        "runqueue_wait_share": lat.runqueue_wait_share.map(|w| round(w, 4)),
        "sr_at_1": lat.sr_at_1.map(|s| round(s, 4)),
    })
}

fn print_row(name: &str, entries: usize, queries: usize, build_s: f64, lat: &Latency) {
    println!(
        "{:<18} {:>7} {:>7} {:>8} {:>9.3} {:>9.1} {:>9.1} {:>9.1} {:>12.1} {:>6} {:>7}",
        name,
        entries,
        queries,
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

    // Load the encoder, then encode the `--encode-size` set from scratch first (nothing
    // in the encoder's memo yet), then read or encode every set's vectors.
    let semantic = args.semantic.as_ref().map(|path| {
        let start = Instant::now();
        let semantic = Semantic::load(path)
            .unwrap_or_else(|e| die(&format!("--semantic {}: {e}", path.display())));
        (semantic, start.elapsed().as_secs_f64())
    });
    let mut encode_report = Value::Null;
    if let Some((semantic, _)) = &semantic {
        if let Some((name, entries, _)) = sets.iter().find(|s| s.1.len() == args.encode_size) {
            let texts = texts_of(entries);
            let (vectors, secs) = encode(semantic, &format!("{name} from scratch"), &texts, 500);
            std::hint::black_box(vectors);
            encode_report = json!({"set": name, "faq": entries.len(), "texts": texts.len(),
                "seconds": round(secs, 2), "texts_per_s": round(texts.len() as f64 / secs, 1)});
        }
    }
    let vectors: Vec<Option<EntryVectors>> = sets
        .iter()
        .map(|(name, entries, _)| {
            semantic
                .as_ref()
                .map(|(s, _)| entry_vectors(s, &args.data, name, entries))
        })
        .collect();

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
    let mut hybrid_results = Vec::new();
    let mut reload = Value::Null;
    let mut hybrid_reload = Value::Null;
    for ((name, entries, queries), vectors) in sets.iter().zip(&vectors) {
        let (engine, build_s) = build(entries);
        let lat = time_queries(|t| engine.ask(t), queries, args.repeat);
        print_row(name, entries.len(), queries.len(), build_s, &lat);
        results.push(latency_json(
            name,
            entries.len(),
            queries.len(),
            build_s,
            &lat,
        ));
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
        drop(engine);

        let (Some((semantic, _)), Some(vectors)) = (&semantic, vectors) else {
            continue;
        };
        let hybrid_name = format!("{name}+enc");
        let (engine, build_s) = build_hybrid(entries, semantic, vectors);
        let lat = time_queries(|t| engine.ask(t), queries, args.repeat);
        print_row(&hybrid_name, entries.len(), queries.len(), build_s, &lat);
        // The parts of a hybrid answer, alone.
        let texts: Vec<&str> = queries.iter().map(|q| q.text.as_str()).collect();
        let (enc_p50, enc_p99) = time_each(&texts, args.repeat, |t| {
            std::hint::black_box(semantic.encode_query(t));
        });
        let dense = DenseIndex::build(entries, vectors);
        let query_vectors: Vec<Vec<f32>> = texts.iter().map(|t| semantic.encode_query(t)).collect();
        let mut next = 0;
        let fusion = EngineConfig::default().fusion;
        let (scan_p50, scan_p99) = time_each(&texts, args.repeat, |_| {
            let scores = dense.scores(&query_vectors[next % query_vectors.len()]);
            let nearest = scores.nearest(20, &[], |q, p| fusion.dense_part(q, p));
            std::hint::black_box(nearest);
            next += 1;
        });
        println!(
            "{:<18} vectors {} ({:.1} MB of f32); parts alone: encode the question p50 {:.1} us p99 {:.1} us, dense (scan + the 20 nearest) p50 {:.1} us p99 {:.1} us",
            hybrid_name,
            dense.len(),
            (dense.len() * dense.dim() * 4) as f64 / 1e6,
            enc_p50,
            enc_p99,
            scan_p50,
            scan_p99
        );
        let mut row = latency_json(&hybrid_name, entries.len(), queries.len(), build_s, &lat);
        row["vectors"] = json!(dense.len());
        row["encode_query_us"] = json!({"p50": round(enc_p50, 1), "p99": round(enc_p99, 1)});
        row["dense_scan_us"] = json!({"p50": round(scan_p50, 1), "p99": round(scan_p99, 1)});
        hybrid_results.push(row);
        if entries.len() == args.reload_size && hybrid_reload.is_null() {
            let with_vectors = time_runs(args.reloads, || {
                engine
                    .reload_with(None, entries, Some(vectors))
                    .unwrap_or_else(|e| die(&format!("reload: {e}")));
            });
            // From the stored vectors: read them back from their file, then rebuild.
            let texts = texts_of(entries);
            let key = cache_key(semantic, &texts);
            let path = args.data.join(format!("{name}.vectors.bin"));
            let from_stored = time_runs(args.reloads, || {
                let stored = read_cache(&path, &key, texts.len(), semantic.dim())
                    .unwrap_or_else(|| die(&format!("{}: not readable", path.display())));
                let stored = collect(semantic.dim(), &texts, stored);
                engine
                    .reload_with(None, entries, Some(&stored))
                    .unwrap_or_else(|e| die(&format!("reload: {e}")));
            });
            println!(
                "reload with vectors ({} entries, {} vectors) x{}: median {} s (runs {}); read from the stored file + rebuild: median {} s (runs {})",
                entries.len(),
                texts.len(),
                args.reloads,
                with_vectors["median_s"],
                with_vectors["runs"],
                from_stored["median_s"],
                from_stored["runs"]
            );
            hybrid_reload = json!({"faq": entries.len(), "vectors": texts.len(),
                "with_vectors": with_vectors, "from_stored_file": from_stored});
        }
    }
    if let Some((_, load_s)) = &semantic {
        println!("model load {load_s:.2} s");
    }
    if !encode_report.is_null() {
        println!(
            "encode from scratch ({} entries, {} texts): {} s, {} texts/s",
            encode_report["faq"],
            encode_report["texts"],
            encode_report["seconds"],
            encode_report["texts_per_s"]
        );
    }
    let mut report =
        json!({"bench": "engine", "repeat": args.repeat, "sets": results, "reload": reload});
    if let Some((semantic, load_s)) = &semantic {
        report["semantic"] = json!({"model_id": semantic.model_id(), "load_s": round(*load_s, 3),
            "sets": hybrid_results, "reload": hybrid_reload, "encode_from_scratch": encode_report});
    }
    println!("{report}");
}

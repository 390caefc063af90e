//! `madoguchi eval`: scores the engine on judged queries, through exactly the code path
//! that answers live questions ([`AnswerEngine::ask`]).

pub mod metrics;

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Deserialize;

use crate::engine::{AnswerEngine, Decision, Outcome, Thresholds};
use crate::kb::files::json_id;
pub use metrics::{Judged, Metrics};

/// One judged query, as in QUERIES.jsonl.
#[derive(Debug, Clone, Deserialize)]
pub struct Query {
    #[serde(deserialize_with = "id_text")]
    pub id: String,
    pub text: String,
    #[serde(default)]
    pub relevant: BTreeMap<String, u8>,
    /// Optional label (typo, oos, ...) for a per-kind breakdown.
    #[serde(default)]
    pub kind: Option<String>,
}

fn id_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    json_id(&value).ok_or_else(|| serde::de::Error::custom("id must be a string or a number"))
}

/// Reads queries from a JSON-lines file, or from every `*.jsonl` file in a folder.
pub fn load_queries(path: &Path) -> Result<Vec<Query>, String> {
    let mut files: Vec<PathBuf> = if path.is_dir() {
        let read = fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))?;
        read.filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .collect()
    } else {
        vec![path.to_path_buf()]
    };
    files.sort();
    let mut queries = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim().trim_start_matches('\u{feff}');
            if line.is_empty() {
                continue;
            }
            let q: Query = serde_json::from_str(line)
                .map_err(|e| format!("{} line {}: {e}", file.display(), n + 1))?;
            queries.push(q);
        }
    }
    Ok(queries)
}

/// What one query got.
pub struct Run {
    pub query: Query,
    pub outcome: Outcome,
    pub micros: f64,
}

/// Asks every query once (after one warm-up pass) and times each.
pub fn run(engine: &AnswerEngine, queries: &[Query]) -> Vec<Run> {
    for q in queries.iter().take(50) {
        engine.ask(&q.text);
    }
    queries
        .iter()
        .map(|q| {
            let start = Instant::now();
            let outcome = engine.ask(&q.text);
            let micros = start.elapsed().as_secs_f64() * 1e6;
            Run {
                query: q.clone(),
                outcome,
                micros,
            }
        })
        .collect()
}

fn judged(run: &Run, decision_of: impl Fn(&Outcome) -> Decision) -> Judged {
    Judged {
        relevant: run
            .query
            .relevant
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect(),
        ranking: run
            .outcome
            .candidates
            .iter()
            .map(|c| c.id.clone())
            .collect(),
        answered: decision_of(&run.outcome) == Decision::Answer,
    }
}

/// The report: metrics, latency and a per-kind breakdown.
pub fn report(runs: &[Run]) -> serde_json::Value {
    let all: Vec<Judged> = runs.iter().map(|r| judged(r, |o| o.decision)).collect();
    let metrics = metrics::compute(&all);
    let mut micros: Vec<f64> = runs.iter().map(|r| r.micros).collect();
    micros.sort_by(f64::total_cmp);
    let mut by_kind: BTreeMap<String, Vec<Judged>> = BTreeMap::new();
    for (run, j) in runs.iter().zip(&all) {
        if let Some(kind) = &run.query.kind {
            by_kind.entry(kind.clone()).or_default().push(j.clone());
        }
    }
    let kinds: BTreeMap<String, serde_json::Value> = by_kind
        .into_iter()
        .map(|(k, js)| {
            let m = metrics::compute(&js);
            (k, serde_json::json!({"queries": m.queries, "sr_at_1": round(m.sr_at_1), "sr_at_5": round(m.sr_at_5),
                "auto_answer_rate": round(m.auto_answer_rate), "auto_answer_precision": round(m.auto_answer_precision)}))
        })
        .collect();
    let mut value = serde_json::to_value(&metrics).expect("metrics serialise");
    let object = value.as_object_mut().expect("metrics are an object");
    for (_, v) in object.iter_mut() {
        if let Some(f) = v.as_f64() {
            if v.is_f64() {
                *v = serde_json::json!(round(f));
            }
        }
    }
    object.insert(
        "p50_us".into(),
        serde_json::json!(percentile(&micros, 0.50).round()),
    );
    object.insert(
        "p99_us".into(),
        serde_json::json!(percentile(&micros, 0.99).round()),
    );
    if !kinds.is_empty() {
        object.insert("by_kind".into(), serde_json::json!(kinds));
    }
    value
}

/// Writes a TREC-style run file: `qid Q0 faq rank score madoguchi`.
pub fn write_run(runs: &[Run], path: &Path) -> std::io::Result<()> {
    let mut out = String::new();
    for run in runs {
        for (rank, c) in run.outcome.candidates.iter().enumerate() {
            out.push_str(&format!(
                "{}\tQ0\t{}\t{}\t{:.4}\tmadoguchi\n",
                run.query.id,
                c.id,
                rank + 1,
                c.score
            ));
        }
    }
    fs::write(path, out)
}

/// Writes each query's candidates with their signals as JSON lines, for fitting the
/// fusion weights and the decision (on the calibration set only).
pub fn write_signals(runs: &[Run], path: &Path) -> std::io::Result<()> {
    let mut out = String::new();
    for run in runs {
        let line = serde_json::json!({
            "id": run.query.id,
            "text_chars": run.query.text.chars().count(),
            "kind": run.query.kind,
            "relevant": run.query.relevant,
            "intent": run.outcome.intent,
            "candidates": run.outcome.candidates.iter().map(|c| serde_json::json!({
                "id": c.id, "score": c.score, "lexical": c.lexical,
                "dense": c.dense, "passage": c.passage, "coverage": c.coverage,
            })).collect::<Vec<_>>(),
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    fs::write(path, out)
}

/// Finds the thresholds that answer the most questions while keeping the precision of
/// answers at or above `target`, on these runs.
pub fn calibrate(runs: &[Run], target: f64) -> Thresholds {
    let scored: Vec<(f32, f32, bool, bool)> = runs
        .iter()
        .map(|r| {
            let top = r.outcome.candidates.first().map_or(0.0, |c| c.score);
            let second = r.outcome.candidates.get(1).map_or(0.0, |c| c.score);
            let j = judged(r, |_| Decision::Answer);
            (top, top - second, j.answer_right(), !j.relevant.is_empty())
        })
        .collect();
    let mut best = (0usize, Thresholds::default());
    for a in (20..=95).map(|x| x as f32 / 100.0) {
        for m in (0..=30).map(|x| x as f32 / 100.0) {
            let answered: Vec<_> = scored.iter().filter(|s| s.0 >= a && s.1 >= m).collect();
            let right = answered.iter().filter(|s| s.2).count();
            let precision = if answered.is_empty() {
                1.0
            } else {
                right as f64 / answered.len() as f64
            };
            if precision >= target && answered.len() > best.0 {
                best = (
                    answered.len(),
                    Thresholds {
                        answer: a,
                        margin: m,
                        suggest: 0.0,
                    },
                );
            }
        }
    }
    // Suggest when the right entry is usually among the top three: the score above which
    // nine in ten in-scope queries with a top-3 hit lie.
    let mut hit_scores: Vec<f32> = runs
        .iter()
        .filter(|r| {
            let j = judged(r, |_| Decision::Answer);
            !j.relevant.is_empty()
                && j.ranking
                    .iter()
                    .take(3)
                    .any(|id| j.relevant.get(id).is_some_and(|&g| g > 0))
        })
        .map(|r| r.outcome.candidates.first().map_or(0.0, |c| c.score))
        .collect();
    hit_scores.sort_by(f32::total_cmp);
    let suggest = hit_scores
        .get(hit_scores.len() / 10)
        .copied()
        .unwrap_or(0.25);
    Thresholds {
        suggest: suggest.min(best.1.answer),
        ..best.1
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Queries that were not answered right, for a human to read.
pub fn misses(runs: &[Run]) -> Vec<String> {
    let mut lines = Vec::new();
    for r in runs {
        let j = judged(r, |o| o.decision);
        let top = r.outcome.candidates.first();
        let wrong_answer = j.answered && !j.answer_right();
        let missed = !j.relevant.is_empty() && !j.answer_right();
        if wrong_answer || missed {
            let want: HashMap<_, _> = r.query.relevant.iter().collect();
            lines.push(format!(
                "{}\t{}\t{}\tgot={} ({:.3})\twant={:?}",
                r.query.id,
                r.outcome.decision.as_str(),
                r.query.text,
                top.map_or("-", |c| c.id.as_str()),
                top.map_or(0.0, |c| c.score),
                want
            ));
        }
    }
    lines
}

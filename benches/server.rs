//! Benchmarks of the real server process (targets 2, 4 and 5 of BENCHMARKS.md):
//!
//! 1. startup: time from spawning `madoguchi serve` to the first `200` from `/healthz`,
//!    with a fresh data folder (creates, migrates and seeds the SQLite database from the
//!    bundled knowledge base) and then with that existing database;
//! 2. load: an open-loop load generator (below) sends `POST /api/v1/ask` at a fixed rate
//!    over keep-alive connections and records every latency;
//! 3. memory: `VmRSS` / `VmHWM` of the server from `/proc/<pid>/status` after the load;
//! 4. capacity (informational): `--capacity` seconds of closed-loop load over 8
//!    connections, to see how far the fixed rate is from what the server can answer here.
//!
//! Run: `cargo bench --bench server -- [--bin target/release/madoguchi] [--rate 1000]
//!       [--duration 20] [--warmup 2] [--connections 32] [--fresh-runs 3]
//!       [--startup-runs 5] [--capacity 5] [--pidfile FILE] [--samples FILE.csv]
//!       [--semantic models/use-multilingual-v3 [--semantic-rate 100] [--edits 5]
//!        [--kb FILE.jsonl]]`
//!
//! The steps above run lexical only (`MADOGUCHI_SEMANTIC_MODEL=off`). With `--semantic
//! MODEL` (the sentence encoder), the same run then measures the hybrid server beside them:
//!
//! 5. startup with the encoder: fresh (seed, and every text of the bundled knowledge base
//!    encoded and stored) and with the existing database (vectors read back, nothing
//!    encoded);
//! 6. the open-loop load at `--semantic-rate` req/s, memory after it, and the closed-loop
//!    capacity;
//! 7. an edited entry answerable: an operator account is made (`madoguchi user add`), signs
//!    in to the console, and saves an entry (`POST /operator/faqs/{id}`) with one more
//!    alternative question and a line added to its answer; then `POST /api/v1/ask` with
//!    that question every 10 ms until the top candidate is the entry matched on the new
//!    question (with its vector: cosine >= 0.99); `--edits` times, median;
//! 8. with `--kb FILE.jsonl` (the synthetic 1,000-entry set): a knowledge base of those
//!    entries (written as knowledge-base files), first start (seed, every vector encoded
//!    from scratch, progress in the server's log, which is checked) and restarts with the
//!    stored vectors (the index rebuilt from them), lexical only and with the encoder.
//!
//! `--samples` writes every measured request of the fixed-rate load as CSV
//! (scheduled_ms from the start, latency_ms, service_ms, status), to look at when slow
//! answers happen.
//!
//! The server listens on 127.0.0.1 only (a free port), with `MADOGUCHI_DATA_DIR` in a
//! temporary folder and `MADOGUCHI_KB_DIR` = the repository's knowledge base; it is run in
//! that temporary folder so that no `madoguchi.toml` is picked up. Every server is stopped
//! (SIGTERM, then SIGKILL after 5 s) before the next step, and on panic by a guard; with
//! `--pidfile` each server's pid is appended to FILE so that `benches/run.sh` can make sure.
//!
//! # The load generator
//!
//! wrk (the one load generator Debian has) is closed-loop: it cannot hold a fixed rate, and
//! its latencies leave out the time a request would have waited (coordinated omission).
//! This one is open-loop, like wrk2: a pacer thread schedules request *i* at
//! `start + i / rate` and hands it to whichever of `--connections` keep-alive HTTP/1.1
//! connections is free; if none is, the request waits, and that wait counts. Latency is
//! measured from the scheduled time to the last byte of the response (`latency`), and also
//! from the moment the request was written (`service`). Bodies cycle, in a fixed shuffled
//! order, through the `text` of every query in `eval/calibration/*.jsonl`. The first
//! `--warmup` seconds are sent at the same rate and not recorded. A request that fails, is
//! not answered `200`, or takes more than 5 s counts as an error. The generator runs on
//! the same 2-core machine as the server (one tokio worker thread + the pacer thread).

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use common::{
    connect, die, exchange, for_each_arg, healthz_ok, measure_contention, median, number,
    open_loop, repo, round, summary_ms, work_dir, Contention, OpenLoop, Sample, Server,
};

struct Args {
    bin: PathBuf,
    rate: u64,
    duration: u64,
    warmup: u64,
    connections: usize,
    fresh_runs: usize,
    startup_runs: usize,
    pidfile: Option<PathBuf>,
    capacity_secs: u64,
    samples: Option<PathBuf>,
    semantic: Option<PathBuf>,
    semantic_rate: u64,
    edits: usize,
    kb: Option<PathBuf>,
}

fn parse_args() -> Args {
    let mut args = Args {
        bin: PathBuf::from(env!("CARGO_BIN_EXE_madoguchi")),
        rate: 1_000,
        duration: 20,
        warmup: 2,
        connections: 32,
        fresh_runs: 3,
        startup_runs: 5,
        pidfile: None,
        capacity_secs: 5,
        samples: None,
        semantic: None,
        semantic_rate: 100,
        edits: 5,
        kb: None,
    };
    for_each_arg(|a, value| match a {
        "--bin" => args.bin = PathBuf::from(value()),
        "--rate" => args.rate = number(&value()).clamp(1, 100_000),
        "--duration" => args.duration = number(&value()).clamp(1, 600),
        "--warmup" => args.warmup = number(&value()).min(60),
        "--connections" => args.connections = number(&value()).clamp(1, 1_000) as usize,
        "--fresh-runs" => args.fresh_runs = number(&value()).clamp(1, 50) as usize,
        "--startup-runs" => args.startup_runs = number(&value()).clamp(1, 50) as usize,
        "--pidfile" => args.pidfile = Some(PathBuf::from(value())),
        "--capacity" => args.capacity_secs = number(&value()).min(60),
        "--samples" => args.samples = Some(PathBuf::from(value())),
        "--semantic" => {
            let v = value();
            args.semantic = (v != "off" && !v.is_empty()).then(|| {
                let p = PathBuf::from(v);
                // The server runs in a temporary folder: make the path absolute.
                std::fs::canonicalize(&p)
                    .unwrap_or_else(|e| die(&format!("--semantic {}: {e}", p.display())))
            });
        }
        "--semantic-rate" => args.semantic_rate = number(&value()).clamp(1, 100_000),
        "--edits" => args.edits = number(&value()).clamp(1, 50) as usize,
        "--kb" => args.kb = Some(PathBuf::from(value())),
        // `cargo bench` passes --bench; anything else is ignored as well.
        _ => {}
    });
    args
}

// ---------------------------------------------------------------------------------------
// The server process

/// Spawns `madoguchi serve` (see [`Server::spawn`]), lexical only; wait for it with
/// `wait_ready`.
fn spawn(args: &Args, work: &Path, data_dir: &Path, tag: &str) -> Server {
    spawn_with(args, work, data_dir, tag, &Engine::lexical())
}

/// Which engine a server runs with: the encoder's model (None: lexical only) and the
/// knowledge base it seeds from (None: the repository's).
struct Engine<'a> {
    model: Option<&'a Path>,
    kb: Option<&'a Path>,
}

impl Engine<'_> {
    fn lexical() -> Self {
        Engine {
            model: None,
            kb: None,
        }
    }
}

fn spawn_with(args: &Args, work: &Path, data_dir: &Path, tag: &str, engine: &Engine) -> Server {
    let (bin, pidfile) = (&args.bin, args.pidfile.as_deref());
    Server::spawn(bin, pidfile, work, data_dir, tag, |cmd| {
        cmd.arg("serve").env("RUST_LOG", "info");
        match engine.model {
            Some(model) => cmd.env("MADOGUCHI_SEMANTIC_MODEL", model),
            None => cmd.env("MADOGUCHI_SEMANTIC_MODEL", "off"),
        };
        if let Some(kb) = engine.kb {
            cmd.env("MADOGUCHI_KB_DIR", kb);
        }
    })
}

/// Polls `/healthz` every 2 ms until it answers 200; returns the time since spawn.
fn wait_ready(server: &mut Server) -> Duration {
    server.wait_ready(Duration::from_millis(2), false)
}

/// `VmRSS` and `VmHWM` in kB.
fn memory_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

// ---------------------------------------------------------------------------------------
// The open-loop load generator (in benches/common)

/// The request bodies: the `text` of every judged query, in a fixed shuffled order.
fn request_bytes(addr: SocketAddr) -> Vec<Vec<u8>> {
    let queries =
        madoguchi::eval::load_queries(&repo().join("eval/calibration")).unwrap_or_else(|e| die(&e));
    let mut texts: Vec<String> = queries.into_iter().map(|q| q.text).collect();
    if texts.is_empty() {
        die("no queries in eval/calibration");
    }
    // Fisher-Yates with a fixed xorshift seed: the same order every run.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in (1..texts.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        texts.swap(i, (x % (i as u64 + 1)) as usize);
    }
    texts
        .iter()
        .map(|t| {
            let body = serde_json::to_vec(&json!({"text": t, "channel": "bench"})).unwrap();
            let mut req = format!(
                "POST /api/v1/ask HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .into_bytes();
            req.extend_from_slice(&body);
            req
        })
        .collect()
}

fn load_test(args: &Args, addr: SocketAddr, rate: u64) -> (Value, String) {
    let requests = Arc::new(request_bytes(addr));
    let OpenLoop {
        samples,
        measured,
        pacer_max_late,
    } = open_loop(
        addr,
        requests,
        rate,
        args.warmup,
        args.duration,
        args.connections,
        0,
    );

    if let Some(path) = &args.samples {
        let t0 = samples.iter().map(|s| s.intended).min();
        let mut sorted: Vec<&Sample> = samples.iter().collect();
        sorted.sort_by_key(|s| s.intended);
        let mut csv = String::from("scheduled_ms,latency_ms,service_ms,status\n");
        for s in sorted {
            let at = t0.map_or(0.0, |t| (s.intended - t).as_secs_f64() * 1e3);
            csv.push_str(&format!(
                "{at:.3},{:.3},{:.3},{}\n",
                (s.done - s.intended).as_secs_f64() * 1e3,
                (s.done - s.sent).as_secs_f64() * 1e3,
                s.status
            ));
        }
        if let Err(e) = std::fs::write(path, csv) {
            eprintln!("server bench: {}: {e}", path.display());
        }
    }
    let ok: Vec<&Sample> = samples.iter().filter(|s| s.status == 200).collect();
    let errors = samples.len() - ok.len() + measured.saturating_sub(samples.len());
    let mut statuses = std::collections::BTreeMap::new();
    for s in &samples {
        *statuses.entry(s.status.to_string()).or_insert(0usize) += 1;
    }
    let first = samples.iter().map(|s| s.intended).min();
    let last_done = samples.iter().map(|s| s.done).max();
    let last_sent = samples.iter().map(|s| s.sent).max();
    let first_sent = samples.iter().map(|s| s.sent).min();
    let window = match (first, last_done) {
        (Some(a), Some(b)) => (b - a).as_secs_f64(),
        _ => f64::NAN,
    };
    let send_window = match (first_sent, last_sent) {
        (Some(a), Some(b)) => (b - a).as_secs_f64(),
        _ => f64::NAN,
    };
    let mut latency: Vec<f64> = ok
        .iter()
        .map(|s| (s.done - s.intended).as_secs_f64() * 1e3)
        .collect();
    let mut service: Vec<f64> = ok
        .iter()
        .map(|s| (s.done - s.sent).as_secs_f64() * 1e3)
        .collect();
    let mut queued: Vec<f64> = samples
        .iter()
        .map(|s| (s.sent - s.intended).as_secs_f64() * 1e3)
        .collect();
    let lat = summary_ms(&mut latency);
    let svc = summary_ms(&mut service);
    let queue = summary_ms(&mut queued);
    let achieved = ok.len() as f64 / window;
    let sent_rate = if samples.len() > 1 {
        (samples.len() - 1) as f64 / send_window
    } else {
        f64::NAN
    };
    let text = format!(
        "load: POST /api/v1/ask, target {} req/s for {} s (+{} s warm-up), {} keep-alive connections\n\
         \x20 requests {} ok {} errors {} statuses {:?}\n\
         \x20 sent rate {:.1} req/s, achieved (ok / window) {:.1} req/s\n\
         \x20 latency from scheduled send: p50 {} ms, p90 {} ms, p99 {} ms, p99.9 {} ms, max {} ms\n\
         \x20 service time from write:     p50 {} ms, p99 {} ms, max {} ms\n\
         \x20 dispatch delay (scheduled -> written): p99 {} ms, max {} ms; pacer max lateness {:.3} ms",
        rate,
        args.duration,
        args.warmup,
        args.connections,
        measured,
        ok.len(),
        errors,
        statuses,
        sent_rate,
        achieved,
        lat["p50_ms"],
        lat["p90_ms"],
        lat["p99_ms"],
        lat["p999_ms"],
        lat["max_ms"],
        svc["p50_ms"],
        svc["p99_ms"],
        svc["max_ms"],
        queue["p99_ms"],
        queue["max_ms"],
        pacer_max_late.as_secs_f64() * 1e3,
    );
    let value = json!({
        "target_rate": rate, "duration_s": args.duration, "warmup_s": args.warmup,
        "connections": args.connections, "requests": measured, "ok": ok.len(), "errors": errors,
        "statuses": statuses, "sent_rate": round(sent_rate, 1), "achieved_rate": round(achieved, 1),
        "latency": lat, "service": svc, "connection_wait": queue,
        "pacer_max_late_ms": round(pacer_max_late.as_secs_f64() * 1e3, 3),
    });
    (value, text)
}

/// Closed loop (each connection sends its next request as soon as the last is answered),
/// for `secs` seconds: the most this server answers on this machine, with the generator
/// sharing the cores. Latencies here are not comparable with the open-loop ones.
fn capacity_test(addr: SocketAddr, connections: usize, secs: u64) -> (Value, String) {
    let requests = Arc::new(request_bytes(addr));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(secs);
    let handles: Vec<_> = (0..connections)
        .map(|c| {
            let requests = requests.clone();
            runtime.spawn(async move {
                let (mut ok, mut errors, mut i) = (0usize, 0usize, c * 7919);
                let mut stream = connect(addr).await;
                let mut buf = Vec::with_capacity(32 * 1024);
                while Instant::now() < deadline {
                    let req = &requests[i % requests.len()];
                    let status = exchange(&mut stream, addr, req, &mut buf).await;
                    if status == 200 {
                        ok += 1;
                    } else {
                        errors += 1;
                    }
                    i += 1;
                }
                (ok, errors)
            })
        })
        .collect();
    let (ok, errors) = runtime.block_on(async {
        let mut total = (0, 0);
        for h in handles {
            if let Ok((o, e)) = h.await {
                total.0 += o;
                total.1 += e;
            }
        }
        total
    });
    let wall = started.elapsed().as_secs_f64();
    runtime.shutdown_timeout(Duration::from_secs(1));
    let rate = ok as f64 / wall;
    (
        json!({"connections": connections, "seconds": round(wall, 2), "ok": ok, "errors": errors, "rate": round(rate, 1)}),
        format!("capacity (closed loop, {connections} connections, {wall:.1} s): {rate:.0} answered req/s, {ok} ok, {errors} errors"),
    )
}

/// The open-loop load at `rate` on a ready server, its CPU and memory, then the closed-loop
/// capacity (printed; returned as JSON fields).
fn under_load(args: &Args, server: &Server, rate: u64) -> Value {
    let (rss_idle, _) = memory_kb(server.pid());
    let ((load, text), contention) =
        measure_contention(server.pid(), || load_test(args, server.addr, rate));
    let Contention {
        wall: load_secs,
        server: cpu_used,
        generator: self_used,
        others,
        server_wait,
        loadavg_before: load_avg_before,
    } = contention;
    let (rss_after, hwm) = memory_kb(server.pid());
    let alive = healthz_ok(server.addr);
    println!("{text}");
    println!(
        "server CPU during the load: {:.1} s over {:.1} s ({:.0}% of one core); still healthy: {alive}",
        cpu_used,
        load_secs,
        100.0 * cpu_used / load_secs
    );
    println!(
        "contention during the load: load generator {:.1} s CPU, other processes {:.1} s CPU ({:.0}% of one core), \
         server threads waited {:.2} s for a CPU; load average before: {}",
        self_used,
        others,
        100.0 * others / load_secs,
        server_wait,
        load_avg_before
    );
    println!(
        "memory of the server: VmRSS idle {:.1} MB, after load {:.1} MB, peak (VmHWM) {:.1} MB",
        rss_idle as f64 / 1024.0,
        rss_after as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
    let capacity = if args.capacity_secs > 0 {
        let (v, t) = capacity_test(server.addr, 8, args.capacity_secs);
        println!("{t}");
        v
    } else {
        Value::Null
    };
    let (_, hwm_capacity) = memory_kb(server.pid());
    if args.capacity_secs > 0 {
        println!(
            "memory peak (VmHWM) after the capacity test: {:.1} MB",
            hwm_capacity as f64 / 1024.0
        );
    }
    json!({
        "load": load,
        "server_cpu_s": round(cpu_used, 2), "load_wall_s": round(load_secs, 2), "healthy_after": alive,
        "contention": {"generator_cpu_s": round(self_used, 2), "other_processes_cpu_s": round(others, 2),
            "server_runqueue_wait_s": round(server_wait, 3), "loadavg_before": load_avg_before},
        "rss_mb": {"idle": round(rss_idle as f64 / 1024.0, 1), "after_load": round(rss_after as f64 / 1024.0, 1),
            "peak": round(hwm as f64 / 1024.0, 1), "peak_after_capacity": round(hwm_capacity as f64 / 1024.0, 1)},
        "capacity": capacity,
    })
}

// ---------------------------------------------------------------------------------------

fn main() {
    let args = parse_args();
    let work = work_dir(&args.bin, "madoguchi-bench-");
    println!("madoguchi server bench: {}", args.bin.display());

    // 1. Startup with a fresh data folder: create + migrate + seed, then build the index.
    let mut fresh = Vec::new();
    for i in 0..args.fresh_runs {
        let data = work.path().join(format!("data-{i}"));
        let mut server = spawn(&args, work.path(), &data, &format!("fresh-{i}"));
        fresh.push(wait_ready(&mut server).as_secs_f64());
        server.stop();
    }
    let existing_dir = work.path().join("data-0");
    // 2. Startup with the existing database.
    let mut existing = Vec::new();
    for i in 0..args.startup_runs {
        let mut server = spawn(&args, work.path(), &existing_dir, &format!("start-{i}"));
        existing.push(wait_ready(&mut server).as_secs_f64());
        server.stop();
    }
    let ms = |v: &[f64]| v.iter().map(|s| round(s * 1e3, 1)).collect::<Vec<_>>();
    println!(
        "startup to /healthz 200, fresh database (create+migrate+seed): first {:.1} ms, median {:.1} ms, runs {:?} ms",
        fresh[0] * 1e3,
        median(&fresh) * 1e3,
        ms(&fresh)
    );
    println!(
        "startup to /healthz 200, existing database: median {:.1} ms, max {:.1} ms, runs {:?} ms",
        median(&existing) * 1e3,
        existing.iter().cloned().fold(0.0, f64::max) * 1e3,
        ms(&existing)
    );

    // 3. Load, then memory.
    let mut server = spawn(&args, work.path(), &existing_dir, "load");
    wait_ready(&mut server);
    let loaded = under_load(&args, &server, args.rate);
    server.stop();

    let mut report = json!({
        "bench": "server",
        "startup_fresh_ms": {"first": round(fresh[0] * 1e3, 1), "median": round(median(&fresh) * 1e3, 1), "runs": ms(&fresh)},
        "startup_existing_ms": {"median": round(median(&existing) * 1e3, 1),
            "max": round(existing.iter().cloned().fold(0.0, f64::max) * 1e3, 1), "runs": ms(&existing)},
    });
    if let Value::Object(fields) = loaded {
        report.as_object_mut().unwrap().extend(fields);
    }
    if let Some(model) = &args.semantic {
        report["semantic"] = hybrid(&args, work.path(), model);
    }
    println!("{report}");
}

// ---------------------------------------------------------------------------------------
// With the sentence encoder (`--semantic`)

/// Steps 5-8 of the module's doc; printed as they go, returned as JSON.
fn hybrid(args: &Args, work: &Path, model: &Path) -> Value {
    let ms = |v: &[f64]| v.iter().map(|s| round(s * 1e3, 1)).collect::<Vec<_>>();
    let encoder = Engine {
        model: Some(model),
        kb: None,
    };
    println!("\n--- with the sentence encoder ({})", model.display());
    // 5. Startup: fresh (seed and encode the bundled knowledge base), then existing.
    let data = work.join("hybrid-data");
    let mut server = spawn_with(args, work, &data, "hybrid-fresh", &encoder);
    let fresh = server
        .wait_ready_within(Duration::from_millis(2), true, Duration::from_secs(900))
        .as_secs_f64();
    server.stop();
    let mut existing = Vec::new();
    for i in 0..args.startup_runs {
        let mut server = spawn_with(args, work, &data, &format!("hybrid-start-{i}"), &encoder);
        existing.push(wait_ready(&mut server).as_secs_f64());
        server.stop();
    }
    let retrieval = {
        let mut server = spawn_with(args, work, &data, "hybrid-health", &encoder);
        wait_ready(&mut server);
        let (_, _, body) = http(server.addr, "GET", "/healthz", &[], b"");
        serde_json::from_str::<Value>(&body).unwrap_or(Value::Null)
    };
    println!("healthz with the encoder: {retrieval}");
    println!(
        "startup to /healthz 200 with the encoder: fresh database (seed + encode every text) {:.1} ms; existing database: median {:.1} ms, max {:.1} ms, runs {:?} ms",
        fresh * 1e3,
        median(&existing) * 1e3,
        existing.iter().cloned().fold(0.0, f64::max) * 1e3,
        ms(&existing)
    );

    // 6. Load and memory, 7. edits (an operator account first).
    add_operator(args, work, &data);
    let mut server = spawn_with(args, work, &data, "hybrid-load", &encoder);
    wait_ready(&mut server);
    println!("load with the encoder:");
    let loaded = under_load(args, &server, args.semantic_rate);
    let edits = edit_answerable(&server, args.edits, true);
    server.stop();

    // The same edits on the lexical server, for the figure beside it.
    let mut server = spawn_with(args, work, &data, "lexical-edit", &Engine::lexical());
    wait_ready(&mut server);
    let lexical_edits = edit_answerable(&server, args.edits, false);
    server.stop();

    // 8. A knowledge base of the synthetic entries.
    let kb = args
        .kb
        .as_ref()
        .map(|jsonl| kb_startups(args, work, model, jsonl));

    let mut report = json!({
        "model": model.display().to_string(),
        "healthz": retrieval,
        "startup_fresh_ms": round(fresh * 1e3, 1),
        "startup_existing_ms": {"median": round(median(&existing) * 1e3, 1),
            "max": round(existing.iter().cloned().fold(0.0, f64::max) * 1e3, 1), "runs": ms(&existing)},
        "edit_answerable": edits,
        "edit_answerable_lexical": lexical_edits,
        "kb": kb,
    });
    if let Value::Object(fields) = loaded {
        report.as_object_mut().unwrap().extend(fields);
    }
    report
}

const OPERATOR: &str = "bench-operator";
const OPERATOR_PASSWORD: &str = "bench-password-0123";

/// `madoguchi user add` of an admin account in `data` (the server may be stopped).
fn add_operator(args: &Args, work: &Path, data: &Path) {
    use std::io::Write;
    let mut child = std::process::Command::new(&args.bin)
        .args([
            "user",
            "add",
            OPERATOR,
            "--name",
            "計測用",
            "--role",
            "admin",
        ])
        .current_dir(work)
        .env("MADOGUCHI_DATA_DIR", data)
        .env("MADOGUCHI_KB_DIR", repo().join("knowledge-base"))
        .env("MADOGUCHI_SEMANTIC_MODEL", "off")
        .env_remove("MADOGUCHI_DATABASE_URL")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| die(&format!("user add: {e}")));
    if let Some(mut stdin) = child.stdin.take() {
        let _ = writeln!(stdin, "{OPERATOR_PASSWORD}");
    }
    let status = child
        .wait()
        .unwrap_or_else(|e| die(&format!("user add: {e}")));
    if !status.success() {
        die(&format!("madoguchi user add failed: {status}"));
    }
}

/// One HTTP/1.1 request on a new connection (`Connection: close`): status, head, body.
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, String) {
    use std::io::{Read, Write};
    let mut s =
        std::net::TcpStream::connect(addr).unwrap_or_else(|e| die(&format!("connect: {e}")));
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    s.write_all(&bytes)
        .unwrap_or_else(|e| die(&format!("write: {e}")));
    let mut response = Vec::new();
    let _ = s.read_to_end(&mut response);
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(response.len());
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let mut rest = response.get(split + 4..).unwrap_or_default().to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = Vec::new();
        let mut i = 0;
        while let Some(end) = rest[i..].windows(2).position(|w| w == b"\r\n") {
            let size = usize::from_str_radix(String::from_utf8_lossy(&rest[i..i + end]).trim(), 16)
                .unwrap_or(0);
            if size == 0 {
                break;
            }
            let from = i + end + 2;
            out.extend_from_slice(&rest[from..(from + size).min(rest.len())]);
            i = from + size + 2;
            if i >= rest.len() {
                break;
            }
        }
        rest = out;
    }
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head, String::from_utf8_lossy(&rest).into_owned())
}

/// The `name=value` of every `Set-Cookie` in `head`, joined for a `Cookie` header.
fn cookies(head: &str, into: &mut Vec<String>) {
    for line in head.lines() {
        if line.to_ascii_lowercase().starts_with("set-cookie:") {
            let pair = line[11..].trim().split(';').next().unwrap_or("").to_owned();
            let name = pair.split('=').next().unwrap_or("").to_owned();
            into.retain(|c| !c.starts_with(&format!("{name}=")));
            into.push(pair);
        }
    }
}

/// The value of the hidden input `name` in a page.
fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    page.find(&marker)
        .map(|i| {
            let rest = &page[i + marker.len()..];
            rest[..rest.find('"').unwrap_or(0)].to_owned()
        })
        .unwrap_or_else(|| die(&format!("no hidden field {name} in the page")))
}

fn form(fields: &[(&str, &str)]) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The entry the edits change.
const EDITED: &str = "account-password-forgot";

/// Signs in to the console, then `runs` times: saves [`EDITED`] with one more alternative
/// question (and a line in its answer) and asks that question until the top candidate is
/// the entry matched on it (with the encoder: its cosine >= 0.99, i.e. its new vector is in
/// the index). Returns the times from sending the save.
fn edit_answerable(server: &Server, runs: usize, with_vectors: bool) -> Value {
    let addr = server.addr;
    let mut jar = Vec::new();
    let (_, head, page) = http(addr, "GET", "/operator/sign-in", &[], b"");
    cookies(&head, &mut jar);
    let token = hidden(&page, "token");
    let body = form(&[
        ("login", OPERATOR),
        ("password", OPERATOR_PASSWORD),
        ("token", &token),
        ("next", "/operator"),
    ]);
    let cookie = jar.join("; ");
    let (status, head, _) = http(
        addr,
        "POST",
        "/operator/sign-in",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Cookie", &cookie),
        ],
        body.as_bytes(),
    );
    if !(300..400).contains(&status) {
        die(&format!("console sign-in answered {status}"));
    }
    cookies(&head, &mut jar);
    let cookie = jar.join("; ");
    let mut saves = Vec::new();
    let mut answerable = Vec::new();
    let mut decisions = Vec::new();
    let tag = if with_vectors { "enc" } else { "lex" };
    for run in 0..runs {
        let (_, _, page) = http(
            addr,
            "GET",
            &format!("/operator/faqs/{EDITED}"),
            &[("Cookie", &cookie)],
            b"",
        );
        let csrf = hidden(&page, "csrf");
        let (_, _, entry) = http(addr, "GET", &format!("/api/v1/faqs/{EDITED}"), &[], b"");
        let entry: Value =
            serde_json::from_str(&entry).unwrap_or_else(|e| die(&format!("faq json: {e}")));
        let list = |k: &str| -> Vec<String> {
            entry[k]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        };
        let question = format!("計測{tag}{run}番の端末でパスワードの再発行を頼みたい");
        let marker = format!("（計測用の追記 {tag}{run}）");
        let mut alternatives = list("alternatives");
        alternatives.push(question.clone());
        let body_text = format!(
            "{}\n\n{marker}",
            entry["body_markdown"].as_str().unwrap_or("")
        );
        let fields = form(&[
            ("csrf", &csrf),
            ("title", entry["title"].as_str().unwrap_or("")),
            ("category", entry["category"].as_str().unwrap_or("")),
            ("keywords", &list("keywords").join("、")),
            ("alternatives", &alternatives.join("\n")),
            ("related", &list("related").join(", ")),
            ("body", &body_text),
            ("published", "1"),
            ("action", "save"),
        ]);
        let ask = serde_json::to_vec(&json!({"text": question, "channel": "bench"})).unwrap();
        let start = Instant::now();
        let (status, _, page) = http(
            addr,
            "POST",
            &format!("/operator/faqs/{EDITED}"),
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Cookie", &cookie),
            ],
            fields.as_bytes(),
        );
        let saved = start.elapsed().as_secs_f64();
        if !(300..400).contains(&status) {
            let snippet: String = page.chars().take(400).collect();
            die(&format!("saving the entry answered {status}: {snippet}"));
        }
        let deadline = start + Duration::from_secs(30);
        loop {
            let (_, _, reply) = http(
                addr,
                "POST",
                "/api/v1/ask",
                &[("Content-Type", "application/json")],
                &ask,
            );
            let reply: Value = serde_json::from_str(&reply).unwrap_or(Value::Null);
            let top = &reply["candidates"][0];
            let found = top["id"] == EDITED
                && top["matched"] == question.as_str()
                && (!with_vectors || top["dense"].as_f64().unwrap_or(0.0) >= 0.99);
            if found {
                answerable.push(start.elapsed().as_secs_f64());
                let with_text = reply["answer"]["body_markdown"]
                    .as_str()
                    .is_some_and(|b| b.contains(&marker));
                decisions.push(format!(
                    "{}{}",
                    reply["decision"].as_str().unwrap_or("?"),
                    if with_text { "+new text" } else { "" }
                ));
                break;
            }
            if Instant::now() > deadline {
                die(&format!(
                    "the edited entry was not answerable within 30 s: {reply}"
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        saves.push(saved);
    }
    let ms = |v: &[f64]| v.iter().map(|s| round(s * 1e3, 1)).collect::<Vec<_>>();
    println!(
        "edited entry answerable ({}): median {:.1} ms, max {:.1} ms from sending the save (the save itself: median {:.1} ms); runs {:?} ms; decisions {:?}",
        if with_vectors { "with the encoder" } else { "lexical only" },
        median(&answerable) * 1e3,
        answerable.iter().cloned().fold(0.0, f64::max) * 1e3,
        median(&saves) * 1e3,
        ms(&answerable),
        decisions
    );
    json!({"median_ms": round(median(&answerable) * 1e3, 1),
        "max_ms": round(answerable.iter().cloned().fold(0.0, f64::max) * 1e3, 1),
        "runs_ms": ms(&answerable), "save_ms": ms(&saves), "decisions": decisions})
}

/// Step 8: the entries of `jsonl` as a knowledge base; first start and restarts, lexical
/// only and with the encoder.
fn kb_startups(args: &Args, work: &Path, model: &Path, jsonl: &Path) -> Value {
    let entries = madoguchi::kb::files::load_jsonl(jsonl).unwrap_or_else(|e| die(&e.to_string()));
    let kb = work.join("kb-synthetic");
    madoguchi::kb::files::write_dir(&entries, &kb).unwrap_or_else(|e| die(&e.to_string()));
    for name in ["synonyms.txt", "smalltalk.txt"] {
        std::fs::copy(repo().join("knowledge-base").join(name), kb.join(name))
            .unwrap_or_else(|e| die(&format!("{name}: {e}")));
    }
    let ms = |v: &[f64]| v.iter().map(|s| round(s * 1e3, 1)).collect::<Vec<_>>();
    let mut report = json!({"faq": entries.len(), "file": jsonl.display().to_string()});
    for (label, engine) in [
        (
            "lexical",
            Engine {
                model: None,
                kb: Some(&kb),
            },
        ),
        (
            "encoder",
            Engine {
                model: Some(model),
                kb: Some(&kb),
            },
        ),
    ] {
        let data = work.join(format!("kb-data-{label}"));
        let tag = format!("kb-fresh-{label}");
        let mut server = spawn_with(args, work, &data, &tag, &engine);
        let fresh = server
            .wait_ready_within(Duration::from_millis(5), true, Duration::from_secs(1800))
            .as_secs_f64();
        server.stop();
        let log = std::fs::read_to_string(work.join(format!("{tag}.out"))).unwrap_or_default()
            + &std::fs::read_to_string(work.join(format!("{tag}.err"))).unwrap_or_default();
        let progress: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("encoding FAQ texts") || l.contains("FAQ texts encoded"))
            .collect();
        let mut existing = Vec::new();
        for i in 0..args.startup_runs.min(3) {
            let mut server =
                spawn_with(args, work, &data, &format!("kb-start-{label}-{i}"), &engine);
            existing.push(
                server
                    .wait_ready_within(Duration::from_millis(2), true, Duration::from_secs(600))
                    .as_secs_f64(),
            );
            server.stop();
        }
        println!(
            "{} entries ({label}): first start (seed{}) {:.2} s; restart with the stored {}: median {:.1} ms, runs {:?} ms",
            entries.len(),
            if engine.model.is_some() { " + encode every text" } else { "" },
            fresh,
            if engine.model.is_some() { "vectors" } else { "entries" },
            median(&existing) * 1e3,
            ms(&existing)
        );
        if engine.model.is_some() {
            println!(
                "  progress in the server's log: {} lines; first and last:",
                progress.len()
            );
            for line in progress.first().into_iter().chain(progress.last()) {
                println!("    {line}");
            }
        }
        report[label] = json!({"fresh_s": round(fresh, 2),
            "restart_ms": {"median": round(median(&existing) * 1e3, 1), "runs": ms(&existing)},
            "progress_lines": progress.len()});
    }
    report
}

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
//!       [--startup-runs 5] [--capacity 5] [--pidfile FILE] [--samples FILE.csv]`
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
        // `cargo bench` passes --bench; anything else is ignored as well.
        _ => {}
    });
    args
}

// ---------------------------------------------------------------------------------------
// The server process

/// Spawns `madoguchi serve` (see [`Server::spawn`]); wait for it with `wait_ready`.
fn spawn(args: &Args, work: &Path, data_dir: &Path, tag: &str) -> Server {
    let (bin, pidfile) = (&args.bin, args.pidfile.as_deref());
    Server::spawn(bin, pidfile, work, data_dir, tag, |cmd| {
        cmd.arg("serve").env("RUST_LOG", "info");
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

fn load_test(args: &Args, addr: SocketAddr) -> (Value, String) {
    let requests = Arc::new(request_bytes(addr));
    let OpenLoop {
        samples,
        measured,
        pacer_max_late,
    } = open_loop(
        addr,
        requests,
        args.rate,
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
        args.rate,
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
        "target_rate": args.rate, "duration_s": args.duration, "warmup_s": args.warmup,
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
    let (rss_idle, _) = memory_kb(server.pid());
    let ((load, text), contention) =
        measure_contention(server.pid(), || load_test(&args, server.addr));
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
    server.stop();

    println!(
        "{}",
        json!({
            "bench": "server",
            "startup_fresh_ms": {"first": round(fresh[0] * 1e3, 1), "median": round(median(&fresh) * 1e3, 1), "runs": ms(&fresh)},
            "startup_existing_ms": {"median": round(median(&existing) * 1e3, 1),
                "max": round(existing.iter().cloned().fold(0.0, f64::max) * 1e3, 1), "runs": ms(&existing)},
            "load": load,
            "server_cpu_s": round(cpu_used, 2), "load_wall_s": round(load_secs, 2), "healthy_after": alive,
            "contention": {"generator_cpu_s": round(self_used, 2), "other_processes_cpu_s": round(others, 2),
                "server_runqueue_wait_s": round(server_wait, 3), "loadavg_before": load_avg_before},
            "rss_mb": {"idle": round(rss_idle as f64 / 1024.0, 1), "after_load": round(rss_after as f64 / 1024.0, 1),
                "peak": round(hwm as f64 / 1024.0, 1), "peak_after_capacity": round(hwm_capacity as f64 / 1024.0, 1)},
            "capacity": capacity,
        })
    );
}

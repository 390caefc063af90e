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
//! order, through the `text` of every query in `eval/queries/*.jsonl`. The first
//! `--warmup` seconds are sent at the same rate and not recorded. A request that fails, is
//! not answered `200`, or takes more than 5 s counts as an error. The generator runs on
//! the same 2-core machine as the server (one tokio worker thread + the pacer thread).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, Mutex};

const READY_DEADLINE: Duration = Duration::from_secs(60);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

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
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| die(&format!("{a} needs a value")))
        };
        match a.as_str() {
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
        }
    }
    args
}

fn number(s: &str) -> u64 {
    s.parse()
        .unwrap_or_else(|_| die(&format!("not a number: {s}")))
}

fn die(msg: &str) -> ! {
    eprintln!("server bench: {msg}");
    std::process::exit(2)
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------------------
// The server process

/// A running `madoguchi serve`; stopped when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    spawned: Instant,
}

impl Server {
    fn spawn(args: &Args, work: &Path, data_dir: &Path, tag: &str) -> Server {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| die(&format!("bind: {e}")));
            l.local_addr().unwrap().port()
        };
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let log = |ext: &str| {
            std::fs::File::create(work.join(format!("{tag}.{ext}")))
                .unwrap_or_else(|e| die(&format!("log file: {e}")))
        };
        let mut cmd = Command::new(&args.bin);
        cmd.arg("serve")
            .current_dir(work)
            .env("MADOGUCHI_DATA_DIR", data_dir)
            .env("MADOGUCHI_LISTEN", addr.to_string())
            .env("MADOGUCHI_KB_DIR", repo().join("knowledge-base"))
            .env_remove("MADOGUCHI_DATABASE_URL")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log("out"))
            .stderr(log("err"));
        let spawned = Instant::now();
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| die(&format!("{}: {e}", args.bin.display())));
        if let Some(pidfile) = &args.pidfile {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(pidfile)
                .unwrap_or_else(|e| die(&format!("{}: {e}", pidfile.display())));
            let _ = writeln!(f, "{}", child.id());
        }
        Server {
            child,
            addr,
            spawned,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Polls `/healthz` every 2 ms until it answers 200; returns the time since spawn.
    fn wait_ready(&mut self) -> Duration {
        let deadline = self.spawned + READY_DEADLINE;
        loop {
            if healthz_ok(self.addr) {
                return self.spawned.elapsed();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                die(&format!("the server exited before it was ready: {status}"));
            }
            if Instant::now() > deadline {
                die(&format!("/healthz not ready within {READY_DEADLINE:?}"));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// SIGTERM, then SIGKILL if it has not exited within 5 s.
    fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn healthz_ok(addr: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    if s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 16];
    let mut got = 0;
    while got < 12 {
        match s.read(&mut buf[got..]) {
            Ok(0) | Err(_) => return false,
            Ok(n) => got += n,
        }
    }
    buf.starts_with(b"HTTP/1.1 200")
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

/// utime + stime of a process, in seconds.
fn cpu_seconds(pid: u32, ticks: f64) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let get = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime is field 14, stime 15 (1-based); `rest` starts at field 3.
    (get(11) + get(12)) / ticks
}

/// Busy CPU seconds of the whole machine, all cores (user+nice+system+irq+softirq+steal).
fn machine_busy_seconds(ticks: f64) -> f64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let line = stat.lines().next().unwrap_or("");
    let f: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().unwrap_or(0.0))
        .collect();
    let get = |i: usize| f.get(i).copied().unwrap_or(0.0);
    // user nice system idle iowait irq softirq steal
    (get(0) + get(1) + get(2) + get(5) + get(6) + get(7)) / ticks
}

/// Seconds the threads of `pid` spent runnable but waiting for a CPU.
fn runqueue_wait_seconds(pid: &str) -> f64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0.0;
    };
    tasks
        .filter_map(|t| t.ok())
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<f64>().ok())
        })
        .sum::<f64>()
        / 1e9
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

// ---------------------------------------------------------------------------------------
// Statistics

/// Nearest-rank percentile of an ascending slice.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    percentile(&v, 50.0)
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

fn summary_ms(values: &mut [f64]) -> Value {
    values.sort_by(f64::total_cmp);
    let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
    json!({
        "p50_ms": round(percentile(values, 50.0), 3),
        "p90_ms": round(percentile(values, 90.0), 3),
        "p99_ms": round(percentile(values, 99.0), 3),
        "p999_ms": round(percentile(values, 99.9), 3),
        "max_ms": round(values.last().copied().unwrap_or(f64::NAN), 3),
        "mean_ms": round(mean, 3),
    })
}

// ---------------------------------------------------------------------------------------
// The open-loop load generator

struct Job {
    index: usize,
    intended: Instant,
    recorded: bool,
}

struct Sample {
    intended: Instant,
    sent: Instant,
    done: Instant,
    /// HTTP status, or 0 for an I/O error / timeout.
    status: u16,
}

/// The request bodies: the `text` of every judged query, in a fixed shuffled order.
fn request_bytes(addr: SocketAddr) -> Vec<Vec<u8>> {
    let queries =
        madoguchi::eval::load_queries(&repo().join("eval/queries")).unwrap_or_else(|e| die(&e));
    let mut texts: Vec<String> = queries.into_iter().map(|q| q.text).collect();
    if texts.is_empty() {
        die("no queries in eval/queries");
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

/// Reads one HTTP/1.1 response with a Content-Length (as axum sends JSON); returns its status.
async fn read_response(
    stream: &mut tokio::net::TcpStream,
    buf: &mut Vec<u8>,
) -> std::io::Result<u16> {
    buf.clear();
    let mut chunk = [0u8; 16 * 1024];
    let header_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or(std::io::ErrorKind::InvalidData)?;
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or(std::io::ErrorKind::InvalidData)?;
    while buf.len() < header_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    if buf.len() > header_end + length {
        // A keep-alive server never sends ahead of the next request.
        return Err(std::io::ErrorKind::InvalidData.into());
    }
    Ok(status)
}

async fn connect(addr: SocketAddr) -> Option<tokio::net::TcpStream> {
    let s = tokio::net::TcpStream::connect(addr).await.ok()?;
    let _ = s.set_nodelay(true);
    Some(s)
}

async fn worker(
    addr: SocketAddr,
    requests: Arc<Vec<Vec<u8>>>,
    jobs: Arc<Mutex<mpsc::UnboundedReceiver<Job>>>,
) -> Vec<Sample> {
    let mut samples = Vec::new();
    let mut stream = connect(addr).await;
    let mut buf = Vec::with_capacity(32 * 1024);
    loop {
        let job = { jobs.lock().await.recv().await };
        let Some(job) = job else { break };
        let sent = Instant::now();
        if stream.is_none() {
            stream = connect(addr).await;
        }
        let status = match stream.as_mut() {
            None => 0,
            Some(s) => {
                let req = &requests[job.index % requests.len()];
                let exchange = async {
                    s.write_all(req).await?;
                    read_response(s, &mut buf).await
                };
                match tokio::time::timeout(REQUEST_TIMEOUT, exchange).await {
                    Ok(Ok(status)) => status,
                    _ => 0,
                }
            }
        };
        let done = Instant::now();
        if status == 0 {
            stream = None; // reconnect for the next request
        }
        if job.recorded {
            samples.push(Sample {
                intended: job.intended,
                sent,
                done,
                status,
            });
        }
    }
    samples
}

fn load_test(args: &Args, addr: SocketAddr) -> (Value, String) {
    let requests = Arc::new(request_bytes(addr));
    let period = Duration::from_nanos(1_000_000_000 / args.rate);
    let warmup = (args.warmup * args.rate) as usize;
    let measured = (args.duration * args.rate) as usize;
    let (tx, rx) = mpsc::unbounded_channel::<Job>();
    let rx = Arc::new(Mutex::new(rx));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let handles: Vec<_> = (0..args.connections)
        .map(|_| runtime.spawn(worker(addr, requests.clone(), rx.clone())))
        .collect();
    // Let the connections open before the clock starts.
    std::thread::sleep(Duration::from_millis(200));

    let pacer = {
        std::thread::spawn(move || {
            let start = Instant::now() + Duration::from_millis(10);
            let mut max_late = Duration::ZERO;
            for i in 0..warmup + measured {
                let intended = start + period * i as u32;
                let now = Instant::now();
                if intended > now {
                    std::thread::sleep(intended - now);
                } else {
                    max_late = max_late.max(now - intended);
                }
                let job = Job {
                    index: i,
                    intended,
                    recorded: i >= warmup,
                };
                if tx.send(job).is_err() {
                    break;
                }
            }
            max_late // tx is dropped here: the workers finish what is queued and stop
        })
    };
    let overall = Duration::from_secs(args.warmup + args.duration + 30);
    let started = Instant::now();
    let pacer_max_late = pacer.join().unwrap_or_default();
    let samples: Vec<Sample> = runtime.block_on(async {
        let mut all = Vec::new();
        for h in handles {
            let left = overall.saturating_sub(started.elapsed());
            // A task that timed out or failed is counted as errors below (requests
            // without a sample).
            if let Ok(Ok(s)) = tokio::time::timeout(left, h).await {
                all.extend(s);
            }
        }
        all
    });
    runtime.shutdown_timeout(Duration::from_secs(1));

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
                    if stream.is_none() {
                        stream = connect(addr).await;
                    }
                    let status = match stream.as_mut() {
                        None => 0,
                        Some(s) => {
                            let req = &requests[i % requests.len()];
                            let exchange = async {
                                s.write_all(req).await?;
                                read_response(s, &mut buf).await
                            };
                            match tokio::time::timeout(REQUEST_TIMEOUT, exchange).await {
                                Ok(Ok(status)) => status,
                                _ => 0,
                            }
                        }
                    };
                    if status == 200 {
                        ok += 1;
                    } else {
                        errors += 1;
                        if status == 0 {
                            stream = None;
                        }
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
    if !args.bin.exists() {
        die(&format!(
            "{} does not exist; run cargo build --release",
            args.bin.display()
        ));
    }
    let work = tempfile::Builder::new()
        .prefix("madoguchi-bench-")
        .tempdir()
        .unwrap_or_else(|e| die(&format!("temp dir: {e}")));
    let ticks = clock_ticks();
    println!("madoguchi server bench: {}", args.bin.display());

    // 1. Startup with a fresh data folder: create + migrate + seed, then build the index.
    let mut fresh = Vec::new();
    for i in 0..args.fresh_runs {
        let data = work.path().join(format!("data-{i}"));
        let mut server = Server::spawn(&args, work.path(), &data, &format!("fresh-{i}"));
        fresh.push(server.wait_ready().as_secs_f64());
        server.stop();
    }
    let existing_dir = work.path().join("data-0");
    // 2. Startup with the existing database.
    let mut existing = Vec::new();
    for i in 0..args.startup_runs {
        let mut server = Server::spawn(&args, work.path(), &existing_dir, &format!("start-{i}"));
        existing.push(server.wait_ready().as_secs_f64());
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
    let mut server = Server::spawn(&args, work.path(), &existing_dir, "load");
    server.wait_ready();
    let (rss_idle, _) = memory_kb(server.pid());
    let load_avg_before = loadavg();
    let spid = server.pid().to_string();
    let cpu_before = cpu_seconds(server.pid(), ticks);
    let self_before = cpu_seconds(std::process::id(), ticks);
    let busy_before = machine_busy_seconds(ticks);
    let wait_before = runqueue_wait_seconds(&spid);
    let load_started = Instant::now();
    let (load, text) = load_test(&args, server.addr);
    let load_secs = load_started.elapsed().as_secs_f64();
    let cpu_used = cpu_seconds(server.pid(), ticks) - cpu_before;
    let self_used = cpu_seconds(std::process::id(), ticks) - self_before;
    let busy = machine_busy_seconds(ticks) - busy_before;
    let server_wait = runqueue_wait_seconds(&spid) - wait_before;
    let others = (busy - cpu_used - self_used).max(0.0);
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

//! Pieces shared by the benches (`mod common;` in each): argument helpers, the server
//! process, CPU / contention readers from `/proc`, statistics, and the open-loop HTTP/1.1
//! load generator described in `benches/server.rs`.
//!
//! Each bench compiles this module on its own and uses only part of it.

#![allow(dead_code)]

use std::borrow::Cow;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, Mutex};

pub const READY_DEADLINE: Duration = Duration::from_secs(60);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------------------
// Arguments

pub fn number(s: &str) -> u64 {
    s.parse()
        .unwrap_or_else(|_| die(&format!("not a number: {s}")))
}

/// Prints `<bench> bench: msg` (the name of the bench target) and exits with status 2.
pub fn die(msg: &str) -> ! {
    eprintln!("{} bench: {msg}", env!("CARGO_CRATE_NAME"));
    std::process::exit(2)
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Calls `f(flag, value)` for every command-line argument; `value()` takes the next
/// argument as the flag's value (and dies if there is none). Unknown flags are for `f` to
/// ignore (`cargo bench` passes --bench).
pub fn for_each_arg(mut f: impl FnMut(&str, &mut dyn FnMut() -> String)) {
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| die(&format!("{a} needs a value")))
        };
        f(&a, &mut value);
    }
}

/// Dies unless `bin` exists; then makes the temporary work folder `<prefix>XXXXXX`,
/// removed when dropped.
pub fn work_dir(bin: &Path, prefix: &str) -> tempfile::TempDir {
    if !bin.exists() {
        die(&format!(
            "{} does not exist; run cargo build --release",
            bin.display()
        ));
    }
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .unwrap_or_else(|e| die(&format!("temp dir: {e}")))
}

// ---------------------------------------------------------------------------------------
// The server process

/// A running `madoguchi serve`; stopped when dropped.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    pub spawned: Instant,
    /// `<work>/<tag>.err`, named when the server exits before it is ready.
    err_log: PathBuf,
}

impl Server {
    /// Spawns `bin` on a free port of 127.0.0.1, in `work` (so that no `madoguchi.toml` is
    /// picked up), with `MADOGUCHI_DATA_DIR` = `data_dir`, the repository's knowledge base,
    /// no database URL and stdout / stderr in `<work>/<tag>.out` / `.err`; `configure` adds
    /// the arguments (`serve` and what goes before it) and any other environment (it may
    /// set `MADOGUCHI_KB_DIR` to another knowledge base). With a
    /// `pidfile`, the pid is appended to it. Does not wait for the server to be ready.
    pub fn spawn(
        bin: &Path,
        pidfile: Option<&Path>,
        work: &Path,
        data_dir: &Path,
        tag: &str,
        configure: impl FnOnce(&mut Command),
    ) -> Server {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| die(&format!("bind: {e}")));
            l.local_addr().unwrap().port()
        };
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let log = |ext: &str| {
            std::fs::File::create(work.join(format!("{tag}.{ext}")))
                .unwrap_or_else(|e| die(&format!("log file: {e}")))
        };
        let mut cmd = Command::new(bin);
        cmd.current_dir(work)
            .env("MADOGUCHI_DATA_DIR", data_dir)
            .env("MADOGUCHI_LISTEN", addr.to_string())
            .env("MADOGUCHI_KB_DIR", repo().join("knowledge-base"))
            .env_remove("MADOGUCHI_DATABASE_URL")
            .stdin(Stdio::null())
            .stdout(log("out"))
            .stderr(log("err"));
        configure(&mut cmd);
        let spawned = Instant::now();
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| die(&format!("{}: {e}", bin.display())));
        if let Some(pidfile) = pidfile {
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
            err_log: work.join(format!("{tag}.err")),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Polls `/healthz` every `poll` until it answers 200; returns the time since spawn.
    /// With `name_log`, the message when the server exits first names its stderr file.
    pub fn wait_ready(&mut self, poll: Duration, name_log: bool) -> Duration {
        self.wait_ready_within(poll, name_log, READY_DEADLINE)
    }

    /// [`Server::wait_ready`], giving up after `limit` (a first start that encodes a
    /// knowledge base's vectors takes longer than [`READY_DEADLINE`]).
    pub fn wait_ready_within(
        &mut self,
        poll: Duration,
        name_log: bool,
        limit: Duration,
    ) -> Duration {
        let deadline = self.spawned + limit;
        loop {
            if healthz_ok(self.addr) {
                return self.spawned.elapsed();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                if name_log {
                    die(&format!(
                        "the server exited before it was ready: {status} (see {})",
                        self.err_log.display()
                    ));
                }
                die(&format!("the server exited before it was ready: {status}"));
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                die(&format!("/healthz not ready within {limit:?}"));
            }
            std::thread::sleep(poll);
        }
    }

    /// SIGTERM, then SIGKILL if it has not exited within 5 s.
    pub fn stop(&mut self) {
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

pub fn healthz_ok(addr: SocketAddr) -> bool {
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

// ---------------------------------------------------------------------------------------
// CPU accounting

/// utime + stime of a process, in seconds.
pub fn cpu_seconds(pid: u32, ticks: f64) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let get = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime is field 14, stime 15 (1-based); `rest` starts at field 3.
    (get(11) + get(12)) / ticks
}

/// Busy CPU seconds of the whole machine, all cores (user+nice+system+irq+softirq+steal).
pub fn machine_busy_seconds(ticks: f64) -> f64 {
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
pub fn runqueue_wait_seconds(pid: u32) -> f64 {
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

pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// CPU use while something ran (all in seconds).
pub struct Contention {
    pub wall: f64,
    /// CPU of the server process.
    pub server: f64,
    /// CPU of this process (the load generator).
    pub generator: f64,
    /// Busy CPU of the machine less the two above.
    pub others: f64,
    /// Time the server's threads waited for a CPU.
    pub server_wait: f64,
    pub loadavg_before: String,
}

/// Runs `f` and measures the CPU use of the server, this process and everything else, and
/// how long the server's threads waited for a CPU.
pub fn measure_contention<T>(server_pid: u32, f: impl FnOnce() -> T) -> (T, Contention) {
    let ticks = clock_ticks();
    let load_before = loadavg();
    let server_before = cpu_seconds(server_pid, ticks);
    let self_before = cpu_seconds(std::process::id(), ticks);
    let busy_before = machine_busy_seconds(ticks);
    let wait_before = runqueue_wait_seconds(server_pid);
    let started = Instant::now();
    let out = f();
    let wall = started.elapsed().as_secs_f64();
    let server = cpu_seconds(server_pid, ticks) - server_before;
    let me = cpu_seconds(std::process::id(), ticks) - self_before;
    let others = (machine_busy_seconds(ticks) - busy_before - server - me).max(0.0);
    let wait = runqueue_wait_seconds(server_pid) - wait_before;
    let contention = Contention {
        wall,
        server,
        generator: me,
        others,
        server_wait: wait,
        loadavg_before: load_before,
    };
    (out, contention)
}

/// [`measure_contention`], as JSON and as one line of text.
pub fn with_contention<T>(server_pid: u32, f: impl FnOnce() -> T) -> (T, Value, String) {
    let (out, c) = measure_contention(server_pid, f);
    let (wall, server, me, others, wait, load_before) = (
        c.wall,
        c.server,
        c.generator,
        c.others,
        c.server_wait,
        &c.loadavg_before,
    );
    let value = json!({
        "wall_s": round(wall, 2), "server_cpu_s": round(server, 2), "generator_cpu_s": round(me, 2),
        "other_processes_cpu_s": round(others, 2), "server_runqueue_wait_s": round(wait, 3),
        "loadavg_before": load_before,
    });
    let text = format!(
        "  CPU over {wall:.1} s: server {server:.1} s ({:.0}% of a core), generator {me:.1} s, other processes {others:.1} s ({:.0}% of a core); server threads waited {wait:.2} s for a CPU; load average before {load_before}",
        100.0 * server / wall,
        100.0 * others / wall
    );
    (out, value, text)
}

// ---------------------------------------------------------------------------------------
// Statistics

/// Nearest-rank percentile of an ascending slice.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    percentile(&v, 50.0)
}

pub fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

pub fn summary_ms(values: &mut [f64]) -> Value {
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

pub struct Job {
    pub index: u64,
    pub intended: Instant,
    pub recorded: bool,
}

pub struct Sample {
    pub index: u64,
    pub intended: Instant,
    pub sent: Instant,
    pub done: Instant,
    /// HTTP status, or 0 for an I/O error / timeout.
    pub status: u16,
}

/// The bytes of request `index` (a whole HTTP/1.1 request).
pub trait Requests: Send + Sync + 'static {
    fn request(&self, index: u64) -> Cow<'_, [u8]>;
}

/// Reads one HTTP/1.1 response with a Content-Length (as axum sends JSON); returns its status.
pub async fn read_response(
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

pub async fn connect(addr: SocketAddr) -> Option<tokio::net::TcpStream> {
    let s = tokio::net::TcpStream::connect(addr).await.ok()?;
    let _ = s.set_nodelay(true);
    Some(s)
}

/// Sends `req` over `stream` (connecting first if there is none) and reads the response;
/// returns its status, or 0 on an I/O error or after [`REQUEST_TIMEOUT`], in which case the
/// connection is dropped so that the next request reconnects.
pub async fn exchange(
    stream: &mut Option<tokio::net::TcpStream>,
    addr: SocketAddr,
    req: &[u8],
    buf: &mut Vec<u8>,
) -> u16 {
    if stream.is_none() {
        *stream = connect(addr).await;
    }
    let status = match stream.as_mut() {
        None => 0,
        Some(s) => {
            let exchange = async {
                s.write_all(req).await?;
                read_response(s, buf).await
            };
            match tokio::time::timeout(REQUEST_TIMEOUT, exchange).await {
                Ok(Ok(status)) => status,
                _ => 0,
            }
        }
    };
    if status == 0 {
        *stream = None; // reconnect for the next request
    }
    status
}

/// One keep-alive connection: sends the jobs it takes from `jobs` until the queue closes.
pub async fn worker<R: Requests>(
    addr: SocketAddr,
    requests: Arc<R>,
    jobs: Arc<Mutex<mpsc::UnboundedReceiver<Job>>>,
) -> Vec<Sample> {
    let mut samples = Vec::new();
    let mut stream = connect(addr).await;
    let mut buf = Vec::with_capacity(32 * 1024);
    loop {
        let job = { jobs.lock().await.recv().await };
        let Some(job) = job else { break };
        let req = requests.request(job.index);
        let sent = Instant::now();
        let status = exchange(&mut stream, addr, &req, &mut buf).await;
        let done = Instant::now();
        if job.recorded {
            samples.push(Sample {
                index: job.index,
                intended: job.intended,
                sent,
                done,
                status,
            });
        }
    }
    samples
}

/// What [`open_loop`] sent.
pub struct OpenLoop {
    /// The samples of the recorded requests that finished (in no particular order).
    pub samples: Vec<Sample>,
    /// The number of recorded requests scheduled.
    pub measured: usize,
    pub pacer_max_late: Duration,
}

/// `warmup` + `duration` seconds at `rate` requests per second over `connections`
/// keep-alive connections to `addr`; request indexes start at `first_index`, and the
/// first `warmup` seconds are not recorded.
pub fn open_loop<R: Requests>(
    addr: SocketAddr,
    requests: Arc<R>,
    rate: u64,
    warmup_secs: u64,
    duration_secs: u64,
    connections: usize,
    first_index: u64,
) -> OpenLoop {
    let period = Duration::from_nanos(1_000_000_000 / rate);
    let warmup = (warmup_secs * rate) as usize;
    let measured = (duration_secs * rate) as usize;
    let (tx, rx) = mpsc::unbounded_channel::<Job>();
    let rx = Arc::new(Mutex::new(rx));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let handles: Vec<_> = (0..connections)
        .map(|_| runtime.spawn(worker(addr, requests.clone(), rx.clone())))
        .collect();
    // Let the connections open before the clock starts.
    std::thread::sleep(Duration::from_millis(200));

    let pacer = std::thread::spawn(move || {
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
                index: first_index + i as u64,
                intended,
                recorded: i >= warmup,
            };
            if tx.send(job).is_err() {
                break;
            }
        }
        max_late // tx is dropped here: the workers finish what is queued and stop
    });
    let overall = Duration::from_secs(warmup_secs + duration_secs + 30);
    let started = Instant::now();
    let pacer_max_late = pacer.join().unwrap_or_default();
    let samples: Vec<Sample> = runtime.block_on(async {
        let mut all = Vec::new();
        for h in handles {
            let left = overall.saturating_sub(started.elapsed());
            // A task that timed out or failed is counted as errors by the caller
            // (requests without a sample).
            if let Ok(Ok(s)) = tokio::time::timeout(left, h).await {
                all.extend(s);
            }
        }
        all
    });
    runtime.shutdown_timeout(Duration::from_secs(1));
    OpenLoop {
        samples,
        measured,
        pacer_max_late,
    }
}

/// A fixed list of requests, cycled through.
impl Requests for Vec<Vec<u8>> {
    fn request(&self, index: u64) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self[index as usize % self.len()])
    }
}

// ---------------------------------------------------------------------------------------
// PostgreSQL

/// A new schema `<prefix>_<pid>` in the PostgreSQL database at `url`, as a URL that uses it.
pub async fn fresh_schema(url: &str, prefix: &str) -> String {
    use sqlx::Connection;
    let schema = format!("{prefix}_{}", std::process::id());
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    for statement in [
        format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
        format!("CREATE SCHEMA {schema}"),
    ] {
        sqlx::query(&statement).execute(&mut conn).await.unwrap();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-c%20search_path%3D{schema}")
}

// ---------------------------------------------------------------------------------------
// Requests (申請)

/// `staff` made-up members of staff (職員番号 20000, 20001, ...) in `departments` 所属.
pub async fn seed_staff(helpdesk: &madoguchi::helpdesk::Helpdesk, staff: u64) {
    let departments = ["ICT推進課", "財政課", "税務課", "市民課", "福祉課"];
    let members: Vec<madoguchi::storage::StaffMember> = (0..staff)
        .map(|i| madoguchi::storage::StaffMember {
            employee_no: format!("{}", 20000 + i),
            name: format!("職員 {i}"),
            department: departments[(i % 5) as usize].into(),
            email: None,
            extension: None,
            logochat_id: None,
        })
        .collect();
    helpdesk.store().replace_staff(&members).await.unwrap();
}

/// Submits `count` account requests (`ad-account-add`) through the service, by staff
/// from [`seed_staff`] (`staff` of them); their ids.
pub async fn seed_requests(
    helpdesk: &madoguchi::helpdesk::Helpdesk,
    count: u64,
    staff: u64,
) -> Vec<i64> {
    use madoguchi::requests::Submission;
    let mut ids = Vec::with_capacity(count as usize);
    for i in 0..count {
        let no = format!("{}", 20000 + i % staff);
        let fields = json!({
            "staff": no,
            "network": "lgwan",
            "login": format!("user{i}"),
            "start_date": "2030-04-01",
        });
        let submission = Submission {
            type_id: "ad-account-add".into(),
            requester: no.clone(),
            fields: fields.as_object().unwrap().clone(),
            channel: madoguchi::domain::Channel::Api,
            conversation_id: None,
            ticket_id: None,
            actor: no,
        };
        ids.push(helpdesk.requests().submit(submission).await.unwrap().id);
    }
    ids
}

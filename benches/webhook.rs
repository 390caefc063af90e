//! Benchmark of conversations (issue 3), against the real server process:
//!
//! 1. webhook load: `POST /integrations/logochat/webhook` at a fixed rate, open loop, with
//!    distinct message ids over `--rooms` rooms (one user each) and a realistic mix of
//!    texts: questions (the judged queries in `eval/calibration/`), small talk (こんにちは,
//!    ありがとう), follow-ups to the bot's last reply (はい, いいえ, 1, 2, 3) and the odd
//!    「担当者」. Every message is stored with its replies and the conversation's state
//!    before it is answered.
//! 2. the peer, in the same run and on the same server: `POST /api/v1/ask` (stateless: the
//!    engine and the question log, no conversation) with the same texts at the same rate,
//!    so that the ratio shows what storing conversations costs. Phases alternate
//!    (webhook, ask, webhook, ask, ...) for `--rounds` rounds, so that drift of the shared
//!    machine falls on both; the medians of the rounds are reported.
//! 3. outbox: a local receiver that answers 500 to `--outbox-fail` of the requests
//!    (seeded); `--outbox-replies` operator replies over `--outbox-rooms` rooms (one open
//!    ticket each) queued through the operator API as fast as it accepts them; the time
//!    until all are delivered, the attempts, each reply's time from queued to accepted, and
//!    an order check (per room: accepted in the order queued, and no attempt at a room's
//!    next reply before the one before it was accepted).
//!
//! Run: `cargo build --release && cargo bench --bench webhook -- --bin "$PWD/target/release/madoguchi"
//!       [--rate 500] [--duration 20] [--warmup 2] [--rounds 3] [--connections 32] [--rooms 100]
//!       [--outbox-replies 1000] [--outbox-rooms 20] [--outbox-fail 0.5]
//!       [--outbox-first-delay-ms 20] [--outbox-max-delay-secs 1] [--pidfile FILE]`
//!
//! The load generator is the one of `benches/server.rs`: a pacer thread schedules request
//! *i* at `start + i / rate` and hands it to whichever keep-alive connection is free;
//! latency runs from the *scheduled* time to the last byte of the response, so waiting
//! counts (no coordinated omission). A request that fails, is not answered 200, or takes
//! more than 5 s is an error. Percentiles are nearest-rank. The generator shares the 2
//! cores with the server; CPU used by the server, the generator and everything else, and
//! the time the server's threads waited for a CPU, are printed for every phase.
//!
//! The servers listen on 127.0.0.1 only, run in a temporary folder (no `madoguchi.toml`
//! is picked up) with a fresh data folder, and are stopped (SIGTERM, then SIGKILL) at the
//! end or on panic. The last line of the output is one JSON object.

mod common;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use common::{
    die, for_each_arg, loadavg, median, number, open_loop, repo, round, summary_ms,
    with_contention, work_dir, OpenLoop, Requests, Sample, Server,
};

const TOKEN: &str = "bench-webhook-token";
const OPERATOR_TOKEN: &str = "bench-operator-token";
/// The p99 target of the webhook at the default rate (BENCHMARKS.md, issue 3).
const TARGET_P99_MS: f64 = 10.0;

struct Args {
    bin: PathBuf,
    rate: u64,
    duration: u64,
    warmup: u64,
    rounds: usize,
    connections: usize,
    rooms: usize,
    outbox_replies: usize,
    outbox_rooms: usize,
    outbox_fail: f64,
    outbox_first_delay_ms: u64,
    outbox_max_delay_secs: u64,
    pidfile: Option<PathBuf>,
}

fn parse_args() -> Args {
    let mut args = Args {
        bin: PathBuf::from(env!("CARGO_BIN_EXE_madoguchi")),
        rate: 500,
        duration: 20,
        warmup: 2,
        rounds: 3,
        connections: 32,
        rooms: 100,
        outbox_replies: 1_000,
        outbox_rooms: 20,
        outbox_fail: 0.5,
        outbox_first_delay_ms: 20,
        outbox_max_delay_secs: 1,
        pidfile: None,
    };
    for_each_arg(|a, value| match a {
        "--bin" => args.bin = PathBuf::from(value()),
        "--rate" => args.rate = number(&value()).clamp(1, 100_000),
        "--duration" => args.duration = number(&value()).clamp(1, 600),
        "--warmup" => args.warmup = number(&value()).min(60),
        "--rounds" => args.rounds = number(&value()).clamp(1, 20) as usize,
        "--connections" => args.connections = number(&value()).clamp(1, 1_000) as usize,
        "--rooms" => args.rooms = number(&value()).clamp(1, 100_000) as usize,
        "--outbox-replies" => args.outbox_replies = number(&value()).min(100_000) as usize,
        "--outbox-rooms" => args.outbox_rooms = number(&value()).clamp(1, 1_000) as usize,
        "--outbox-fail" => {
            let v = value();
            args.outbox_fail = v
                .parse::<f64>()
                .ok()
                .filter(|f| (0.0..0.95).contains(f))
                .unwrap_or_else(|| die(&format!("--outbox-fail wants 0 <= f < 0.95: {v}")));
        }
        "--outbox-first-delay-ms" => args.outbox_first_delay_ms = number(&value()).max(1),
        "--outbox-max-delay-secs" => args.outbox_max_delay_secs = number(&value()).max(1),
        "--pidfile" => args.pidfile = Some(PathBuf::from(value())),
        // `cargo bench` passes --bench; anything else is ignored as well.
        _ => {}
    });
    args
}

// ---------------------------------------------------------------------------------------
// The server process

/// Spawns `madoguchi --config <work>/<tag>.toml serve` (see [`Server::spawn`]), with
/// `config` as that file and the LoGoチャット and operator tokens, and waits until it is
/// ready.
fn spawn_server(
    args: &Args,
    work: &Path,
    data_dir: &Path,
    tag: &str,
    outgoing: Option<&str>,
    config: &str,
) -> Server {
    let config_file = work.join(format!("{tag}.toml"));
    std::fs::write(&config_file, config).unwrap_or_else(|e| die(&format!("config: {e}")));
    let (bin, pidfile) = (&args.bin, args.pidfile.as_deref());
    let mut server = Server::spawn(bin, pidfile, work, data_dir, tag, |cmd| {
        cmd.arg("--config")
            .arg(&config_file)
            .arg("serve")
            .env("MADOGUCHI_PROMPTS_DIR", repo().join("prompts"))
            .env("MADOGUCHI_LOGOCHAT_TOKEN", TOKEN)
            .env("MADOGUCHI_OPERATOR_TOKEN", OPERATOR_TOKEN)
            .env_remove("MADOGUCHI_LOGOCHAT_SIGNING_SECRET")
            .env_remove("MADOGUCHI_LOGOCHAT_OUTGOING_URL")
            .env("RUST_LOG", "warn");
        if let Some(url) = outgoing {
            cmd.env("MADOGUCHI_LOGOCHAT_OUTGOING_URL", url);
        }
    });
    server.wait_ready(Duration::from_millis(5), true);
    server
}

// ---------------------------------------------------------------------------------------
// What staff type

/// A deterministic 64-bit mix of `i` (splitmix64).
fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const SMALL_TALK: &[&str] = &[
    "こんにちは",
    "ありがとうございます",
    "おはようございます",
    "助かりました",
];
const FOLLOW_UPS: &[&str] = &["いいえ", "1", "はい", "2", "いいえ", "3"];

/// The texts of message `i`: 60 % questions from `eval/calibration`, 10 % small talk, 29 %
/// follow-ups (はい / いいえ / a number), 1 % 「担当者」.
struct Texts {
    questions: Vec<String>,
}

impl Texts {
    fn load() -> Texts {
        let queries = madoguchi::eval::load_queries(&repo().join("eval/calibration"))
            .unwrap_or_else(|e| die(&e));
        let questions: Vec<String> = queries.into_iter().map(|q| q.text).collect();
        if questions.is_empty() {
            die("no queries in eval/calibration");
        }
        Texts { questions }
    }

    fn text(&self, i: u64) -> &str {
        let h = mix(i);
        let pick = (h >> 8) as usize;
        match h % 100 {
            0..=59 => &self.questions[pick % self.questions.len()],
            60..=69 => SMALL_TALK[pick % SMALL_TALK.len()],
            70..=98 => FOLLOW_UPS[pick % FOLLOW_UPS.len()],
            _ => "担当者",
        }
    }

    fn kind(&self, i: u64) -> &'static str {
        match mix(i) % 100 {
            0..=59 => "question",
            60..=69 => "small_talk",
            70..=98 => "follow_up",
            _ => "person",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Webhook,
    Ask,
}

impl Endpoint {
    fn name(self) -> &'static str {
        match self {
            Endpoint::Webhook => "POST /integrations/logochat/webhook",
            Endpoint::Ask => "POST /api/v1/ask",
        }
    }
}

/// The raw HTTP/1.1 request for message `i` (global index: distinct message ids).
fn request(endpoint: Endpoint, addr: SocketAddr, texts: &Texts, rooms: usize, i: u64) -> Vec<u8> {
    let text = texts.text(i);
    let (path, body, auth) = match endpoint {
        Endpoint::Webhook => {
            let room = i % rooms as u64;
            let body = json!({
                "message_id": format!("bench-{i}"),
                "room_id": format!("room-bench-{room:05}"),
                "user_id": format!("logo-bench-{room:05}"),
                "user_name": format!("職員 {room}"),
                "text": text,
            });
            (
                "/integrations/logochat/webhook",
                body,
                format!("X-Madoguchi-Token: {TOKEN}\r\n"),
            )
        }
        Endpoint::Ask => (
            "/api/v1/ask",
            json!({"text": text, "channel": "bench"}),
            String::new(),
        ),
    };
    let body = serde_json::to_vec(&body).unwrap();
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept: application/json\r\n{auth}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(&body);
    req
}

// ---------------------------------------------------------------------------------------
// The open-loop load generator (in benches/common)

struct Load {
    endpoint: Endpoint,
    addr: SocketAddr,
    texts: Arc<Texts>,
    rooms: usize,
}

impl Requests for Load {
    fn request(&self, index: u64) -> Cow<'_, [u8]> {
        Cow::Owned(request(
            self.endpoint,
            self.addr,
            &self.texts,
            self.rooms,
            index,
        ))
    }
}

/// `--warmup` + `--duration` seconds at `--rate`; message indexes start at `first_index`.
fn load_test(args: &Args, load: Load, first_index: u64) -> (Value, String) {
    let endpoint = load.endpoint;
    let texts = load.texts.clone();
    let addr = load.addr;
    let OpenLoop {
        samples,
        measured,
        pacer_max_late,
    } = open_loop(
        addr,
        Arc::new(load),
        args.rate,
        args.warmup,
        args.duration,
        args.connections,
        first_index,
    );

    let ok: Vec<&Sample> = samples.iter().filter(|s| s.status == 200).collect();
    let errors = samples.len() - ok.len() + measured.saturating_sub(samples.len());
    let mut statuses = BTreeMap::new();
    for s in &samples {
        *statuses.entry(s.status.to_string()).or_insert(0usize) += 1;
    }
    let window = match (
        samples.iter().map(|s| s.intended).min(),
        samples.iter().map(|s| s.done).max(),
    ) {
        (Some(a), Some(b)) => (b - a).as_secs_f64(),
        _ => f64::NAN,
    };
    let latency_of = |s: &&Sample| (s.done - s.intended).as_secs_f64() * 1e3;
    let mut latency: Vec<f64> = ok.iter().map(latency_of).collect();
    let mut service: Vec<f64> = ok
        .iter()
        .map(|s| (s.done - s.sent).as_secs_f64() * 1e3)
        .collect();
    // Latency by kind of text (question, small talk, follow-up, 担当者).
    let mut by_kind: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for s in &ok {
        by_kind
            .entry(texts.kind(s.index))
            .or_default()
            .push(latency_of(s));
    }
    let by_kind: BTreeMap<&str, Value> = by_kind
        .into_iter()
        .map(|(k, mut v)| {
            let n = v.len();
            let mut summary = summary_ms(&mut v);
            summary["n"] = json!(n);
            (k, summary)
        })
        .collect();
    let lat = summary_ms(&mut latency);
    let svc = summary_ms(&mut service);
    let achieved = ok.len() as f64 / window;
    let text = format!(
        "{}: target {} req/s for {} s (+{} s warm-up), {} connections\n\
         \x20 requests {} ok {} errors {} statuses {:?}; achieved (ok / window) {:.1} req/s\n\
         \x20 latency from scheduled send: p50 {} ms, p90 {} ms, p99 {} ms, p99.9 {} ms, max {} ms\n\
         \x20 service time from write:     p50 {} ms, p99 {} ms, max {} ms; pacer max lateness {:.3} ms\n\
         \x20 p99 by kind: {}",
        endpoint.name(),
        args.rate,
        args.duration,
        args.warmup,
        args.connections,
        measured,
        ok.len(),
        errors,
        statuses,
        achieved,
        lat["p50_ms"],
        lat["p90_ms"],
        lat["p99_ms"],
        lat["p999_ms"],
        lat["max_ms"],
        svc["p50_ms"],
        svc["p99_ms"],
        svc["max_ms"],
        pacer_max_late.as_secs_f64() * 1e3,
        by_kind
            .iter()
            .map(|(k, v)| format!("{k} {} ms (n={})", v["p99_ms"], v["n"]))
            .collect::<Vec<_>>()
            .join(", "),
    );
    let value = json!({
        "endpoint": endpoint.name(), "target_rate": args.rate, "duration_s": args.duration,
        "requests": measured, "ok": ok.len(), "errors": errors, "statuses": statuses,
        "achieved_rate": round(achieved, 1), "latency": lat, "service": svc, "latency_by_kind": by_kind,
        "pacer_max_late_ms": round(pacer_max_late.as_secs_f64() * 1e3, 3),
    });
    (value, text)
}

// ---------------------------------------------------------------------------------------
// The outbox: a receiver that fails part of the time

#[derive(Clone)]
struct Received {
    id: String,
    room: String,
    text: String,
    ok: bool,
    at: Instant,
}

struct ReceiverState {
    log: std::sync::Mutex<Vec<Received>>,
    rng: std::sync::Mutex<u64>,
    fail: f64,
}

async fn receive(
    axum::extract::State(state): axum::extract::State<Arc<ReceiverState>>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::http::StatusCode {
    let ok = {
        let mut x = state.rng.lock().unwrap();
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        (*x % 1_000_000) as f64 >= state.fail * 1_000_000.0
    };
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let id = headers
        .get("x-madoguchi-delivery")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    state.log.lock().unwrap().push(Received {
        id,
        room: json["room_id"].as_str().unwrap_or("").to_owned(),
        text: json["text"].as_str().unwrap_or("").to_owned(),
        ok,
        at: Instant::now(),
    });
    if ok {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::INTERNAL_SERVER_ERROR
    }
}

fn outbox_test(args: &Args, work: &Path) -> (Value, String) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let state = Arc::new(ReceiverState {
        log: std::sync::Mutex::new(Vec::new()),
        rng: std::sync::Mutex::new(0x0DDB_1A5E_5BAD_5EED),
        fail: args.outbox_fail,
    });
    let receiver_url = runtime.block_on(async {
        let app = axum::Router::new()
            .route("/outgoing", axum::routing::post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the receiver");
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        format!("http://{addr}/outgoing")
    });
    let config = format!(
        "[outbox]\nfirst_delay_ms = {}\nmax_delay_secs = {}\nmax_attempts = 10000\n",
        args.outbox_first_delay_ms, args.outbox_max_delay_secs
    );
    let data = work.join("data-outbox");
    let server = spawn_server(args, work, &data, "outbox", Some(&receiver_url), &config);
    let base = server.base();
    let rooms = args.outbox_rooms;
    let total = args.outbox_replies;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();

    let ((queued_at, queue_secs, delivered_secs, timed_out), contention, contention_text) =
        with_contention(server.pid(), || {
            runtime.block_on(async {
                // One open ticket per room.
                let mut tickets = Vec::new();
                for r in 0..rooms {
                    let room = format!("room-outbox-{r:04}");
                    let body = json!({"message_id": format!("outbox-open-{r}"), "room_id": room,
                        "user_id": format!("logo-outbox-{r:04}"), "user_name": "職員", "text": "担当者"});
                    let reply: Value = client
                        .post(format!("{base}/integrations/logochat/webhook"))
                        .header("X-Madoguchi-Token", TOKEN)
                        .json(&body)
                        .send()
                        .await
                        .unwrap_or_else(|e| die(&format!("webhook: {e}")))
                        .json()
                        .await
                        .unwrap_or_else(|e| die(&format!("webhook: {e}")));
                    let text = reply["text"].as_str().unwrap_or_default();
                    let number: i64 = text
                        .split('#')
                        .nth(1)
                        .map(|s| s.chars().take_while(char::is_ascii_digit).collect::<String>())
                        .and_then(|d| d.parse().ok())
                        .unwrap_or_else(|| die(&format!("no ticket number in {text:?}")));
                    tickets.push((room, number));
                }
                // The replies: per room one after another, the rooms at once.
                let started = Instant::now();
                let per_room = total.div_ceil(rooms);
                let tasks: Vec<_> = tickets
                    .into_iter()
                    .enumerate()
                    .map(|(r, (room, ticket))| {
                        let (client, base) = (client.clone(), base.clone());
                        let count = per_room.min(total.saturating_sub(r * per_room));
                        tokio::spawn(async move {
                            let mut queued = Vec::new();
                            for k in 0..count {
                                let text = format!("{room} 返信 {k}");
                                let response = client
                                    .post(format!("{base}/api/v1/tickets/{ticket}/reply"))
                                    .bearer_auth(OPERATOR_TOKEN)
                                    .json(&json!({"operator": "山田", "text": text}))
                                    .send()
                                    .await
                                    .unwrap_or_else(|e| die(&format!("reply: {e}")));
                                if response.status() != 200 {
                                    die(&format!("reply: HTTP {}", response.status()));
                                }
                                queued.push((text, Instant::now()));
                            }
                            queued
                        })
                    })
                    .collect();
                let mut queued_at = HashMap::new();
                for t in tasks {
                    queued_at.extend(t.await.expect("a reply task"));
                }
                let queue_secs = started.elapsed().as_secs_f64();
                let deadline = Instant::now() + Duration::from_secs(600);
                let timed_out = loop {
                    let accepted: HashSet<String> = state
                        .log
                        .lock()
                        .unwrap()
                        .iter()
                        .filter(|d| d.ok)
                        .map(|d| d.id.clone())
                        .collect();
                    if accepted.len() >= queued_at.len() {
                        break false;
                    }
                    if Instant::now() > deadline {
                        break true;
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                };
                let last = state.log.lock().unwrap().iter().filter(|d| d.ok).map(|d| d.at).max();
                let delivered_secs = last.map_or(f64::NAN, |t| (t - started).as_secs_f64());
                (queued_at, queue_secs, delivered_secs, timed_out)
            })
        });
    drop(server);
    runtime.shutdown_timeout(Duration::from_secs(1));

    let log = state.log.lock().unwrap().clone();
    let requests = log.len();
    let failed = log.iter().filter(|d| !d.ok).count();
    let mut seen = HashSet::new();
    let accepted: Vec<&Received> = log
        .iter()
        .filter(|d| d.ok && seen.insert(d.id.clone()))
        .collect();
    let repeats = log.iter().filter(|d| d.ok).count() - accepted.len();
    // Order: per room, accepted in the order queued ("<room> 返信 k", k ascending), and
    // no attempt at a room's next reply before the previous one was accepted.
    let mut in_order = true;
    let mut last_k: HashMap<&str, i64> = HashMap::new();
    for d in &accepted {
        let k: i64 = d
            .text
            .rsplit(' ')
            .next()
            .and_then(|k| k.parse().ok())
            .unwrap_or(-1);
        if k != last_k.get(d.room.as_str()).copied().unwrap_or(-1) + 1 {
            in_order = false;
        }
        last_k.insert(&d.room, k);
    }
    let mut attempts_in_order = true;
    // Per room: the delivery being tried, and whether it has been accepted yet.
    let mut current: HashMap<&str, (&str, bool)> = HashMap::new();
    for d in &log {
        match current.get_mut(d.room.as_str()) {
            Some((id, accepted)) if *id == d.id => *accepted |= d.ok,
            previous => {
                if matches!(previous, Some((_, false))) {
                    attempts_in_order = false;
                }
                current.insert(&d.room, (&d.id, d.ok));
            }
        }
    }
    let all_delivered = !timed_out && accepted.len() == queued_at.len();
    let mut per_item: Vec<f64> = accepted
        .iter()
        .filter_map(|d| {
            queued_at
                .get(&d.text)
                .map(|q| (d.at.saturating_duration_since(*q)).as_secs_f64() * 1e3)
        })
        .collect();
    let item = summary_ms(&mut per_item);
    let rate = accepted.len() as f64 / delivered_secs;
    let text = format!(
        "outbox: {total} operator replies over {rooms} rooms, receiver failing {:.0} % (first_delay_ms {}, max_delay_secs {})\n\
         \x20 queued through the API in {queue_secs:.2} s; all delivered {all_delivered} after {delivered_secs:.2} s ({rate:.1} deliveries/s)\n\
         \x20 requests to the receiver {requests} ({failed} answered 500, {repeats} repeats of accepted deliveries)\n\
         \x20 queued -> accepted per reply: p50 {} ms, p99 {} ms, max {} ms\n\
         \x20 order per room kept: {in_order}; no attempt before the previous one was accepted: {attempts_in_order}\n{contention_text}",
        args.outbox_fail * 100.0,
        args.outbox_first_delay_ms,
        args.outbox_max_delay_secs,
        item["p50_ms"],
        item["p99_ms"],
        item["max_ms"],
    );
    let value = json!({
        "replies": total, "rooms": rooms, "fail_rate": args.outbox_fail,
        "first_delay_ms": args.outbox_first_delay_ms, "max_delay_secs": args.outbox_max_delay_secs,
        "queue_s": round(queue_secs, 3), "all_delivered": all_delivered, "delivered_s": round(delivered_secs, 3),
        "deliveries_per_s": round(rate, 1), "requests": requests, "answered_500": failed, "repeats": repeats,
        "queued_to_accepted": item, "order_kept": in_order, "attempts_in_order": attempts_in_order,
        "contention": contention,
    });
    (value, text)
}

// ---------------------------------------------------------------------------------------

fn main() {
    let args = parse_args();
    let work = work_dir(&args.bin, "madoguchi-webhook-bench-");
    println!(
        "madoguchi webhook bench: {} ({} cores, load average {})",
        args.bin.display(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        loadavg()
    );
    let texts = Arc::new(Texts::load());

    // 1 + 2. Webhook and ask, alternating, on one server with a fresh database.
    let server = spawn_server(
        &args,
        work.path(),
        &work.path().join("data"),
        "load",
        None,
        "",
    );
    let mut rounds = Vec::new();
    let per_phase = (args.warmup + args.duration) * args.rate;
    for round in 0..args.rounds {
        let phase = |endpoint: Endpoint| {
            let load = Load {
                endpoint,
                addr: server.addr,
                texts: texts.clone(),
                rooms: args.rooms,
            };
            // Message ids never repeat across rounds.
            let first = round as u64 * per_phase;
            let ((value, text), contention, contention_text) =
                with_contention(server.pid(), || load_test(&args, load, first));
            println!("round {}: {text}\n{contention_text}", round + 1);
            let mut value = value;
            value["contention"] = contention;
            value
        };
        let webhook = phase(Endpoint::Webhook);
        let ask = phase(Endpoint::Ask);
        rounds.push(json!({"webhook": webhook, "ask": ask}));
    }
    let stored: Option<(i64, i64)> = count_messages(&work.path().join("data"));
    drop(server);

    let pick = |endpoint: &str, field: &str| -> Vec<f64> {
        rounds
            .iter()
            .map(|r| r[endpoint]["latency"][field].as_f64().unwrap_or(f64::NAN))
            .collect()
    };
    let medians = |endpoint: &str| {
        json!({
            "p50_ms": round(median(&pick(endpoint, "p50_ms")), 3),
            "p99_ms": round(median(&pick(endpoint, "p99_ms")), 3),
            "p999_ms": round(median(&pick(endpoint, "p999_ms")), 3),
            "max_ms": round(median(&pick(endpoint, "max_ms")), 3),
            "errors": rounds.iter().map(|r| r[endpoint]["errors"].as_u64().unwrap_or(0)).sum::<u64>(),
            "achieved_rate": round(median(&rounds.iter().map(|r| r[endpoint]["achieved_rate"].as_f64().unwrap_or(f64::NAN)).collect::<Vec<_>>()), 1),
        })
    };
    let webhook = medians("webhook");
    let ask = medians("ask");
    let ratio = |field: &str| {
        round(
            webhook[field].as_f64().unwrap_or(f64::NAN) / ask[field].as_f64().unwrap_or(f64::NAN),
            2,
        )
    };
    let p99 = webhook["p99_ms"].as_f64().unwrap_or(f64::NAN);
    println!(
        "medians of {} rounds at {} msg/s: webhook p50 {} ms, p99 {} ms, p99.9 {} ms, max {} ms, errors {}; \
         ask p50 {} ms, p99 {} ms, p99.9 {} ms, max {} ms, errors {}; webhook/ask p50 {}x, p99 {}x",
        args.rounds,
        args.rate,
        webhook["p50_ms"],
        webhook["p99_ms"],
        webhook["p999_ms"],
        webhook["max_ms"],
        webhook["errors"],
        ask["p50_ms"],
        ask["p99_ms"],
        ask["p999_ms"],
        ask["max_ms"],
        ask["errors"],
        ratio("p50_ms"),
        ratio("p99_ms"),
    );
    println!(
        "target: webhook p99 <= {TARGET_P99_MS} ms at 500 msg/s: {}",
        if args.rate < 500 {
            "not judged (rate below 500)"
        } else if p99 <= TARGET_P99_MS {
            "PASS"
        } else {
            "FAIL"
        }
    );
    if let Some((inbound, outbound)) = stored {
        println!("stored after the load: {inbound} inbound and {outbound} outbound LoGoチャット messages");
    }

    // 3. The outbox.
    let (outbox, text) = if args.outbox_replies > 0 {
        let (value, text) = outbox_test(&args, work.path());
        (value, text)
    } else {
        (Value::Null, "outbox: skipped".to_owned())
    };
    println!("{text}");

    println!(
        "{}",
        json!({
            "bench": "webhook",
            "rate": args.rate, "duration_s": args.duration, "rounds": args.rounds, "rooms": args.rooms,
            "webhook": webhook, "ask": ask,
            "ratio_webhook_over_ask": {"p50": ratio("p50_ms"), "p99": ratio("p99_ms"), "p999": ratio("p999_ms")},
            "target_p99_ms": TARGET_P99_MS, "target_met": p99 <= TARGET_P99_MS,
            "stored": stored.map(|(i, o)| json!({"inbound": i, "outbound": o})),
            "per_round": rounds,
            "outbox": outbox,
        })
    );
}

/// Inbound and outbound LoGoチャット messages in the SQLite file of `data_dir`.
fn count_messages(data_dir: &Path) -> Option<(i64, i64)> {
    use sqlx::sqlite::SqliteConnectOptions;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async {
        let options = SqliteConnectOptions::new().filename(data_dir.join("madoguchi.db"));
        let mut conn = sqlx::ConnectOptions::connect(&options).await.ok()?;
        let count = |direction: &'static str| {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM messages WHERE channel = 'logochat' AND direction = ?",
            )
            .bind(direction)
        };
        let inbound = count("in").fetch_one(&mut conn).await.ok()?;
        let outbound = count("out").fetch_one(&mut conn).await.ok()?;
        Some((inbound, outbound))
    })
}

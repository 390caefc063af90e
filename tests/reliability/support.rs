//! What the reliability tests share: the real `madoguchi serve` process (started on port 0,
//! SIGKILLed on demand), a local receiver standing in for LoGoチャット's outgoing URL, the
//! HTTP calls, and direct reads of the SQLite file.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use madoguchi::domain::{Author, Direction, OutboxStatus};
use serde_json::{json, Value};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::SqlitePool;

/// The shared webhook token the servers are started with.
pub const TOKEN: &str = "reliability-webhook-token";
/// The operator API token the servers are started with.
pub const OPERATOR_TOKEN: &str = "reliability-operator-token";
/// How long `serve` may take to migrate, seed and index (a debug build on a busy machine).
pub const STARTUP_DEADLINE: Duration = Duration::from_secs(120);
/// How long one HTTP exchange may take before the test gives up on it.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings of the environment that must not leak into the spawned server.
const SCRUBBED_ENV: &[&str] = &[
    "MADOGUCHI_DATABASE_URL",
    "MADOGUCHI_LOGOCHAT_SIGNING_SECRET",
    "MADOGUCHI_LOGOCHAT_OUTGOING_URL",
    "MADOGUCHI_WIDGET_IDENTITY_HEADER",
];

/// Panics with `message` when `deadline` has passed; otherwise sleeps a little (for polls).
pub async fn poll_pause(deadline: Instant, message: impl FnOnce() -> String) {
    if Instant::now() > deadline {
        panic!("{}", message());
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
}

// ---------------------------------------------------------------------------------------
// The server process

/// How a server is started.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    /// `MADOGUCHI_LOGOCHAT_OUTGOING_URL`, if any.
    pub outgoing_url: Option<String>,
    /// The TOML settings file's text (an empty file when `None`, so that no stray
    /// `./madoguchi.toml` in the repository is picked up).
    pub config: Option<String>,
    /// `MADOGUCHI_DATABASE_URL` (a PostgreSQL database shared by several servers); the
    /// data folder's SQLite file when `None`.
    pub database_url: Option<String>,
}

/// A running `madoguchi serve`; SIGKILLed when dropped, so a failing test leaves nothing.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    stderr_log: PathBuf,
}

impl Server {
    /// Starts `madoguchi serve` on 127.0.0.1:0 with `data_dir`, the repository's knowledge
    /// base and prompts, the tokens above; waits for the `listening on` line. `tag` names
    /// the log files in `work`.
    pub async fn start(work: &Path, data_dir: &Path, tag: &str, options: &ServerOptions) -> Server {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let config = work.join(format!("{tag}.toml"));
        std::fs::write(&config, options.config.as_deref().unwrap_or("")).expect("write config");
        let stderr_log = work.join(format!("{tag}.stderr.log"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_madoguchi"));
        command
            .arg("--config")
            .arg(&config)
            .arg("serve")
            .current_dir(repo)
            .env("MADOGUCHI_LISTEN", "127.0.0.1:0")
            .env("MADOGUCHI_DATA_DIR", data_dir)
            .env("MADOGUCHI_KB_DIR", repo.join("knowledge-base"))
            .env("MADOGUCHI_PROMPTS_DIR", repo.join("prompts"))
            .env("MADOGUCHI_LOGOCHAT_TOKEN", TOKEN)
            .env("MADOGUCHI_OPERATOR_TOKEN", OPERATOR_TOKEN)
            // Lexical only: a fresh data folder would encode the whole knowledge base
            // first; these tests are about processes, not answers.
            .env("MADOGUCHI_SEMANTIC_MODEL", "off")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr_log).expect("stderr log"));
        for name in SCRUBBED_ENV {
            command.env_remove(name);
        }
        if let Some(url) = &options.outgoing_url {
            command.env("MADOGUCHI_LOGOCHAT_OUTGOING_URL", url);
        }
        if let Some(url) = &options.database_url {
            command.env("MADOGUCHI_DATABASE_URL", url);
        }
        let mut child = command.spawn().expect("spawn madoguchi serve");
        // stdout is read on a thread (to the end, so the server never blocks on it); the
        // first `listening on` line gives the port.
        let (lines_tx, lines_rx) = mpsc::channel::<String>();
        let out = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = lines_tx.send(line);
            }
        });
        let found = tokio::task::spawn_blocking(move || {
            let deadline = Instant::now() + STARTUP_DEADLINE;
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                match lines_rx.recv_timeout(left) {
                    Ok(line) => {
                        if let Some(url) = line.strip_prefix("madoguchi: listening on http://") {
                            return Ok(url.trim().parse::<SocketAddr>().expect("an address"));
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
        })
        .await
        .expect("the startup wait");
        let mut server = Server {
            child,
            addr: ([127, 0, 0, 1], 0).into(),
            stderr_log,
        };
        match found {
            Ok(addr) => {
                server.addr = addr;
                server
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!(
                    "no `listening on` line within {STARTUP_DEADLINE:?}\n{}",
                    server.log()
                )
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = server.child.wait().expect("wait for madoguchi");
                panic!(
                    "madoguchi serve exited ({status}) before listening\n{}",
                    server.log()
                )
            }
        }
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// SIGKILL (`Child::kill` on Unix), and reap it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The server's stderr so far, for failure messages.
    pub fn log(&self) -> String {
        let log = std::fs::read_to_string(&self.stderr_log).unwrap_or_default();
        format!(
            "stderr of madoguchi serve ({}):\n{log}",
            self.stderr_log.display()
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

// ---------------------------------------------------------------------------------------
// HTTP calls

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("an HTTP client")
}

/// One LoGoチャット message, as the platform would send it.
#[derive(Debug, Clone)]
pub struct Message {
    pub message_id: String,
    pub room_id: String,
    pub user_id: String,
    pub user_name: String,
    pub text: String,
}

impl Message {
    pub fn new(message_id: &str, room_id: &str, user_id: &str, text: &str) -> Message {
        Message {
            message_id: message_id.into(),
            room_id: room_id.into(),
            user_id: user_id.into(),
            user_name: format!("職員 {user_id}"),
            text: text.into(),
        }
    }

    fn body(&self) -> Value {
        json!({
            "message_id": self.message_id,
            "room_id": self.room_id,
            "user_id": self.user_id,
            "user_name": self.user_name,
            "text": self.text,
        })
    }
}

/// POSTs `message` to the webhook; the status and the JSON body (`Null` if not JSON).
pub async fn webhook(
    client: &reqwest::Client,
    base: &str,
    message: &Message,
) -> Result<(u16, Value), reqwest::Error> {
    let response = client
        .post(format!("{base}/integrations/logochat/webhook"))
        .header("X-Madoguchi-Token", TOKEN)
        .json(&message.body())
        .send()
        .await?;
    let status = response.status().as_u16();
    let text = response.text().await?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// An operator API call (`GET` when `body` is `None`); the status and the JSON body.
pub async fn operator(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let url = format!("{base}{path}");
    let request = match body {
        Some(body) => client.post(&url).json(&body),
        None => client.get(&url),
    };
    let response = request
        .bearer_auth(OPERATOR_TOKEN)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Opens a ticket for `room`/`user` by sending 「担当者」; returns its number (受付番号 #N).
pub async fn open_ticket(
    client: &reqwest::Client,
    base: &str,
    message_id: &str,
    room: &str,
    user: &str,
) -> i64 {
    let message = Message::new(message_id, room, user, "担当者");
    let (status, body) = webhook(client, base, &message)
        .await
        .unwrap_or_else(|e| panic!("webhook 担当者 in {room}: {e}"));
    assert_eq!(status, 200, "{body}");
    let text = body["text"].as_str().unwrap_or_default();
    ticket_number(text).unwrap_or_else(|| panic!("no 受付番号 #N in the reply: {text:?}"))
}

/// The N of 「#N」 in a reply.
pub fn ticket_number(text: &str) -> Option<i64> {
    let after = &text[text.find('#')? + 1..];
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
pub fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().unwrap().port()
}

// ---------------------------------------------------------------------------------------
// The receiver: the outgoing URL's other end

/// What the receiver answers.
#[derive(Debug, Clone, Copy)]
pub enum Mode {
    /// 200 to everything.
    Accept,
    /// 500 to about half of the requests, decided by a seeded xorshift generator.
    Flaky { seed: u64 },
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// `X-Madoguchi-Delivery` ("" when missing).
    pub id: String,
    /// `X-Madoguchi-Token`, if sent.
    pub token: Option<String>,
    pub body: String,
    /// The status the receiver answered with.
    pub answered: u16,
}

impl Delivery {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

struct ReceiverState {
    log: Mutex<Vec<Delivery>>,
    rng: Mutex<u64>,
    mode: Mode,
}

/// An axum server on 127.0.0.1:0 in the test process that records every delivery.
pub struct Receiver {
    state: Arc<ReceiverState>,
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start(mode: Mode) -> Receiver {
        let seed = match mode {
            Mode::Flaky { seed } => seed.max(1),
            Mode::Accept => 1,
        };
        let state = Arc::new(ReceiverState {
            log: Mutex::new(Vec::new()),
            rng: Mutex::new(seed),
            mode,
        });
        let app = axum::Router::new()
            .route("/logochat/outgoing", axum::routing::post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            state,
            url: format!("http://{addr}/logochat/outgoing"),
            task,
        }
    }

    /// Every request so far, in arrival order.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.state.log.lock().unwrap().clone()
    }

    /// The accepted (2xx) deliveries, the first of each `X-Madoguchi-Delivery` only.
    pub fn accepted_unique(&self) -> Vec<Delivery> {
        let mut seen = std::collections::HashSet::new();
        self.deliveries()
            .into_iter()
            .filter(|d| d.answered == 200 && seen.insert(d.id.clone()))
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let status = match state.mode {
        Mode::Accept => StatusCode::OK,
        Mode::Flaky { .. } => {
            let mut x = state.rng.lock().unwrap();
            *x ^= *x << 13;
            *x ^= *x >> 7;
            *x ^= *x << 17;
            if *x % 2 == 0 {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::OK
            }
        }
    };
    state.log.lock().unwrap().push(Delivery {
        id: header("x-madoguchi-delivery").unwrap_or_default(),
        token: header("x-madoguchi-token"),
        body: String::from_utf8_lossy(&body).into_owned(),
        answered: status.as_u16(),
    });
    status
}

// ---------------------------------------------------------------------------------------
// The database, read directly

/// The server's SQLite file in `data_dir` (read-write, so that a WAL left by a SIGKILL is
/// recovered); close it before the server is started again.
pub async fn open_db(data_dir: &Path) -> SqlitePool {
    let options = SqliteConnectOptions::new()
        .filename(data_dir.join("madoguchi.db"))
        .create_if_missing(false)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(10));
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .expect("open the server's SQLite file")
}

/// One stored message (the columns the tests look at).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Row {
    pub id: i64,
    pub channel_message_id: Option<String>,
    #[sqlx(try_from = "String")]
    pub direction: Direction,
    #[sqlx(try_from = "String")]
    pub author: Author,
    pub text: String,
    pub reply_to: Option<i64>,
    pub created_at: String,
}

/// What a run left in the database: the rows each turn writes at most once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub messages: i64,
    pub questions: i64,
    pub feedback: i64,
    pub tickets: i64,
}

pub async fn counts(db: &SqlitePool) -> Counts {
    let count = |table: &'static str| async move {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        sqlx::query_scalar::<_, i64>(&sql)
            .fetch_one(db)
            .await
            .expect("count rows")
    };
    Counts {
        messages: count("messages").await,
        questions: count("questions").await,
        feedback: count("feedback").await,
        tickets: count("tickets").await,
    }
}

/// Every LoGoチャット message, oldest first.
pub async fn messages(db: &SqlitePool) -> Vec<Row> {
    sqlx::query_as(
        "SELECT id, channel_message_id, direction, author, text, reply_to, \
         CAST(created_at AS TEXT) AS created_at FROM messages WHERE channel = 'logochat' ORDER BY id",
    )
    .fetch_all(db)
    .await
    .expect("read messages")
}

/// Inbound messages by channel message id.
pub fn inbound_by_message_id(rows: &[Row]) -> HashMap<String, Row> {
    rows.iter()
        .filter(|r| r.direction == Direction::In)
        .filter_map(|r| Some((r.channel_message_id.clone()?, r.clone())))
        .collect()
}

/// The replies to each inbound message id, oldest first.
pub fn replies_by_inbound(rows: &[Row]) -> HashMap<i64, Vec<Row>> {
    let mut replies: HashMap<i64, Vec<Row>> = HashMap::new();
    for row in rows.iter().filter(|r| r.direction == Direction::Out) {
        if let Some(to) = row.reply_to {
            replies.entry(to).or_default().push(row.clone());
        }
    }
    replies
}

/// One outbox row (the columns the tests look at).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub room: String,
    pub payload: String,
    #[sqlx(try_from = "String")]
    pub status: OutboxStatus,
    pub attempts: i64,
}

pub async fn outbox(db: &SqlitePool) -> Vec<OutboxRow> {
    sqlx::query_as("SELECT id, room, payload, status, attempts FROM outbox ORDER BY id")
        .fetch_all(db)
        .await
        .expect("read the outbox")
}

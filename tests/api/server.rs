//! The server's accept loop on a real socket (`server::run` on 127.0.0.1:0, in this
//! process): clients that send half a request are disconnected, connections are capped,
//! the peer's address reaches handlers, and shutdown waits for nothing idle.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use madoguchi::config::Settings;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Starting includes migrating a new database and building the index (a debug build on a
/// busy machine); every other wait here is much shorter.
const READY_DEADLINE: Duration = Duration::from_secs(60);
const DEADLINE: Duration = Duration::from_secs(10);

struct Server {
    address: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
    _dir: TempDir,
}

async fn start(adjust: impl FnOnce(&mut Settings)) -> Server {
    let dir = TempDir::new().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let mut settings = Settings {
        data_dir: dir.path().to_path_buf(),
        kb_dir: format!("{root}/knowledge-base").into(),
        prompts_dir: format!("{root}/prompts").into(),
        // Lexical only: semantic retrieval has its own tests (tests/api/semantic.rs,
        // tests/engine.rs); a fresh database would encode the whole knowledge base first.
        semantic: madoguchi::config::SemanticSettings {
            model: Default::default(),
            query_adapter: String::new(),
        },
        ..Settings::default()
    };
    adjust(&mut settings);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(madoguchi::server::run(settings, listener, async {
        let _ = stopped.await;
    }));
    // Requests wait in the listen backlog until the helpdesk is open: the first answer
    // says it is ready.
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(&get("/healthz", "close")).await.unwrap();
    let answer = read_until_closed(&mut stream, READY_DEADLINE).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    Server {
        address,
        stop,
        task,
        _dir: dir,
    }
}

fn get(path: &str, connection: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: {connection}\r\n\r\n").into_bytes()
}

/// Everything the server sends until it closes the connection; panics when it is still
/// open after `deadline`.
async fn read_until_closed(stream: &mut TcpStream, deadline: Duration) -> String {
    let mut answer = Vec::new();
    match tokio::time::timeout(deadline, stream.read_to_end(&mut answer)).await {
        Ok(_) => String::from_utf8_lossy(&answer).into_owned(),
        Err(_) => panic!(
            "still open after {deadline:?}; received {:?}",
            String::from_utf8_lossy(&answer)
        ),
    }
}

/// One whole response (headers and `Content-Length` bytes), or `None` when nothing at all
/// arrives within `wait`.
async fn read_response(stream: &mut TcpStream, wait: Duration) -> Option<String> {
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    let complete = |answer: &[u8]| {
        let text = String::from_utf8_lossy(answer);
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            return false;
        };
        let length = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse::<usize>().unwrap())
            })
            .unwrap_or(0);
        body.len() >= length
    };
    let started = Instant::now();
    while !complete(&answer) {
        let left = wait.saturating_sub(started.elapsed());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(0)) => panic!("closed mid-answer: {:?}", String::from_utf8_lossy(&answer)),
            Ok(Ok(n)) => answer.extend_from_slice(&buffer[..n]),
            Ok(Err(e)) => panic!("read failed: {e}"),
            Err(_) if answer.is_empty() => return None,
            Err(_) => panic!("incomplete answer: {:?}", String::from_utf8_lossy(&answer)),
        }
    }
    Some(String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test]
async fn a_client_that_sends_half_its_headers_or_nothing_is_disconnected_after_the_header_timeout()
{
    let server = start(|s| s.server.header_timeout_secs = 1).await;

    let started = Instant::now();
    let mut half = TcpStream::connect(server.address).await.unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\n")
        .await
        .unwrap();
    let mut silent = TcpStream::connect(server.address).await.unwrap();
    let answer = read_until_closed(&mut half, DEADLINE).await;
    assert!(!answer.contains("200 OK"), "{answer}");
    read_until_closed(&mut silent, DEADLINE).await;
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "not before the timeout"
    );

    // A kept-alive connection that sends no next request goes the same way.
    let mut kept = TcpStream::connect(server.address).await.unwrap();
    kept.write_all(&get("/healthz", "keep-alive"))
        .await
        .unwrap();
    let first = read_response(&mut kept, DEADLINE).await.expect("an answer");
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    assert_eq!(read_until_closed(&mut kept, DEADLINE).await, "");
}

#[tokio::test]
async fn a_body_that_stops_halfway_gets_408_and_the_connection_is_closed() {
    let server = start(|s| s.server.body_timeout_secs = 1).await;
    let mut stream = TcpStream::connect(server.address).await.unwrap();
    stream
        .write_all(
            b"POST /api/v1/ask HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{\"text\": \"",
        )
        .await
        .unwrap();
    let answer = read_response(&mut stream, DEADLINE)
        .await
        .expect("an answer before the deadline");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":\"request_timeout\""), "{answer}");
    read_until_closed(&mut stream, DEADLINE).await;
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_one_closes() {
    let server = start(|s| s.server.max_connections = 2).await;
    let first = TcpStream::connect(server.address).await.unwrap();
    let _second = TcpStream::connect(server.address).await.unwrap();
    let mut third = TcpStream::connect(server.address).await.unwrap();
    third.write_all(&get("/healthz", "close")).await.unwrap();

    let early = read_response(&mut third, Duration::from_secs(1)).await;
    assert_eq!(early, None, "served a third connection at once");
    drop(first);
    let answer = read_response(&mut third, DEADLINE)
        .await
        .expect("served once a connection closed");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn handlers_see_the_peer_address_and_shutdown_does_not_wait_for_idle_connections() {
    let server = start(|s| {
        s.widget.address_messages_per_minute = 1;
        s.widget.conversation_messages_per_minute = 0;
    })
    .await;
    let chat = |id: &str| {
        let body = format!("{{\"message_id\": \"{id}\", \"text\": \"こんにちは\"}}");
        format!(
            "POST /api/v1/chat HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    };
    let mut kept = TcpStream::connect(server.address).await.unwrap();
    kept.write_all(&chat("a")).await.unwrap();
    let first = read_response(&mut kept, DEADLINE).await.expect("an answer");
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    // From the same address on another connection: the address's minute is used up.
    let mut other = TcpStream::connect(server.address).await.unwrap();
    other.write_all(&chat("b")).await.unwrap();
    let second = read_response(&mut other, DEADLINE)
        .await
        .expect("an answer");
    assert!(second.starts_with("HTTP/1.1 429"), "{second}");

    // `kept` is idle on a kept-alive connection (its header timeout is 10 s).
    let started = Instant::now();
    server.stop.send(()).unwrap();
    tokio::time::timeout(DEADLINE, server.task)
        .await
        .expect("stopped")
        .unwrap()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "waited for an idle connection"
    );
    assert_eq!(read_until_closed(&mut kept, DEADLINE).await, "");
    assert!(
        TcpStream::connect(server.address).await.is_err(),
        "still listening"
    );
}

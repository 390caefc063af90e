//! A real SMTP server on a local port for the notification tests: mailin's SMTP protocol
//! engine (the one inside mailin-embedded, which cannot be built without its own TLS
//! stack) behind a tokio listener. It keeps what it receives: envelope and raw message.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use mailin::{response, Action, Handler, Response, SessionBuilder};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One message as the server received it.
#[derive(Debug, Clone, Default)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub raw: Vec<u8>,
}

/// A running server; it stops when dropped.
pub struct SmtpServer {
    pub addr: SocketAddr,
    pub mailbox: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpServer {
    /// A server on a free port.
    pub async fn start() -> Self {
        Self::on(TcpListener::bind("127.0.0.1:0").await.unwrap())
    }

    /// A server on `port` (one that was free: the "mail server comes back" test).
    pub async fn start_on(port: u16) -> Self {
        Self::on(TcpListener::bind(("127.0.0.1", port)).await.unwrap())
    }

    fn on(listener: TcpListener) -> Self {
        let addr = listener.local_addr().unwrap();
        let mailbox = Arc::new(Mutex::new(Vec::new()));
        let keep = mailbox.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, peer)) = listener.accept().await {
                let handler = Collect {
                    current: Received::default(),
                    mailbox: keep.clone(),
                };
                tokio::spawn(session(stream, peer.ip(), handler));
            }
        });
        Self {
            addr,
            mailbox,
            task,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.mailbox.lock().unwrap().clone()
    }
}

/// One SMTP session: mailin decides every reply; this only moves lines.
async fn session(stream: TcpStream, peer: IpAddr, handler: Collect) -> io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut session = SessionBuilder::new("smtp.test.local").build(peer, handler);
    write.write_all(&session.greeting().buffer()?).await?;
    let mut line = Vec::new();
    loop {
        line.clear();
        if read.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let reply = session.process(&line);
        match reply.action {
            Action::Reply => write.write_all(&reply.buffer()?).await?,
            Action::Close | Action::UpgradeTls => {
                write.write_all(&reply.buffer()?).await?;
                return Ok(());
            }
            Action::NoReply => {}
        }
    }
}

struct Collect {
    current: Received,
    mailbox: Arc<Mutex<Vec<Received>>>,
}

impl Handler for Collect {
    /// A recipient whose mailbox starts with `unknown` does not exist: refused for good,
    /// naming the address, as Postfix does.
    fn rcpt(&mut self, to: &str) -> Response {
        if to.trim_start_matches('<').starts_with("unknown") {
            Response::custom(
                550,
                format!("5.1.1 {to}: Recipient address rejected: User unknown"),
            )
        } else {
            response::OK
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Received {
            from: from.to_owned(),
            to: to.to_vec(),
            raw: Vec::new(),
        };
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        self.current.raw.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let message = std::mem::take(&mut self.current);
        self.mailbox.lock().unwrap().push(message);
        response::OK
    }
}

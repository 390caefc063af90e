//! Running the HTTP server on a listener the caller bound (tests bind 127.0.0.1:0).
//!
//! The accept loop is the server's own (hyper's HTTP/1 connection builder) rather than
//! `axum::serve`, which has no timeouts: a client gets `[server] header_timeout_secs` to
//! send a request's headers (and to start the next request on a kept-alive connection)
//! and `body_timeout_secs` to send its body, and at most `max_connections` connections are
//! served at once (more wait in the listen backlog). Handlers see the peer's address as
//! `ConnectInfo<SocketAddr>`, as with `axum::serve`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::config::{ConfigError, Settings};
use crate::helpdesk::Helpdesk;
use crate::http::deadline::DeadlineBody;

/// What the server grants one connection: it is closed when a request's headers (or, on
/// a kept-alive connection, the next request) do not arrive within `header_timeout_secs`;
/// a request whose body has not arrived within `body_timeout_secs` of its headers gets
/// 408 (uploads too: a 5 MB FAQ import needs about 1.4 Mbit/s at the default). At most
/// `max_connections` are served at once; more wait to be accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub header_timeout_secs: u64,
    pub body_timeout_secs: u64,
    pub max_connections: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            header_timeout_secs: 10,
            body_timeout_secs: 30,
            max_connections: 1024,
        }
    }
}

impl ServerSettings {
    /// Reads `MADOGUCHI_SERVER_HEADER_TIMEOUT_SECS`, `MADOGUCHI_SERVER_BODY_TIMEOUT_SECS`
    /// and `MADOGUCHI_SERVER_MAX_CONNECTIONS`, then checks that none is 0.
    pub(crate) fn apply_env(
        &mut self,
        env: &impl Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        fn number<T: std::str::FromStr>(
            env: &impl Fn(&str) -> Option<String>,
            name: &'static str,
            setting: &mut T,
        ) -> Result<(), ConfigError> {
            if let Some(v) = env(name).filter(|v| !v.is_empty()) {
                *setting = v
                    .parse()
                    .map_err(|_| ConfigError::Env(name, format!("not a whole number: {v:?}")))?;
            }
            Ok(())
        }
        number(
            env,
            "MADOGUCHI_SERVER_HEADER_TIMEOUT_SECS",
            &mut self.header_timeout_secs,
        )?;
        number(
            env,
            "MADOGUCHI_SERVER_BODY_TIMEOUT_SECS",
            &mut self.body_timeout_secs,
        )?;
        number(
            env,
            "MADOGUCHI_SERVER_MAX_CONNECTIONS",
            &mut self.max_connections,
        )?;
        for (name, value) in [
            ("[server] header_timeout_secs", self.header_timeout_secs),
            ("[server] body_timeout_secs", self.body_timeout_secs),
            ("[server] max_connections", self.max_connections as u64),
        ] {
            if value == 0 {
                return Err(ConfigError::Setting(name, "must be at least 1".into()));
            }
        }
        Ok(())
    }
}

/// Opens the helpdesk and serves HTTP on `listener` until `shutdown` completes.
/// `/healthz` answers only once the database is migrated and the index built, because
/// requests are accepted only after `Helpdesk::open` returns.
pub async fn run(
    settings: Settings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let limits = settings.server;
    let helpdesk = Arc::new(Helpdesk::open(settings).await?);
    let address = listener.local_addr()?;
    // A plain line on stdout, so that scripts and tests that bind port 0 learn the port.
    println!("madoguchi: listening on http://{address}");
    tracing::info!(%address, faqs = helpdesk.engine.entry_count(), backend = helpdesk.store.backend_name(), "madoguchi is serving");
    // The outbox worker delivers what is queued, from earlier runs too, and stops with
    // the server.
    let (stop_outbox, outbox_stopped) = tokio::sync::oneshot::channel::<()>();
    let outbox = tokio::spawn(crate::outbox::run(helpdesk.clone(), async move {
        let _ = outbox_stopped.await;
    }));
    serve(listener, crate::http::app(helpdesk), limits, shutdown).await;
    let _ = stop_outbox.send(());
    outbox.await?;
    Ok(())
}

/// Serves `app` until `shutdown` completes, then stops accepting and waits for the
/// requests in progress (idle connections are closed at once).
async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServerSettings,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let body_timeout = Duration::from_secs(limits.body_timeout_secs);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(limits.header_timeout_secs));
    let connections = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let mut request = request.map(|body| DeadlineBody::new(body, body_timeout));
            // The peer's address reaches handlers (sign-in throttling and the widget's
            // rate limit count per address).
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request)
        });
        let connection = connections.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, error = %e, "connection closed with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    connections.shutdown().await;
}

/// A connection the client gave up on before it was accepted is nothing; anything else
/// (out of file descriptors) is logged, and accepting pauses briefly so as not to spin.
async fn accept_failed(error: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "accept failed");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_limits_come_from_the_file_or_the_environment_and_are_never_0() {
        let s = Settings::load(None, |_| None).unwrap();
        assert_eq!(
            (
                s.server.header_timeout_secs,
                s.server.body_timeout_secs,
                s.server.max_connections
            ),
            (10, 30, 1024)
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("m.toml");
        std::fs::write(
            &file,
            "[server]\nheader_timeout_secs = 5\nmax_connections = 64\n",
        )
        .unwrap();
        let s = Settings::load(Some(&file), |k| {
            (k == "MADOGUCHI_SERVER_BODY_TIMEOUT_SECS").then(|| "120".into())
        })
        .unwrap();
        assert_eq!(
            (
                s.server.header_timeout_secs,
                s.server.body_timeout_secs,
                s.server.max_connections
            ),
            (5, 120, 64)
        );
        let err = Settings::load(None, |k| {
            (k == "MADOGUCHI_SERVER_MAX_CONNECTIONS").then(|| "0".into())
        })
        .unwrap_err();
        assert!(err.to_string().contains("max_connections"), "{err}");
        let err = Settings::load(None, |k| {
            (k == "MADOGUCHI_SERVER_HEADER_TIMEOUT_SECS").then(|| "soon".into())
        })
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("MADOGUCHI_SERVER_HEADER_TIMEOUT_SECS"),
            "{err}"
        );
    }
}

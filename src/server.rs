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
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::config::{ServerSettings, Settings};
use crate::helpdesk::Helpdesk;
use crate::http::deadline::DeadlineBody;

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
    tracing::info!(%address, faqs = helpdesk.knowledge().entry_count(), backend = helpdesk.store().backend_name(), "madoguchi is serving");
    // The outbox worker delivers what is queued, from earlier runs too, and the watcher
    // rebuilds the index when another instance changes the knowledge base; both stop
    // with the server.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let until_stopped = move || {
        let mut stopped = stopped.clone();
        async move {
            let _ = stopped.wait_for(|s| *s).await;
        }
    };
    let outbox = tokio::spawn(helpdesk.outbox().clone().run(until_stopped()));
    let watcher = tokio::spawn(helpdesk.knowledge().clone().watch(until_stopped()));
    let reminders = tokio::spawn(helpdesk.loans().clone().run_reminders(until_stopped()));
    // The print runs' reminders, monthly selftest, purges cut short and of expired files.
    let batch_duties = helpdesk
        .print_runs()
        .ok()
        .map(|runs| tokio::spawn(runs.clone().run_duties(until_stopped())));
    serve(listener, crate::http::app(helpdesk), limits, shutdown).await;
    let _ = stop.send(true);
    outbox.await?;
    watcher.await?;
    reminders.await?;
    if let Some(duties) = batch_duties {
        duties.await?;
    }
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

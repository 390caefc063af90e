//! Running the HTTP server on a listener the caller bound (tests bind 127.0.0.1:0).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::config::Settings;
use crate::helpdesk::Helpdesk;

/// Opens the helpdesk and serves HTTP on `listener` until `shutdown` completes.
/// `/healthz` answers only once the database is migrated and the index built, because
/// requests are accepted only after `Helpdesk::open` returns.
pub async fn run(
    settings: Settings,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
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
    // The peer's address reaches handlers (sign-in throttling counts failures per address).
    let app = crate::http::app(helpdesk).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    let _ = stop.send(true);
    outbox.await?;
    watcher.await?;
    Ok(())
}

//! The real application on a loopback socket, for the browser to talk to.

use std::sync::Arc;

use madoguchi::config::Settings;
use madoguchi::helpdesk::Helpdesk;
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// One helpdesk (fresh SQLite database, the repository's knowledge base) serving
/// `madoguchi::http::app` on 127.0.0.1 at a port the system picked.
pub struct TestServer {
    pub base: String,
    pub helpdesk: Arc<Helpdesk>,
    task: JoinHandle<()>,
    // Kept for the life of the test; the database goes with it.
    _data_dir: TempDir,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}, None).await
    }

    /// [`TestServer::start`] with settings adjusted and, when given, a fixed clock.
    pub async fn start_with(
        adjust: impl FnOnce(&mut Settings),
        clock: Option<Arc<dyn madoguchi::clock::Clock>>,
    ) -> TestServer {
        let data_dir = TempDir::new().expect("temporary data folder");
        let mut settings = Settings {
            data_dir: data_dir.path().to_path_buf(),
            kb_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge-base").into(),
            // Lexical only: semantic retrieval has its own tests (tests/api/semantic.rs,
            // tests/engine.rs); a fresh database would encode the whole knowledge base first.
            semantic: madoguchi::config::SemanticSettings {
                model: Default::default(),
                query_adapter: String::new(),
            },
            ..Settings::default()
        };
        adjust(&mut settings);
        let helpdesk = match clock {
            Some(clock) => Helpdesk::open_with_clock(settings, clock).await,
            None => Helpdesk::open(settings).await,
        };
        let helpdesk = Arc::new(helpdesk.expect("open the helpdesk"));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("local address"));
        let app = madoguchi::http::app(helpdesk.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        TestServer {
            base,
            helpdesk,
            task,
            _data_dir: data_dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

//! A helpdesk per test, on SQLite in a temporary folder or on a given database.

use madoguchi::config::Settings;
use madoguchi::helpdesk::Helpdesk;
use tempfile::TempDir;

pub struct Desk {
    pub helpdesk: Helpdesk,
    pub settings: Settings,
    _dir: TempDir,
}

impl Desk {
    /// The same database and knowledge base opened again, as after a restart.
    pub async fn restart(&self) -> Helpdesk {
        Helpdesk::open(self.settings.clone())
            .await
            .expect("reopen the helpdesk")
    }

    /// How many audit-log lines record `action`.
    /// How many lines of `action` the audit log holds, the first start's import of the
    /// bundled knowledge base (by `seed`) aside.
    pub async fn audited(&self, action: &str) -> usize {
        let log = self.helpdesk.store().audit_log(1000).await.unwrap();
        log.iter()
            .filter(|a| a.action == action && a.actor != "seed")
            .count()
    }
}

/// A helpdesk on the bundled knowledge base; `database_url` None means SQLite in the
/// test's own folder.
pub async fn desk_on(database_url: Option<String>) -> Desk {
    let dir = TempDir::new().expect("temporary data folder");
    let root = env!("CARGO_MANIFEST_DIR");
    let settings = Settings {
        data_dir: dir.path().to_path_buf(),
        database_url,
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
    let helpdesk = Helpdesk::open(settings.clone())
        .await
        .expect("open the helpdesk");
    Desk {
        helpdesk,
        settings,
        _dir: dir,
    }
}

pub async fn desk() -> Desk {
    desk_on(None).await
}

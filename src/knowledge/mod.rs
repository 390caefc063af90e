//! The knowledge base as a service: the live entries the engine answers from, and
//! everything that changes them (console edits, imports, restores, accepted proposals,
//! the synonym dictionary) or looks into them (exports, history, the test box).
//!
//! Each change is one transaction with its audit row, and bumps the knowledge base's
//! generation; this instance then rebuilds its index at once, and every other instance
//! sharing the database within a poll ([`KnowledgeBase::watch`]).

mod editing;
mod learned;
mod maintenance;
mod statistics;
mod synonyms;
mod test_box;
mod vectors;

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub use self::editing::{
    entry_problems, may_edit, may_publish, may_save, EditError, EditRefusal, FaqListing, FaqSearch,
    SavedEntry, RESERVED_IDS,
};
pub use self::learned::LearnedExportError;
pub use self::maintenance::{EntryProblem, ExportFile, ExportFormat, MaintenanceError};
pub use self::statistics::EntryStatistics;
pub use self::synonyms::{
    parse_checked, parse_input, synonyms_at_start, InvalidSynonyms, SynonymSource, SynonymsInUse,
};
pub use self::test_box::Explanation;
pub use self::vectors::entry_vectors;

use crate::engine::AnswerEngine;
use crate::kb::FaqEntry;
use crate::storage::{generations, StorageError, Store};

/// How often an instance looks whether another one changed the knowledge base.
pub const WATCH_EVERY: Duration = Duration::from_millis(250);

/// The knowledge-base service.
pub struct KnowledgeBase {
    store: Store,
    engine: Arc<AnswerEngine>,
    /// Where the seed files and the synonyms file are.
    kb_dir: PathBuf,
    /// The generation the engine's index was built from.
    loaded: AtomicI64,
    /// One rebuild at a time.
    reloading: tokio::sync::Mutex<()>,
}

impl KnowledgeBase {
    pub fn new(store: Store, engine: Arc<AnswerEngine>, kb_dir: PathBuf, loaded: i64) -> Self {
        Self {
            store,
            engine,
            kb_dir,
            loaded: AtomicI64::new(loaded),
            reloading: tokio::sync::Mutex::new(()),
        }
    }

    /// The engine answering from these entries.
    pub fn engine(&self) -> &Arc<AnswerEngine> {
        &self.engine
    }

    /// Number of published entries the bot answers from.
    pub fn entry_count(&self) -> usize {
        self.engine.entry_count()
    }

    /// A published entry by id.
    pub fn published_entry(&self, id: &str) -> Option<FaqEntry> {
        self.engine.entry(id)
    }

    /// Every stored entry, published or not.
    pub async fn entries(&self) -> Result<Vec<FaqEntry>, StorageError> {
        self.store.list_faqs().await
    }

    /// A stored entry, published or not.
    pub async fn entry(&self, id: &str) -> Result<Option<FaqEntry>, StorageError> {
        self.store.get_faq(id).await
    }

    /// Rebuilds the index (and the analyser, with the synonym dictionary in use) from the
    /// stored entries: after a change here, or when another instance changed them.
    pub async fn reload(&self) -> anyhow::Result<()> {
        let _turn = self.reloading.lock().await;
        // The generation is read first: a change committed while the entries are read is
        // seen again by the next look.
        let generation =
            generations::get(&mut self.store.conn(), generations::KNOWLEDGE_BASE).await?;
        let entries = self.store.list_faqs().await?;
        let synonyms = synonyms::synonyms_at_start(&self.store, &self.kb_dir).await?;
        let vectors = match self.engine.semantic() {
            Some(semantic) => Some(entry_vectors(&self.store, semantic, &entries).await?),
            None => None,
        };
        let engine = self.engine.clone();
        tokio::task::spawn_blocking(move || {
            engine.reload_with(Some(synonyms), &entries, vectors.as_ref())
        })
        .await??;
        self.loaded.store(generation, Ordering::SeqCst);
        Ok(())
    }

    /// Rebuilds the index whenever the stored generation moves (another instance saved
    /// an entry or the synonyms), until `shutdown` resolves.
    pub async fn watch(self: Arc<Self>, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut tick = tokio::time::interval(WATCH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tick.tick() => {}
            }
            let stored =
                match generations::get(&mut self.store.conn(), generations::KNOWLEDGE_BASE).await {
                    Ok(g) => g,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot read the knowledge base's generation");
                        continue;
                    }
                };
            if stored != self.loaded.load(Ordering::SeqCst) {
                match self.reload().await {
                    Ok(()) => tracing::info!(generation = stored, "knowledge base reloaded"),
                    Err(e) => tracing::error!(error = %e, "knowledge base reload failed"),
                }
            }
        }
    }
}

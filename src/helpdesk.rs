//! The running helpdesk: storage, the knowledge base and the answer engine together.
//! Channels (HTTP API, CLI, later LoGoチャット and the widget) talk to this, never to the
//! parts directly.

use std::sync::Arc;

use crate::calendar::BusinessCalendar;
use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::conversation::TurnLocks;
use crate::engine::{AnswerEngine, Outcome};
use crate::kb::{files, FaqEntry};
use crate::lexicon;
use crate::prompts::Prompts;
use crate::storage::{ImportReport, NewQuestion, Store};

/// Meta key set once the bundled knowledge base has been imported.
const SEEDED: &str = "kb_seeded_at";

/// An answered question: the engine's verdict and, when it answers, the entry.
#[derive(Debug, Clone)]
pub struct Answered {
    pub outcome: Outcome,
    pub entry: Option<FaqEntry>,
    pub question_id: i64,
}

pub struct Helpdesk {
    pub settings: Settings,
    pub store: Store,
    pub engine: Arc<AnswerEngine>,
    pub calendar: BusinessCalendar,
    pub clock: Arc<dyn Clock>,
    pub prompts: Prompts,
    pub(crate) turns: TurnLocks,
    /// Notified when something is queued in the outbox.
    pub outbox_wakeup: Arc<tokio::sync::Notify>,
}

impl Helpdesk {
    /// Connects to the database (creating and migrating it), imports the bundled
    /// knowledge base on first start, and builds the engine from the live entries.
    pub async fn open(settings: Settings) -> anyhow::Result<Self> {
        Self::open_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// [`Helpdesk::open`] with a given clock (tests fix the time).
    pub async fn open_with_clock(
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let calendar = BusinessCalendar::new(&settings.calendar)?;
        let prompts = Prompts::load(&settings.prompts_dir)?;
        let store = Store::connect(&settings.database_url()).await?;
        if store.meta_get(SEEDED).await?.is_none() {
            if store.faq_count().await? == 0 {
                let entries = files::load_dir(&settings.kb_dir)?;
                let report = store.import_faqs(&entries, "seed").await?;
                tracing::info!(
                    created = report.created,
                    "imported the bundled knowledge base"
                );
            }
            store
                .meta_set(SEEDED, &chrono::Utc::now().to_rfc3339())
                .await?;
        }
        let entries = store.list_faqs().await?;
        // A dictionary saved from the console wins over the knowledge-base file.
        let synonyms = crate::kb::synonyms::synonyms_at_start(&store, &settings.kb_dir).await?;
        let analyzer = crate::analysis::Analyzer::new(synonyms);
        let smalltalk = lexicon::load_smalltalk(&settings.kb_dir)?;
        let config = settings.engine;
        let engine = tokio::task::spawn_blocking(move || {
            AnswerEngine::new(analyzer, smalltalk, config, &entries)
        })
        .await??;
        Ok(Self {
            settings,
            store,
            engine: Arc::new(engine),
            calendar,
            clock,
            prompts,
            turns: TurnLocks::default(),
            outbox_wakeup: Arc::new(tokio::sync::Notify::new()),
        })
    }

    /// Answers a question and records it (channel, text, decision) for statistics.
    pub async fn ask(&self, text: &str, channel: &str) -> anyhow::Result<Answered> {
        let outcome = self.engine.ask(text);
        let top = outcome.candidates.first();
        let question_id = self
            .store
            .record_question(&NewQuestion {
                channel: channel.to_string(),
                text: stored_text(text),
                decision: outcome.decision.as_str().to_string(),
                top_faq_id: top.map(|c| c.id.clone()),
                top_score: top.map(|c| c.score as f64),
                reason: Some(outcome.reason.as_str().to_string()),
            })
            .await?;
        let entry = outcome.answer().and_then(|c| self.engine.entry(&c.id));
        Ok(Answered {
            outcome,
            entry,
            question_id,
        })
    }

    /// Appends to the audit log: `actor` did `action` to `object_kind` `object_id`.
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        object_kind: &str,
        object_id: &str,
        detail: Option<String>,
    ) -> anyhow::Result<()> {
        let entry = crate::storage::AuditEntry {
            actor: actor.to_owned(),
            action: action.to_owned(),
            object_kind: object_kind.to_owned(),
            object_id: object_id.to_owned(),
            detail,
        };
        Ok(self.store.record_audit(&entry).await?)
    }

    /// A published entry by id.
    pub fn published_entry(&self, id: &str) -> Option<FaqEntry> {
        self.engine.entry(id)
    }

    /// Imports knowledge-base files into the database and makes them answerable.
    pub async fn import(&self, entries: &[FaqEntry], author: &str) -> anyhow::Result<ImportReport> {
        let report = self.store.import_faqs(entries, author).await?;
        self.reload().await?;
        Ok(report)
    }

    /// Rebuilds the engine's index from the live entries.
    pub async fn reload(&self) -> anyhow::Result<()> {
        let entries = self.store.list_faqs().await?;
        let engine = self.engine.clone();
        tokio::task::spawn_blocking(move || engine.reload(&entries)).await??;
        Ok(())
    }
}

/// The question as it is stored: cut to the analysis limit, control characters (NUL,
/// which PostgreSQL refuses in text, and the rest) replaced by spaces.
pub(crate) fn stored_text(text: &str) -> String {
    clean_text(crate::analysis::cut(text))
}

/// A message as it is stored, whole: control characters but newlines replaced by spaces.
pub(crate) fn clean_text(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn stored_text_has_no_control_characters() {
        assert_eq!(super::stored_text("a\u{0}b\u{7}c\nd"), "a b c\nd");
    }
}

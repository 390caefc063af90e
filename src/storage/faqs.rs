//! The live knowledge base and its revision history. Every save that changes an entry is a
//! new revision (author, time) and bumps the knowledge base's generation in the same
//! transaction, so every instance rebuilds its index.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::rows::{plan_save, CurrentRow, EntryRow, Lists, RevisionRow, SaveOutcome};
use super::{generations, sql, Conn, Result, StorageError, Store, Tx};
use crate::kb::FaqEntry;

/// One saved version of an FAQ entry, as the console's history shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaqRevision {
    /// 1 for the first save, then one more for every save that changed something.
    pub revision: u32,
    /// Who saved it (a staff account, or e.g. `seed` for the initial import).
    pub author: String,
    pub created_at: DateTime<Utc>,
    /// The entry exactly as it was saved in this revision.
    pub entry: FaqEntry,
}

/// What an import did, entry by entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    /// Entries identical to the stored ones: no new revision.
    pub unchanged: usize,
}

pub async fn count(c: &mut Conn<'_>) -> Result<i64> {
    sql("SELECT COUNT(*) FROM faq_entries").scalar(c).await
}

/// All entries, unpublished ones included, ordered by id.
pub async fn list(c: &mut Conn<'_>) -> Result<Vec<FaqEntry>> {
    let rows: Vec<EntryRow> = sql(
        "SELECT id, title, category, keywords, alternatives, related, body, published \
         FROM faq_entries ORDER BY id",
    )
    .fetch_all(c)
    .await?;
    rows.into_iter().map(EntryRow::into_entry).collect()
}

pub async fn get(c: &mut Conn<'_>, id: &str) -> Result<Option<FaqEntry>> {
    let row: Option<EntryRow> = sql(
        "SELECT id, title, category, keywords, alternatives, related, body, published \
         FROM faq_entries WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(c)
    .await?;
    row.map(EntryRow::into_entry).transpose()
}

/// Every saved version of entry `id`, newest first.
pub async fn revisions(c: &mut Conn<'_>, id: &str) -> Result<Vec<FaqRevision>> {
    let rows: Vec<RevisionRow> = sql(
        "SELECT faq_id AS id, title, category, keywords, alternatives, related, body, \
         published, revision, author, created_at \
         FROM faq_revisions WHERE faq_id = $1 ORDER BY revision DESC",
    )
    .bind(id)
    .fetch_all(c)
    .await?;
    rows.into_iter().map(RevisionRow::into_revision).collect()
}

/// Entry `id` as it is now, with its revision number, its row locked for the rest of
/// `tx` (PostgreSQL; SQLite's write transaction excludes other writers already).
pub async fn locked(tx: &mut Tx, id: &str) -> Result<Option<(FaqEntry, u32)>> {
    let current: Option<CurrentRow> = sql(
        "SELECT id, title, category, keywords, alternatives, related, body, published, \
         revision FROM faq_entries WHERE id = $1 FOR UPDATE",
    )
    .locking()
    .bind(id)
    .fetch_optional(&mut tx.conn())
    .await?;
    current
        .map(|row| {
            let revision = u32::try_from(row.revision).map_err(|_| {
                StorageError::Corrupt(format!("faq {id}: revision {} out of range", row.revision))
            })?;
            Ok((row.entry.into_entry()?, revision))
        })
        .transpose()
}

/// Creates or updates `entry` (validated) inside `tx`, recording a revision when it
/// changes; returns what happened. Locks the entry's row first (PostgreSQL; SQLite's
/// write transaction excludes other writers already).
pub async fn save(tx: &mut Tx, entry: &FaqEntry, author: &str) -> Result<SaveOutcome> {
    validate(entry)?;
    let outcome = loop {
        let current: Option<CurrentRow> = sql(
            "SELECT id, title, category, keywords, alternatives, related, body, published, \
             revision FROM faq_entries WHERE id = $1 FOR UPDATE",
        )
        .locking()
        .bind(&entry.id)
        .fetch_optional(&mut tx.conn())
        .await?;
        let outcome = plan_save(entry, current)?;
        // A new entry has no row to lock: another save may create it at the same moment.
        // The insert waits for that one and leaves its row alone; then read it again.
        if let SaveOutcome::Created(_) = outcome {
            let created = sql(
                "INSERT INTO faq_entries (id, title, category, keywords, alternatives, \
                 related, body, published, revision, created_at, updated_at) \
                 VALUES ($1, '', '', '[]', '[]', '[]', '', $3, 1, $2, $2) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(&entry.id)
            .bind(tx.now())
            .bind(false)
            .execute(&mut tx.conn())
            .await?;
            if created == 0 {
                continue;
            }
        }
        break outcome;
    };
    let lists = Lists::of(entry);
    if let SaveOutcome::Unchanged(_) = outcome {
        return Ok(outcome);
    }
    let now = tx.now();
    // A new entry's row was inserted empty above, and is filled in here like an update.
    sql(
        "UPDATE faq_entries SET title = $2, category = $3, keywords = $4, \
         alternatives = $5, related = $6, body = $7, published = $8, revision = $9, \
         updated_at = $10 WHERE id = $1",
    )
    .bind(&entry.id)
    .bind(&entry.title)
    .bind(&entry.category)
    .bind(&lists.keywords)
    .bind(&lists.alternatives)
    .bind(&lists.related)
    .bind(&entry.body)
    .bind(entry.published)
    .bind(outcome.revision())
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    sql(
        "INSERT INTO faq_revisions (faq_id, revision, title, category, keywords, alternatives, \
         related, body, published, author, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&entry.id)
    .bind(outcome.revision())
    .bind(&entry.title)
    .bind(&entry.category)
    .bind(&lists.keywords)
    .bind(&lists.alternatives)
    .bind(&lists.related)
    .bind(&entry.body)
    .bind(entry.published)
    .bind(author)
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    generations::bump(tx, generations::KNOWLEDGE_BASE).await?;
    Ok(outcome)
}

/// Checks a batch before any of it is written: every entry valid, no id twice.
pub(crate) fn validate_batch(entries: &[FaqEntry]) -> Result<()> {
    let mut first_seen: HashMap<&str, usize> = HashMap::new();
    for (index, entry) in entries.iter().enumerate() {
        validate(entry)
            .map_err(|e| StorageError::Invalid(format!("import entry {}: {e}", index + 1)))?;
        if let Some(first) = first_seen.insert(&entry.id, index) {
            return Err(StorageError::Invalid(format!(
                "import entries {} and {} both have id {:?}",
                first + 1,
                index + 1,
                entry.id
            )));
        }
    }
    Ok(())
}

/// Saves every entry inside `tx`; the counts of what happened.
pub(crate) async fn save_all(
    tx: &mut Tx,
    entries: &[FaqEntry],
    author: &str,
) -> Result<ImportReport> {
    validate_batch(entries)?;
    let mut report = ImportReport::default();
    for entry in entries {
        match save(tx, entry, author).await? {
            SaveOutcome::Created(_) => report.created += 1,
            SaveOutcome::Updated(_) => report.updated += 1,
            SaveOutcome::Unchanged(_) => report.unchanged += 1,
        }
    }
    Ok(report)
}

fn validate(entry: &FaqEntry) -> Result<()> {
    entry
        .validate()
        .map_err(|e| StorageError::Invalid(e.to_string()))
}

/// The knowledge base, one action at a time.
impl Store {
    /// How many FAQ entries are stored, published or not.
    pub async fn faq_count(&self) -> Result<i64> {
        count(&mut self.conn()).await
    }

    /// All entries, unpublished ones included (see [`FaqEntry::published`]), ordered by id.
    pub async fn list_faqs(&self) -> Result<Vec<FaqEntry>> {
        list(&mut self.conn()).await
    }

    pub async fn get_faq(&self, id: &str) -> Result<Option<FaqEntry>> {
        get(&mut self.conn(), id).await
    }

    /// Every saved version of entry `id`, newest first (empty when there is no such entry).
    pub async fn faq_revisions(&self, id: &str) -> Result<Vec<FaqRevision>> {
        revisions(&mut self.conn(), id).await
    }

    /// Creates or updates `entry` and records the save as a new revision, in one
    /// transaction. Returns the entry's revision number: 1 when new, the current one
    /// unchanged when `entry` is identical to what is stored (no revision is added).
    pub async fn save_faq(&self, entry: &FaqEntry, author: &str) -> Result<u32> {
        let mut tx = self.begin().await?;
        let outcome = save(&mut tx, entry, author).await?;
        tx.commit().await?;
        Ok(outcome.revision())
    }

    /// Saves every entry like [`Store::save_faq`], all in one transaction: when any entry
    /// is invalid or an id repeats within `entries`, nothing is written.
    pub async fn import_faqs(&self, entries: &[FaqEntry], author: &str) -> Result<ImportReport> {
        validate_batch(entries)?;
        let mut tx = self.begin().await?;
        let report = save_all(&mut tx, entries, author).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// The first start's import of the bundled knowledge base, in one transaction with its
    /// audit row (`faq.import` by `author`) and the `seeded` mark: done only when neither
    /// the mark nor any entry is there yet. The knowledge base's generation is locked
    /// first, so instances starting together on one database seed it once. What it imported, or
    /// `None` when there was nothing to do.
    pub async fn seed_faqs(
        &self,
        entries: &[FaqEntry],
        author: &str,
        seeded: &str,
    ) -> Result<Option<ImportReport>> {
        validate_batch(entries)?;
        let mut tx = self.begin().await?;
        generations::lock(&mut tx, generations::KNOWLEDGE_BASE).await?;
        if super::meta::get(&mut tx.conn(), seeded).await?.is_some() {
            return Ok(None);
        }
        let report = if count(&mut tx.conn()).await? == 0 {
            let report = save_all(&mut tx, entries, author).await?;
            let detail = format!("bundled knowledge base: {} created", report.created);
            let line = super::AuditEntry::new(author, "faq.import", "faq", "knowledge-base")
                .detail(detail);
            super::audit::append(&mut tx, &line).await?;
            Some(report)
        } else {
            None
        };
        let now = tx.now().to_rfc3339();
        super::meta::set(&mut tx.conn(), seeded, &now).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Saves `revision` of entry `id` again as its newest revision, by `author`. Returns
    /// the entry's revision number afterwards (unchanged when that revision is what the
    /// entry holds now). An unknown entry or revision is [`StorageError::Invalid`], and
    /// nothing is written.
    pub async fn restore_faq_revision(&self, id: &str, revision: u32, author: &str) -> Result<u32> {
        let mut tx = self.begin().await?;
        let old = revisions(&mut tx.conn(), id)
            .await?
            .into_iter()
            .find(|r| r.revision == revision)
            .ok_or_else(|| {
                StorageError::Invalid(format!("entry {id:?} has no revision {revision}"))
            })?;
        let outcome = save(&mut tx, &old.entry, author).await?;
        tx.commit().await?;
        Ok(outcome.revision())
    }
}

//! The SQLite backend: a single file, for one machine in the server room.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{SqliteConnection, SqlitePool};

use super::records::{
    ConversationKey, ConversationRow, FeedbackCounts, Inbound, NewFeedback, NewMessage, NewTicket,
    OutboxItem, StaffImportReport, StaffMember, StoredMessage, Ticket, TicketUpdate, Turn,
};
use super::rows::{plan_save, CurrentRow, EntryRow, Lists, RevisionRow, SaveOutcome};
use super::shared::{is_unique_violation, shared_functions, shared_queries, ConversationLookup};
use super::StorageError;
use super::{Backend, FaqRevision, NewQuestion, Result};
use crate::kb::FaqEntry;

type Conn = SqliteConnection;

/// The shared SQL (written with `$n` parameters) in this backend's dialect.
fn sql(s: &str) -> std::borrow::Cow<'_, str> {
    std::borrow::Cow::Owned(s.replace('$', "?"))
}

const ENTRY_COLUMNS: &str = "id, title, category, keywords, alternatives, related, body, published";

#[derive(Clone)]
pub(super) struct SqliteBackend {
    pool: SqlitePool,
}

impl SqliteBackend {
    /// Opens (creating if needed) the file named by a `sqlite://` or `sqlite:` URL and
    /// migrates it.
    pub(super) async fn connect(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            // WAL lets the answering engine read while the console writes.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        if let Some(parent) = options.get_filename().parent() {
            if !parent.as_os_str().is_empty() {
                tokio::fs::create_dir_all(parent)
                    .await
                    .map_err(sqlx::Error::Io)?;
            }
        }
        let pool = SqlitePoolOptions::new().connect_with(options).await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }
}

impl SqliteBackend {
    /// A transaction that writes: the shared queries begin every write with this.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    shared_queries!();
}

shared_functions!();

impl Backend for SqliteBackend {
    async fn faq_count(&self) -> Result<i64> {
        let count = sqlx::query_scalar("SELECT COUNT(*) FROM faq_entries")
            .fetch_one(&self.pool)
            .await?;
        Ok(count)
    }

    async fn list_faqs(&self) -> Result<Vec<FaqEntry>> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM faq_entries ORDER BY id");
        let rows: Vec<EntryRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
        rows.into_iter().map(EntryRow::into_entry).collect()
    }

    async fn get_faq(&self, id: &str) -> Result<Option<FaqEntry>> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM faq_entries WHERE id = ?1");
        let row: Option<EntryRow> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(EntryRow::into_entry).transpose()
    }

    async fn save_faqs(
        &self,
        entries: &[FaqEntry],
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<SaveOutcome>> {
        // IMMEDIATE takes the write lock up front: a deferred transaction that reads and
        // then writes can fail with SQLITE_BUSY when another writer got in between.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut outcomes = Vec::with_capacity(entries.len());
        for entry in entries {
            outcomes.push(save_one(&mut tx, entry, author, now).await?);
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    async fn faq_revisions(&self, id: &str) -> Result<Vec<FaqRevision>> {
        let rows: Vec<RevisionRow> = sqlx::query_as(
            "SELECT faq_id AS id, title, category, keywords, alternatives, related, body, \
             published, revision, author, created_at \
             FROM faq_revisions WHERE faq_id = ?1 ORDER BY revision DESC",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(RevisionRow::into_revision).collect()
    }

    async fn record_question(&self, q: &NewQuestion, now: DateTime<Utc>) -> Result<i64> {
        let id = sqlx::query_scalar(
            "INSERT INTO questions (asked_at, channel, text, decision, top_faq_id, top_score) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        )
        .bind(now)
        .bind(&q.channel)
        .bind(&q.text)
        .bind(&q.decision)
        .bind(&q.top_faq_id)
        .bind(q.top_score)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    async fn question_count(&self) -> Result<i64> {
        let count = sqlx::query_scalar("SELECT COUNT(*) FROM questions")
            .fetch_one(&self.pool)
            .await?;
        Ok(count)
    }

    async fn meta_get(&self, key: &str) -> Result<Option<String>> {
        let value = sqlx::query_scalar("SELECT value FROM meta WHERE key = ?1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(value)
    }

    async fn meta_set(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// Writes one entry and its revision inside the caller's transaction.
async fn save_one(
    conn: &mut SqliteConnection,
    entry: &FaqEntry,
    author: &str,
    now: DateTime<Utc>,
) -> Result<SaveOutcome> {
    let sql = format!("SELECT {ENTRY_COLUMNS}, revision FROM faq_entries WHERE id = ?1");
    let current: Option<CurrentRow> = sqlx::query_as(&sql)
        .bind(&entry.id)
        .fetch_optional(&mut *conn)
        .await?;
    let outcome = plan_save(entry, current)?;
    let lists = Lists::of(entry);
    let upsert = match outcome {
        SaveOutcome::Unchanged(_) => return Ok(outcome),
        SaveOutcome::Created(_) => {
            "INSERT INTO faq_entries (id, title, category, keywords, alternatives, related, \
             body, published, revision, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)"
        }
        SaveOutcome::Updated(_) => {
            "UPDATE faq_entries SET title = ?2, category = ?3, keywords = ?4, \
             alternatives = ?5, related = ?6, body = ?7, published = ?8, revision = ?9, \
             updated_at = ?10 WHERE id = ?1"
        }
    };
    sqlx::query(upsert)
        .bind(&entry.id)
        .bind(&entry.title)
        .bind(&entry.category)
        .bind(&lists.keywords)
        .bind(&lists.alternatives)
        .bind(&lists.related)
        .bind(&entry.body)
        .bind(entry.published)
        .bind(i64::from(outcome.revision()))
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO faq_revisions (faq_id, revision, title, category, keywords, alternatives, \
         related, body, published, author, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .bind(&entry.id)
    .bind(i64::from(outcome.revision()))
    .bind(&entry.title)
    .bind(&entry.category)
    .bind(&lists.keywords)
    .bind(&lists.alternatives)
    .bind(&lists.related)
    .bind(&entry.body)
    .bind(entry.published)
    .bind(author)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(outcome)
}

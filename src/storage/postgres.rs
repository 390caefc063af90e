//! The PostgreSQL backend: for a city that already runs a database server.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool};

use super::console::{
    console_queries, AuditFilter, SessionRecord, TicketFilter, TicketNote, TicketPage,
};
use super::faq_tools::faq_tools_queries;
use super::notices::notices_queries;
use super::records::{
    AuditEntry, AuditRecord, ConversationKey, ConversationRow, FeedbackCounts, Inbound,
    NewFeedback, NewMessage, NewTicket, OutboxItem, StaffImportReport, StaffMember, StoredMessage,
    Ticket, TicketUpdate, Turn,
};
use super::rows::{plan_save, CurrentRow, EntryRow, Lists, RevisionRow, SaveOutcome};
use super::shared::{
    choices_json, shared_functions, shared_queries, ConversationLookup, UserRow, USER_COLUMNS,
};
use super::StorageError;
use super::{Backend, FaqRevision, NewQuestion, Result};
use crate::kb::FaqEntry;

type Conn = PgConnection;

/// The shared SQL (written with `$n` parameters) in this backend's dialect.
fn sql(s: &str) -> std::borrow::Cow<'_, str> {
    std::borrow::Cow::Borrowed(s)
}

const ENTRY_COLUMNS: &str = "id, title, category, keywords, alternatives, related, body, published";

#[derive(Clone)]
pub(super) struct PostgresBackend {
    pool: PgPool,
}

impl PostgresBackend {
    /// Connects to a `postgres://` URL and migrates the database. Tables go where the
    /// connection's `search_path` points (settable with `?options=-c search_path=...`).
    pub(super) async fn connect(url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new().connect_with(options).await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }
}

impl PostgresBackend {
    /// A transaction that writes: the shared queries begin every write with this.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        Ok(self.pool.begin().await?)
    }

    /// A connection for a single-statement write (PostgreSQL needs no write turn).
    async fn write_conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Postgres>> {
        Ok(self.pool.acquire().await?)
    }

    shared_queries!();
    console_queries!();
    faq_tools_queries!();
    super::learning::learning_queries!();
    notices_queries!();
}

shared_functions!();
super::learning::learning_functions!();

impl Backend for PostgresBackend {
    async fn faq_count(&self) -> Result<i64> {
        let count = sqlx::query_scalar("SELECT COUNT(*) FROM faq_entries")
            .fetch_one(&self.pool)
            .await?;
        Ok(count)
    }

    async fn list_faqs(&self) -> Result<Vec<FaqEntry>> {
        // COLLATE "C": the same byte order SQLite uses, whatever the database's locale.
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM faq_entries ORDER BY id COLLATE \"C\"");
        let rows: Vec<EntryRow> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
        rows.into_iter().map(EntryRow::into_entry).collect()
    }

    async fn get_faq(&self, id: &str) -> Result<Option<FaqEntry>> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM faq_entries WHERE id = $1");
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
        let mut tx = self.pool.begin().await?;
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
             FROM faq_revisions WHERE faq_id = $1 ORDER BY revision DESC",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(RevisionRow::into_revision).collect()
    }

    async fn record_question(&self, q: &NewQuestion, now: DateTime<Utc>) -> Result<i64> {
        let id = sqlx::query_scalar(
            "INSERT INTO questions (asked_at, channel, text, decision, top_faq_id, top_score, \
             reason) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(now)
        .bind(&q.channel)
        .bind(&q.text)
        .bind(&q.decision)
        .bind(&q.top_faq_id)
        .bind(q.top_score)
        .bind(&q.reason)
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
        let value = sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(value)
    }

    async fn meta_set(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2) \
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
    conn: &mut PgConnection,
    entry: &FaqEntry,
    author: &str,
    now: DateTime<Utc>,
) -> Result<SaveOutcome> {
    // FOR UPDATE: two consoles saving the same entry take turns instead of both
    // computing the same next revision. A new entry has no row to lock yet, so its INSERT
    // skips a conflicting concurrent creation, and the second pass then sees that row.
    let sql = format!("SELECT {ENTRY_COLUMNS}, revision FROM faq_entries WHERE id = $1 FOR UPDATE");
    let lists = Lists::of(entry);
    let outcome = loop {
        let current: Option<CurrentRow> = sqlx::query_as(&sql)
            .bind(&entry.id)
            .fetch_optional(&mut *conn)
            .await?;
        let outcome = plan_save(entry, current)?;
        let upsert = match outcome {
            SaveOutcome::Unchanged(_) => return Ok(outcome),
            SaveOutcome::Created(_) => {
                "INSERT INTO faq_entries (id, title, category, keywords, alternatives, related, \
                 body, published, revision, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) \
                 ON CONFLICT (id) DO NOTHING"
            }
            SaveOutcome::Updated(_) => {
                "UPDATE faq_entries SET title = $2, category = $3, keywords = $4, \
                 alternatives = $5, related = $6, body = $7, published = $8, revision = $9, \
                 updated_at = $10 WHERE id = $1"
            }
        };
        let written = sqlx::query(upsert)
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
        if written.rows_affected() == 1 {
            break outcome;
        }
    };
    sqlx::query(
        "INSERT INTO faq_revisions (faq_id, revision, title, category, keywords, alternatives, \
         related, body, published, author, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
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

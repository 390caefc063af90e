//! The SQLite backend: a single file, for one machine in the server room.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::{SqliteConnection, SqlitePool};
use tokio::sync::OwnedMutexGuard;

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

type Conn = SqliteConnection;

/// The shared SQL (written with `$n` parameters) in this backend's dialect.
fn sql(s: &str) -> std::borrow::Cow<'_, str> {
    std::borrow::Cow::Owned(s.replace('$', "?"))
}

const ENTRY_COLUMNS: &str = "id, title, category, keywords, alternatives, related, body, published";

#[derive(Clone)]
pub(super) struct SqliteBackend {
    pool: SqlitePool,
    /// SQLite has one writer at a time. Writers queue here, in the process, instead of
    /// meeting SQLITE_BUSY and sleeping in SQLite's busy handler (1, 2, 5, 10 ms...),
    /// which showed as the webhook's latency tail.
    writer: Arc<tokio::sync::Mutex<()>>,
}

/// A write transaction holding the process's write turn until it ends.
pub(super) struct WriteTx {
    // Declared first, dropped first: a transaction that is not committed rolls back
    // before the turn passes on.
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    _turn: OwnedMutexGuard<()>,
}

impl WriteTx {
    async fn commit(self) -> std::result::Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl Deref for WriteTx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }
}

/// A connection for one autocommit write, holding the write turn.
pub(super) struct WriteConn {
    conn: PoolConnection<sqlx::Sqlite>,
    _turn: OwnedMutexGuard<()>,
}

impl Deref for WriteConn {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.conn
    }
}

impl DerefMut for WriteConn {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.conn
    }
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
            .busy_timeout(Duration::from_secs(5))
            // Checkpoints (the WAL copied back into the database file, with an fsync) run
            // in the background below, not inside whichever write happens to cross the
            // threshold: that write stalled every queued writer for tens of milliseconds.
            .pragma("wal_autocheckpoint", "0");
        if let Some(parent) = options.get_filename().parent() {
            if !parent.as_os_str().is_empty() {
                tokio::fs::create_dir_all(parent)
                    .await
                    .map_err(sqlx::Error::Io)?;
            }
        }
        let pool = SqlitePoolOptions::new().connect_with(options).await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        tokio::spawn(checkpoints(pool.clone()));
        Ok(Self {
            pool,
            writer: Arc::new(tokio::sync::Mutex::new(())),
        })
    }
}

/// How often the write-ahead log is checkpointed.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// Copies the write-ahead log back into the database file every second, without blocking
/// writers or readers (PASSIVE), until the pool is closed.
async fn checkpoints(pool: SqlitePool) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if pool.is_closed() {
            return;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            tracing::warn!(error = %e, "SQLite checkpoint failed");
        }
    }
}

impl SqliteBackend {
    /// A transaction that writes: the shared queries begin every write with this.
    /// IMMEDIATE takes SQLite's write lock up front (a deferred transaction that reads and
    /// then writes can fail with SQLITE_BUSY).
    async fn begin_write(&self) -> Result<WriteTx> {
        let turn = self.writer.clone().lock_owned().await;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(WriteTx { tx, _turn: turn })
    }

    /// A connection for a single-statement write.
    async fn write_conn(&self) -> Result<WriteConn> {
        let turn = self.writer.clone().lock_owned().await;
        let conn = self.pool.acquire().await?;
        Ok(WriteConn { conn, _turn: turn })
    }

    shared_queries!();
    console_queries!();
    faq_tools_queries!();
    super::learning::learning_queries!();
    notices_queries!();
}

shared_functions!();
super::learning::learning_functions!();

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
        let mut tx = self.begin_write().await?;
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
            "INSERT INTO questions (asked_at, channel, text, decision, top_faq_id, top_score, \
             reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        )
        .bind(now)
        .bind(&q.channel)
        .bind(&q.text)
        .bind(&q.decision)
        .bind(&q.top_faq_id)
        .bind(q.top_score)
        .bind(&q.reason)
        .fetch_one(&mut *self.write_conn().await?)
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
        .execute(&mut *self.write_conn().await?)
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

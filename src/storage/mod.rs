//! Storage: everything the helpdesk keeps, in SQLite (one city, one server) or PostgreSQL
//! (a shared service, several instances), picked at run time from the database URL.
//!
//! - One way to write SQL: each statement is written once ([`db::sql`], `$N` parameters)
//!   in the module of the records it concerns (`tickets`, `outbox`, ...), and runs on
//!   either backend. The schema lives in `migrations/sqlite` and `migrations/postgres`,
//!   applied on connect.
//! - One transaction per action: a service opens a [`Tx`] ([`Store::begin`]), calls the
//!   record modules' functions with it (a ticket, its message, its outbox item, its audit
//!   row) and commits once. The plain [`Store`] methods are single actions of their own.
//! - One clock: the store takes the helpdesk's clock; every timestamp a row carries is the
//!   transaction's `now` (one instant per action, at the precision both databases keep).
//! - SQLite has one writer: writers queue in the process (no busy-handler sleeps) and
//!   take the write lock up front (`BEGIN IMMEDIATE`). PostgreSQL serialises what must be
//!   serialised with row locks and version checks (see `conversations`, `outbox`).

pub mod db;
mod error;
mod records;
pub mod rows;

pub mod audit;
pub mod batch_duties;
pub mod batch_job_revisions;
pub mod batch_runs;
pub mod city_records;
pub mod computer_names;
pub mod conversations;
pub mod equipment;
pub mod faq_vectors;
pub mod faqs;
pub mod feedback;
pub mod generations;
pub mod handover;
pub mod ip_ledger;
pub mod ip_search;
pub mod learned_questions;
pub mod learning;
pub mod messages;
pub mod meta;
pub mod outages;
pub mod outbox;
pub mod personnel_plans;
pub mod proposals;
pub mod questions;
pub mod reports;
pub mod request_directory;
pub mod requests;
pub mod reservation_extras;
pub mod reservations;
mod search_fold;
pub mod sessions;
mod sqlite_fold;
pub mod staff;
pub mod synonyms;
pub mod ticket_updates;
pub mod tickets;
pub mod users;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use tokio::sync::OwnedMutexGuard;

pub use self::audit::AuditFilter;
pub use self::db::{sql, sql_owned, Conn, Sql, Value};
pub use self::error::StorageError;
pub use self::faqs::{FaqRevision, ImportReport};
pub use self::learning::{
    question_key, DashboardCounts, DayCounts, EntryCounts, GapKind, Period, PeriodCounts,
    UnansweredQuestion, ESCALATION_WINDOW_MESSAGES, MAX_DAYS,
};
pub use self::proposals::{NewProposal, PendingProposal, Proposal, ProposalOutcome};
pub use self::questions::NewQuestion;
pub use self::records::*;
pub use self::sessions::SessionRecord;
pub use self::synonyms::SynonymDictionary;
pub use self::tickets::{TicketFilter, TicketNote, TicketPage};
use crate::clock::Clock;

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

#[derive(Clone)]
enum Pool {
    Sqlite {
        pool: SqlitePool,
        /// SQLite has one writer at a time. Writers queue here, in the process, instead of
        /// meeting SQLITE_BUSY and sleeping in SQLite's busy handler (1, 2, 5, 10 ms...),
        /// which showed as the webhook's latency tail.
        writer: Arc<tokio::sync::Mutex<()>>,
    },
    Postgres(PgPool),
}

/// The helpdesk's database. Cloning is cheap (it shares one connection pool).
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    clock: Arc<dyn Clock>,
}

/// A write transaction: everything one action changes, committed together or not at all
/// (dropped without [`Tx::commit`], it rolls back). Its [`Tx::now`] stamps every row.
pub struct Tx {
    inner: TxInner,
    now: DateTime<Utc>,
}

enum TxInner {
    // Fields drop in order: a transaction that is not committed rolls back before the
    // write turn passes on.
    Sqlite(
        sqlx::Transaction<'static, sqlx::Sqlite>,
        OwnedMutexGuard<()>,
    ),
    /// A read snapshot ([`Store::begin_read`]): no write turn.
    SqliteRead(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    /// Where the transaction's statements run.
    pub fn conn(&mut self) -> Conn<'_> {
        match &mut self.inner {
            TxInner::Sqlite(tx, _) | TxInner::SqliteRead(tx) => Conn::Sqlite(tx),
            TxInner::Postgres(tx) => Conn::Postgres(tx),
        }
    }

    /// The action's time: every row this transaction writes carries it.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.inner, TxInner::Postgres(_))
    }

    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(tx, _turn) => tx.commit().await?,
            TxInner::SqliteRead(tx) => tx.commit().await?,
            TxInner::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

impl Store {
    /// Opens the database named by `url` and brings its schema up to date; `clock` stamps
    /// every row written through it.
    ///
    /// `sqlite://PATH` or `sqlite:PATH` (the file and its parent folders are created if
    /// missing), `postgres://...` or `postgresql://...`. Anything else is
    /// [`StorageError::UnsupportedUrl`].
    pub async fn connect(url: &str, clock: Arc<dyn Clock>) -> Result<Store> {
        let pool = if url.starts_with("sqlite:") {
            connect_sqlite(url).await?
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // Tables go where the connection's `search_path` points (settable with
            // `?options=-c search_path=...`).
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new().connect_with(options).await?;
            sqlx::migrate!("migrations/postgres").run(&pool).await?;
            Pool::Postgres(pool)
        } else {
            return Err(StorageError::UnsupportedUrl(describe_scheme(url)));
        };
        Ok(Store { pool, clock })
    }

    /// `"sqlite"` or `"postgres"`, for logs and the status page.
    pub fn backend_name(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite { .. } => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// The pool, for reads and single-statement writes outside a transaction.
    pub fn conn(&self) -> Conn<'_> {
        match &self.pool {
            Pool::Sqlite { pool, .. } => Conn::SqlitePool(pool),
            Pool::Postgres(pool) => Conn::PgPool(pool),
        }
    }

    /// The time now, at the precision both databases keep (PostgreSQL: microseconds), so
    /// a value reads back equal to what was written whichever backend stored it.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now().trunc_subsecs(6)
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Begins a write transaction (on SQLite, after the writers queued before it).
    pub async fn begin(&self) -> Result<Tx> {
        let inner = match &self.pool {
            Pool::Sqlite { pool, writer } => {
                let turn = writer.clone().lock_owned().await;
                // IMMEDIATE takes SQLite's write lock up front (a deferred transaction
                // that reads and then writes can fail with SQLITE_BUSY).
                let tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                TxInner::Sqlite(tx, turn)
            }
            Pool::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        };
        Ok(Tx {
            inner,
            now: self.now(),
        })
    }

    /// Begins a read-only snapshot: every statement in it sees the database as it was at
    /// its first read, so the tables of a report agree with each other while questions
    /// keep coming. SQLite: a deferred transaction on one connection, without the write
    /// turn (in WAL mode readers never wait for the writer); PostgreSQL: REPEATABLE READ,
    /// READ ONLY. Not for writes (PostgreSQL refuses them; on SQLite they would skip the
    /// write turn).
    pub async fn begin_read(&self) -> Result<Tx> {
        let inner = match &self.pool {
            Pool::Sqlite { pool, .. } => {
                TxInner::SqliteRead(pool.begin_with("BEGIN DEFERRED").await?)
            }
            Pool::Postgres(pool) => TxInner::Postgres(
                pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?,
            ),
        };
        Ok(Tx {
            inner,
            now: self.now(),
        })
    }

    /// Runs the statement `build` makes from the action's time, an action of its own,
    /// and returns the first column of the row it returns (an id from `RETURNING`).
    ///
    /// One statement is one transaction without `BEGIN` and `COMMIT` around it (both
    /// databases commit it on its own): one round trip to the database instead of three.
    /// On SQLite it still waits for the writers queued before it.
    pub(crate) async fn write_scalar<T: db::Scalar>(
        &self,
        build: impl FnOnce(DateTime<Utc>) -> Sql,
    ) -> Result<T> {
        let _turn = self.write_turn().await;
        build(self.now()).scalar(&mut self.conn()).await
    }

    /// On SQLite, the write turn (see [`Pool::Sqlite`]); PostgreSQL needs none.
    async fn write_turn(&self) -> Option<OwnedMutexGuard<()>> {
        match &self.pool {
            Pool::Sqlite { writer, .. } => Some(writer.clone().lock_owned().await),
            Pool::Postgres(_) => None,
        }
    }
}

async fn connect_sqlite(url: &str) -> Result<Pool> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        // WAL lets the answering engine read while the console writes.
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        // Checkpoints (the WAL copied back into the database file, with an fsync) run in
        // the background below, not inside whichever write happens to cross the
        // threshold: that write stalled every queued writer for tens of milliseconds.
        .pragma("wal_autocheckpoint", "0");
    if let Some(parent) = options.get_filename().parent() {
        if !parent.as_os_str().is_empty() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(sqlx::Error::Io)?;
        }
    }
    let pool = SqlitePoolOptions::new()
        .after_connect(|conn, _| {
            Box::pin(async move {
                let mut handle = conn.lock_handle().await?;
                // SAFETY: the handle is locked for this call (sqlx's contract).
                let code = unsafe { sqlite_fold::register(handle.as_raw_handle().as_ptr()) };
                if code == libsqlite3_sys::SQLITE_OK {
                    Ok(())
                } else {
                    Err(sqlx::Error::Protocol(format!(
                        "registering {} failed with SQLite code {code}",
                        sqlite_fold::NAME
                    )))
                }
            })
        })
        .connect_with(options)
        .await?;
    sqlx::migrate!("migrations/sqlite").run(&pool).await?;
    tokio::spawn(checkpoints(pool.clone()));
    Ok(Pool::Sqlite {
        pool,
        writer: Arc::new(tokio::sync::Mutex::new(())),
    })
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

/// Names the scheme of an unsupported URL without repeating the rest, which may hold a
/// password.
fn describe_scheme(url: &str) -> String {
    match url.split_once("://").or_else(|| url.split_once(':')) {
        Some((scheme, _))
            if !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            format!("with scheme {scheme:?}")
        }
        _ => "without a scheme".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::describe_scheme;

    #[test]
    fn unsupported_url_messages_never_repeat_credentials() {
        assert_eq!(
            describe_scheme("mysql://admin:hunter2@db/x"),
            "with scheme \"mysql\""
        );
        assert_eq!(describe_scheme("data/madoguchi.db"), "without a scheme");
        assert_eq!(describe_scheme(""), "without a scheme");
    }
}

//! What the operator console stores: sessions, failed sign-ins, the queue's filtered
//! pages of tickets, internal notes and pages of the audit log.
//!
//! The SQL is written once, like [`super::shared`], and generated into both backends by
//! [`console_queries!`]. Times are passed in: the console's clock decides expiry.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{AuditRecord, Result, Store, Ticket};

/// A signed-in browser as stored (the token itself is never stored, only its hash).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SessionRecord {
    pub token_hash: String,
    pub login: String,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Which tickets the queue shows. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TicketFilter {
    /// One status, or `None` for every status.
    pub status: Option<String>,
    /// Only tickets still open (新規, 対応中, 保留).
    pub open_only: bool,
    pub category: Option<String>,
    /// An operator's login; `Some("")` means tickets nobody has taken.
    pub assignee: Option<String>,
    pub channel: Option<String>,
    /// Only tickets past a due time.
    pub overdue: bool,
}

/// One page of the queue and how many tickets match in all.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketPage {
    pub tickets: Vec<Ticket>,
    pub total: i64,
}

/// An internal note on a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct TicketNote {
    pub id: i64,
    pub ticket_id: i64,
    pub author: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

/// Which audit-log lines to show. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub object_kind: Option<String>,
    pub object_id: Option<String>,
}

/// The WHERE clause of the queue; parameters $1..$8 as [`console_queries!`] binds them.
pub(super) const TICKET_FILTER: &str = "($1 IS NULL OR status = $1) \
     AND (NOT $2 OR status IN ('new', 'in_progress', 'on_hold')) \
     AND ($3 IS NULL OR category = $3) \
     AND ($4 IS NULL OR ($4 = '' AND assignee IS NULL) OR assignee = $4) \
     AND ($5 IS NULL OR channel = $5) \
     AND (NOT $6 OR (status = 'new' AND first_response_due < $7) \
          OR (status IN ('new', 'in_progress', 'on_hold') AND resolution_due < $7))";

/// The WHERE clause of the audit-log viewer; parameters $1..$3.
pub(super) const AUDIT_FILTER: &str = "($1 IS NULL OR actor = $1) \
     AND ($2 IS NULL OR object_kind = $2) AND ($3 IS NULL OR object_id = $3)";

macro_rules! console_queries {
    () => {
        pub(super) async fn session_create(&self, session: &SessionRecord) -> Result<()> {
            sqlx::query(&sql(
                "INSERT INTO sessions (token_hash, login, csrf_token, created_at, last_seen_at, \
                 expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            ))
            .bind(&session.token_hash)
            .bind(&session.login)
            .bind(&session.csrf_token)
            .bind(session.created_at)
            .bind(session.last_seen_at)
            .bind(session.expires_at)
            .execute(&mut *self.write_conn().await?)
            .await?;
            Ok(())
        }

        pub(super) async fn session_get(&self, token_hash: &str) -> Result<Option<SessionRecord>> {
            Ok(sqlx::query_as(&sql("SELECT * FROM sessions WHERE token_hash = $1"))
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?)
        }

        pub(super) async fn session_touch(
            &self,
            token_hash: &str,
            seen: DateTime<Utc>,
            expires_at: DateTime<Utc>,
        ) -> Result<()> {
            sqlx::query(&sql(
                "UPDATE sessions SET last_seen_at = $2, expires_at = $3 WHERE token_hash = $1",
            ))
            .bind(token_hash)
            .bind(seen)
            .bind(expires_at)
            .execute(&mut *self.write_conn().await?)
            .await?;
            Ok(())
        }

        /// Deletes one session (`Some`) or every session of `login`; with `expired_at`, also
        /// those expired by then.
        pub(super) async fn session_delete(
            &self,
            token_hash: Option<&str>,
            login: Option<&str>,
            expired_at: Option<DateTime<Utc>>,
        ) -> Result<()> {
            sqlx::query(&sql(
                "DELETE FROM sessions WHERE token_hash = $1 OR login = $2 OR expires_at < $3",
            ))
            .bind(token_hash)
            .bind(login)
            .bind(expired_at)
            .execute(&mut *self.write_conn().await?)
            .await?;
            Ok(())
        }

        pub(super) async fn sign_in_failure_add(
            &self,
            login: &str,
            remote: &str,
            at: DateTime<Utc>,
        ) -> Result<()> {
            sqlx::query(&sql(
                "INSERT INTO sign_in_failures (login, remote, at) VALUES ($1, $2, $3)",
            ))
            .bind(login)
            .bind(remote)
            .bind(at)
            .execute(&mut *self.write_conn().await?)
            .await?;
            Ok(())
        }

        /// Failures since `since` for `login` and for `remote`, with the oldest of each.
        pub(super) async fn sign_in_failure_counts(
            &self,
            login: &str,
            remote: &str,
            since: DateTime<Utc>,
        ) -> Result<(i64, i64)> {
            let by_login: i64 = sqlx::query_scalar(&sql(
                "SELECT COUNT(*) FROM sign_in_failures WHERE login = $1 AND at >= $2",
            ))
            .bind(login)
            .bind(since)
            .fetch_one(&self.pool)
            .await?;
            let by_remote: i64 = sqlx::query_scalar(&sql(
                "SELECT COUNT(*) FROM sign_in_failures WHERE remote = $1 AND at >= $2",
            ))
            .bind(remote)
            .bind(since)
            .fetch_one(&self.pool)
            .await?;
            Ok((by_login, by_remote))
        }

        pub(super) async fn sign_in_failure_clear(
            &self,
            login: &str,
            before: DateTime<Utc>,
        ) -> Result<()> {
            sqlx::query(&sql("DELETE FROM sign_in_failures WHERE login = $1 OR at < $2"))
                .bind(login)
                .bind(before)
                .execute(&mut *self.write_conn().await?)
                .await?;
            Ok(())
        }

        pub(super) async fn ticket_page(
            &self,
            filter: &TicketFilter,
            now: DateTime<Utc>,
            offset: i64,
            limit: i64,
        ) -> Result<TicketPage> {
            let list = format!(
                "SELECT * FROM tickets WHERE {} ORDER BY id DESC LIMIT $8 OFFSET $9",
                super::console::TICKET_FILTER
            );
            let count = format!(
                "SELECT COUNT(*) FROM tickets WHERE {}",
                super::console::TICKET_FILTER
            );
            macro_rules! bound {
                ($query:expr) => {
                    $query
                        .bind(&filter.status)
                        .bind(filter.open_only)
                        .bind(&filter.category)
                        .bind(&filter.assignee)
                        .bind(&filter.channel)
                        .bind(filter.overdue)
                        .bind(now)
                };
            }
            let tickets = bound!(sqlx::query_as(&sql(&list)))
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?;
            let total = bound!(sqlx::query_scalar(&sql(&count)))
                .fetch_one(&self.pool)
                .await?;
            Ok(TicketPage { tickets, total })
        }

        /// The categories and channels tickets have, for the queue's filter menus.
        pub(super) async fn ticket_facets(&self) -> Result<(Vec<String>, Vec<String>)> {
            let categories = sqlx::query_scalar(
                "SELECT DISTINCT category FROM tickets WHERE category IS NOT NULL ORDER BY category",
            )
            .fetch_all(&self.pool)
            .await?;
            let channels = sqlx::query_scalar("SELECT DISTINCT channel FROM tickets ORDER BY channel")
                .fetch_all(&self.pool)
                .await?;
            Ok((categories, channels))
        }

        pub(super) async fn ticket_note_add(
            &self,
            ticket_id: i64,
            author: &str,
            text: &str,
            now: DateTime<Utc>,
        ) -> Result<i64> {
            Ok(sqlx::query_scalar(&sql(
                "INSERT INTO ticket_notes (ticket_id, author, text, created_at) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
            ))
            .bind(ticket_id)
            .bind(author)
            .bind(text)
            .bind(now)
            .fetch_one(&mut *self.write_conn().await?)
            .await?)
        }

        pub(super) async fn ticket_notes(&self, ticket_id: i64) -> Result<Vec<TicketNote>> {
            Ok(sqlx::query_as(&sql(
                "SELECT * FROM ticket_notes WHERE ticket_id = $1 ORDER BY id",
            ))
            .bind(ticket_id)
            .fetch_all(&self.pool)
            .await?)
        }

        pub(super) async fn audit_page(
            &self,
            filter: &AuditFilter,
            offset: i64,
            limit: i64,
        ) -> Result<Vec<AuditRecord>> {
            let query = format!(
                "SELECT * FROM audit_log WHERE {} ORDER BY id DESC LIMIT $4 OFFSET $5",
                super::console::AUDIT_FILTER
            );
            Ok(sqlx::query_as(&sql(&query))
                .bind(&filter.actor)
                .bind(&filter.object_kind)
                .bind(&filter.object_id)
                .bind(limit)
                .bind(offset)
                .fetch_all(&self.pool)
                .await?)
        }
    };
}

pub(super) use console_queries;

/// Sessions and sign-in throttling.
impl Store {
    pub async fn create_session(&self, session: &SessionRecord) -> Result<()> {
        delegate!(self, b => b.session_create(session).await)
    }

    /// The session whose token hashes to `token_hash`, expired or not.
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>> {
        delegate!(self, b => b.session_get(token_hash).await)
    }

    /// Records use of a session and moves its expiry.
    pub async fn touch_session(
        &self,
        token_hash: &str,
        seen: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        delegate!(self, b => b.session_touch(token_hash, seen, expires_at).await)
    }

    /// Ends one session; sessions of anyone expired by `now` go too.
    pub async fn end_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<()> {
        delegate!(self, b => b.session_delete(Some(token_hash), None, Some(now)).await)
    }

    /// Ends every session of `login` (after a password change or when disabled).
    pub async fn end_sessions_of(&self, login: &str) -> Result<()> {
        delegate!(self, b => b.session_delete(None, Some(login), None).await)
    }

    pub async fn record_sign_in_failure(
        &self,
        login: &str,
        remote: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        delegate!(self, b => b.sign_in_failure_add(login, remote, at).await)
    }

    /// (failures for `login`, failures from `remote`) since `since`.
    pub async fn sign_in_failures(
        &self,
        login: &str,
        remote: &str,
        since: DateTime<Utc>,
    ) -> Result<(i64, i64)> {
        delegate!(self, b => b.sign_in_failure_counts(login, remote, since).await)
    }

    /// Forgets `login`'s failures (after a successful sign-in) and everyone's before `before`.
    pub async fn clear_sign_in_failures(&self, login: &str, before: DateTime<Utc>) -> Result<()> {
        delegate!(self, b => b.sign_in_failure_clear(login, before).await)
    }
}

/// The queue, notes and the audit-log viewer.
impl Store {
    /// Tickets matching `filter`, newest first, `limit` from `offset`, and the total.
    pub async fn ticket_page(
        &self,
        filter: &TicketFilter,
        now: DateTime<Utc>,
        offset: i64,
        limit: i64,
    ) -> Result<TicketPage> {
        delegate!(self, b => b.ticket_page(filter, now, offset, limit).await)
    }

    /// (categories, channels) that tickets have.
    pub async fn ticket_facets(&self) -> Result<(Vec<String>, Vec<String>)> {
        delegate!(self, b => b.ticket_facets().await)
    }

    pub async fn add_ticket_note(&self, ticket_id: i64, author: &str, text: &str) -> Result<i64> {
        delegate!(self, b => b.ticket_note_add(ticket_id, author, text, super::now()).await)
    }

    pub async fn ticket_notes(&self, ticket_id: i64) -> Result<Vec<TicketNote>> {
        delegate!(self, b => b.ticket_notes(ticket_id).await)
    }

    /// Audit-log lines matching `filter`, newest first.
    pub async fn audit_page(
        &self,
        filter: &AuditFilter,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<AuditRecord>> {
        delegate!(self, b => b.audit_page(filter, offset, limit).await)
    }
}

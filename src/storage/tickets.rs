//! Tickets: the operator queue, its filtered pages, changes and internal notes.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::search_fold::Fold;
use super::{sql, sql_owned, Conn, NewTicket, Result, Store, Ticket, TicketUpdate, Tx};
use crate::domain::{TextEnum, TicketStatus};

/// Which tickets the queue shows. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TicketFilter {
    /// One status, or `None` for every status.
    pub status: Option<TicketStatus>,
    /// Only tickets still open (新規, 対応中, 保留).
    pub open_only: bool,
    pub category: Option<String>,
    /// An operator's login; `Some("")` means tickets nobody has taken.
    pub assignee: Option<String>,
    pub channel: Option<crate::domain::Channel>,
    /// Only tickets past a due time.
    pub overdue: bool,
    /// Matches 氏名, 所属 (from the staff directory), 職員番号, 受付番号 (`#12`, `12`), the
    /// subject or the conversation's text.
    pub text: Option<String>,
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

/// `status IN ('new', 'in_progress', 'on_hold')`, from [`TicketStatus::OPEN`].
fn open_statuses() -> &'static str {
    static OPEN: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| TicketStatus::sql_list(TicketStatus::OPEN));
    &OPEN
}

/// Open tickets past a due time at `$N`: still 新規 after the first-response due time,
/// or not resolved after the resolution due time.
fn overdue_condition(at: &str) -> String {
    format!(
        "(status IN ({open}) AND ((status = '{new}' AND first_response_due < {at}) \
         OR resolution_due < {at}))",
        open = open_statuses(),
        new = TicketStatus::New.as_str(),
    )
}

/// Inserts a ticket and marks it as its conversation's open ticket; its id.
pub async fn insert(tx: &mut Tx, ticket: &NewTicket) -> Result<i64> {
    let now = tx.now();
    sql(
        "INSERT INTO tickets (conversation_id, channel, status, subject, staff_no, \
         requester_name, contact, transcript, category, opened_at, updated_at, \
         first_response_due, resolution_due) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12) RETURNING id",
    )
    .bind(ticket.conversation_id)
    .bind(ticket.channel)
    .bind(TicketStatus::New)
    .bind(&ticket.subject)
    .bind(&ticket.staff_no)
    .bind(&ticket.requester_name)
    .bind(&ticket.contact)
    .bind(&ticket.transcript)
    .bind(&ticket.category)
    .bind(now)
    .bind(ticket.first_response_due)
    .bind(ticket.resolution_due)
    .scalar(&mut tx.conn())
    .await
}

pub async fn get(c: &mut Conn<'_>, id: i64) -> Result<Option<Ticket>> {
    sql("SELECT * FROM tickets WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await
}

/// The ticket, locked for this transaction (PostgreSQL; SQLite's writer excludes others).
pub async fn get_for_update(tx: &mut Tx, id: i64) -> Result<Option<Ticket>> {
    sql("SELECT * FROM tickets WHERE id = $1 FOR UPDATE")
        .locking()
        .bind(id)
        .fetch_optional(&mut tx.conn())
        .await
}

/// Changes a ticket; `false` when there is no such ticket.
pub async fn update(tx: &mut Tx, id: i64, update: &TicketUpdate) -> Result<bool> {
    let now = tx.now();
    let resolved = update
        .status
        .map(|s| matches!(s, TicketStatus::Resolved | TicketStatus::Closed));
    let changed = sql("UPDATE tickets SET status = COALESCE($2, status), \
         assignee = CASE WHEN $3 THEN $4 ELSE assignee END, \
         faq_id = COALESCE($5, faq_id), updated_at = $6, \
         resolved_at = CASE WHEN $7 IS NULL THEN resolved_at \
         WHEN $7 THEN COALESCE(resolved_at, $6) ELSE NULL END, \
         category = CASE WHEN $8 THEN $9 ELSE category END, \
         priority = COALESCE($10, priority), \
         first_response_due = COALESCE($11, first_response_due), \
         resolution_due = COALESCE($12, resolution_due) WHERE id = $1")
    .bind(id)
    .bind(update.status.map(|s| s.as_str()))
    .bind(update.assignee.is_some())
    .bind(update.assignee.clone().flatten())
    .bind(&update.faq_id)
    .bind(now)
    .bind(resolved)
    .bind(update.category.is_some())
    .bind(update.category.clone().flatten())
    .bind(update.priority.map(|p| p.as_str()))
    .bind(update.due.map(|d| d.0))
    .bind(update.due.map(|d| d.1))
    .execute(&mut tx.conn())
    .await?;
    Ok(changed == 1)
}

pub async fn add_note(tx: &mut Tx, ticket_id: i64, author: &str, text: &str) -> Result<TicketNote> {
    let now = tx.now();
    sql(
        "INSERT INTO ticket_notes (ticket_id, author, text, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING *",
    )
    .bind(ticket_id)
    .bind(author)
    .bind(text)
    .bind(now)
    .fetch_one(&mut tx.conn())
    .await
}

pub async fn notes(c: &mut Conn<'_>, ticket_id: i64) -> Result<Vec<TicketNote>> {
    sql("SELECT * FROM ticket_notes WHERE ticket_id = $1 ORDER BY id")
        .bind(ticket_id)
        .fetch_all(c)
        .await
}

/// Tickets matching `filter`, newest first, `limit` from `offset`, and the total.
pub async fn page(
    c: &mut Conn<'_>,
    filter: &TicketFilter,
    now: DateTime<Utc>,
    offset: i64,
    limit: i64,
) -> Result<TicketPage> {
    // The search text's letters in either case: see `search_fold`.
    let statements = |fold: &Fold| {
        let conditions = format!(
            "($1 IS NULL OR status = $1) AND (NOT $2 OR status IN ({open})) \
             AND ($3 IS NULL OR category = $3) \
             AND ($4 IS NULL OR ($4 = '' AND assignee IS NULL) OR assignee = $4) \
             AND ($5 IS NULL OR channel = $5) AND (NOT $6 OR {overdue}) \
             AND ($8 IS NULL OR {name} OR staff_no = $9 \
             OR id = $10 OR {subject} OR {transcript} \
             OR staff_no IN (SELECT employee_no FROM staff WHERE {department}))",
            open = open_statuses(),
            overdue = overdue_condition("$7"),
            name = fold.like("requester_name", "$8"),
            subject = fold.like("subject", "$8"),
            transcript = fold.like("transcript", "$8"),
            department = fold.like("department", "$8"),
        );
        (
            format!(
                "SELECT * FROM tickets WHERE {conditions} ORDER BY id DESC LIMIT $11 OFFSET $12"
            ),
            format!("SELECT COUNT(*) FROM tickets WHERE {conditions}"),
        )
    };
    let (text, like) = super::requests::search_text(filter.text.as_deref());
    let number = text.and_then(crate::domain::parse_ticket_number);
    let fold = Fold::of(text, c.is_postgres());
    let (list, count) = statements(&fold);
    let bound = |statement: &str| {
        sql_owned(statement.to_owned())
            .bind(filter.status)
            .bind(filter.open_only)
            .bind(&filter.category)
            .bind(&filter.assignee)
            .bind(filter.channel)
            .bind(filter.overdue)
            .bind(now)
            .bind(like.clone())
            .bind(text)
            .bind(number)
    };
    let tickets = bound(&list).bind(limit).bind(offset).fetch_all(c).await?;
    let total = bound(&count).scalar(c).await?;
    Ok(TicketPage { tickets, total })
}

/// Tickets, newest first, optionally of one status.
pub async fn list(
    c: &mut Conn<'_>,
    status: Option<TicketStatus>,
    limit: i64,
) -> Result<Vec<Ticket>> {
    sql("SELECT * FROM tickets WHERE ($1 IS NULL OR status = $1) ORDER BY id DESC LIMIT $2")
        .bind(status)
        .bind(limit)
        .fetch_all(c)
        .await
}

/// Open tickets past a due time at `at`, newest first.
pub async fn overdue(c: &mut Conn<'_>, at: DateTime<Utc>, limit: i64) -> Result<Vec<Ticket>> {
    static OVERDUE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT * FROM tickets WHERE {} ORDER BY id DESC LIMIT $2",
            overdue_condition("$1")
        )
    });
    sql(OVERDUE.as_str())
        .bind(at)
        .bind(limit)
        .fetch_all(c)
        .await
}

/// How many tickets are open, and how many of them are past a due time at `at`.
pub async fn open_and_overdue(c: &mut Conn<'_>, at: DateTime<Utc>) -> Result<(i64, i64)> {
    static COUNTS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT (SELECT COUNT(*) FROM tickets WHERE status IN ({})), \
             (SELECT COUNT(*) FROM tickets WHERE {})",
            open_statuses(),
            overdue_condition("$1")
        )
    });
    sql(COUNTS.as_str()).bind(at).fetch_one(c).await
}

/// The categories and channels tickets have, for the queue's filter menus.
pub async fn facets(c: &mut Conn<'_>) -> Result<(Vec<String>, Vec<String>)> {
    let categories =
        sql("SELECT DISTINCT category FROM tickets WHERE category IS NOT NULL ORDER BY category")
            .scalars(c)
            .await?;
    let channels = sql("SELECT DISTINCT channel FROM tickets ORDER BY channel")
        .scalars(c)
        .await?;
    Ok((categories, channels))
}

impl Store {
    /// Opens a ticket and marks it as its conversation's open ticket, as an escalation
    /// does (for tools and tests that fill a queue without a conversation turn).
    pub async fn open_ticket(&self, ticket: &NewTicket) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id = insert(&mut tx, ticket).await?;
        let now = tx.now();
        sql(
            "UPDATE conversations SET ticket_id = $2, version = version + 1, updated_at = $3 \
             WHERE id = $1",
        )
        .bind(ticket.conversation_id)
        .bind(id)
        .bind(now)
        .execute(&mut tx.conn())
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Changes a ticket, as an action of its own; `false` when there is no such ticket.
    pub async fn update_ticket(&self, id: i64, change: &TicketUpdate) -> Result<bool> {
        let mut tx = self.begin().await?;
        let changed = update(&mut tx, id, change).await?;
        tx.commit().await?;
        Ok(changed)
    }

    pub async fn ticket(&self, id: i64) -> Result<Option<Ticket>> {
        get(&mut self.conn(), id).await
    }

    /// Tickets, newest first, optionally of one status.
    pub async fn tickets(&self, status: Option<TicketStatus>, limit: i64) -> Result<Vec<Ticket>> {
        list(&mut self.conn(), status, limit).await
    }

    /// Open tickets past a due time at `at`: still 新規 after the first-response due time,
    /// or not resolved after the resolution due time. Newest first.
    pub async fn overdue_tickets(&self, at: DateTime<Utc>, limit: i64) -> Result<Vec<Ticket>> {
        overdue(&mut self.conn(), at, limit).await
    }

    /// Tickets matching `filter`, newest first, `limit` from `offset`, and the total.
    pub async fn ticket_page(
        &self,
        filter: &TicketFilter,
        now: DateTime<Utc>,
        offset: i64,
        limit: i64,
    ) -> Result<TicketPage> {
        page(&mut self.conn(), filter, now, offset, limit).await
    }

    /// (categories, channels) that tickets have.
    pub async fn ticket_facets(&self) -> Result<(Vec<String>, Vec<String>)> {
        facets(&mut self.conn()).await
    }

    pub async fn ticket_notes(&self, ticket_id: i64) -> Result<Vec<TicketNote>> {
        notes(&mut self.conn(), ticket_id).await
    }
}

//! Requests (申請): the request, its history of state changes and its work order. Every
//! change checks and bumps the request's version, so that of two operators acting at once
//! one wins and the other is refused ([`StorageError::Conflict`]).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::search_fold::{like_anywhere, Fold};
use super::{sql, sql_owned, Conn, Result, StorageError, Tx};
use crate::domain::{Channel, RequestAction, RequestStatus, StepStatus, TextEnum};

/// A request to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRequest {
    pub type_id: String,
    pub type_name: String,
    /// The type's definition as submitted (JSON).
    pub definition: String,
    pub requester_no: String,
    pub requester_name: String,
    pub department: String,
    pub channel: Channel,
    pub conversation_id: Option<i64>,
    pub ticket_id: Option<i64>,
    /// The validated answers (JSON object).
    pub fields: String,
    pub due_at: Option<DateTime<Utc>>,
}

/// A stored request.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct RequestRow {
    pub id: i64,
    pub type_id: String,
    pub type_name: String,
    #[serde(skip)]
    pub definition: String,
    pub status: RequestStatus,
    pub requester_no: String,
    pub requester_name: String,
    pub department: String,
    pub channel: Channel,
    pub conversation_id: Option<i64>,
    pub ticket_id: Option<i64>,
    #[serde(skip)]
    pub fields: String,
    #[serde(skip)]
    pub approvals: String,
    pub reason: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl RequestRow {
    /// The logins that approved so far.
    pub fn approvers(&self) -> Vec<String> {
        serde_json::from_str(&self.approvals).unwrap_or_default()
    }
}

/// One state change.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct RequestEvent {
    pub id: i64,
    pub request_id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: RequestAction,
    pub from_status: Option<RequestStatus>,
    pub to_status: RequestStatus,
    pub note: Option<String>,
}

/// One step of a work order.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct RequestStep {
    pub request_id: i64,
    pub position: i64,
    pub title: String,
    /// The Active Directory change it prepares (`new_user`, ...), if any.
    pub ad: Option<String>,
    pub status: StepStatus,
    pub note: Option<String>,
    pub done_by: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
}

/// A state change to write: from the version read, to `status`.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange<'a> {
    pub version: i64,
    pub status: RequestStatus,
    pub approvals: &'a [String],
    pub reason: Option<&'a str>,
    /// New answers (a resubmission), else unchanged.
    pub fields: Option<&'a str>,
    pub due_at: Option<DateTime<Utc>>,
}

/// Which requests the queue shows. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestFilter {
    pub status: Option<RequestStatus>,
    pub open_only: bool,
    /// Matches 氏名, 所属, 職員番号, the type's name, or the number (`R-12`, `12`).
    pub text: Option<String>,
    pub requester_no: Option<String>,
}

pub async fn insert(tx: &mut Tx, request: &NewRequest) -> Result<i64> {
    let now = tx.now();
    sql(
        "INSERT INTO requests (type_id, type_name, definition, status, requester_no, \
         requester_name, department, channel, conversation_id, ticket_id, fields, due_at, \
         created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
    )
    .bind(&request.type_id)
    .bind(&request.type_name)
    .bind(&request.definition)
    .bind(RequestStatus::Submitted)
    .bind(&request.requester_no)
    .bind(&request.requester_name)
    .bind(&request.department)
    .bind(request.channel)
    .bind(request.conversation_id)
    .bind(request.ticket_id)
    .bind(&request.fields)
    .bind(request.due_at)
    .bind(now)
    .scalar(&mut tx.conn())
    .await
}

pub async fn get(c: &mut Conn<'_>, id: i64) -> Result<Option<RequestRow>> {
    sql("SELECT * FROM requests WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await
}

/// The request a ticket became, if any.
pub async fn of_ticket(c: &mut Conn<'_>, ticket_id: i64) -> Result<Option<RequestRow>> {
    sql("SELECT * FROM requests WHERE ticket_id = $1 ORDER BY id DESC LIMIT 1")
        .bind(ticket_id)
        .fetch_optional(c)
        .await
}

/// Writes a state change if the request is still at `change.version`; else
/// [`StorageError::Conflict`] and nothing is written.
pub async fn change_status(tx: &mut Tx, id: i64, change: &StatusChange<'_>) -> Result<()> {
    let now = tx.now();
    let approvals = serde_json::to_string(change.approvals)
        .map_err(|e| StorageError::Invalid(e.to_string()))?;
    let changed = sql(
        "UPDATE requests SET status = $3, approvals = $4, reason = $5, \
         fields = COALESCE($6, fields), due_at = COALESCE($7, due_at), \
         version = version + 1, updated_at = $8 WHERE id = $1 AND version = $2",
    )
    .bind(id)
    .bind(change.version)
    .bind(change.status)
    .bind(approvals)
    .bind(change.reason)
    .bind(change.fields)
    .bind(change.due_at)
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    if changed == 1 {
        Ok(())
    } else {
        Err(StorageError::Conflict(format!("request {id}")))
    }
}

/// Claims request `id`'s directory run for `token` until `until`: only while it is 作業中
/// and no other run holds an unexpired claim. False when it could not.
pub async fn claim_directory_run(
    tx: &mut Tx,
    id: i64,
    token: &str,
    until: DateTime<Utc>,
) -> Result<bool> {
    let now = tx.now();
    let changed = sql(
        "UPDATE requests SET directory_run = $2, directory_run_until = $3 \
         WHERE id = $1 AND status = $4 \
         AND (directory_run_until IS NULL OR directory_run_until <= $5)",
    )
    .bind(id)
    .bind(token)
    .bind(until)
    .bind(RequestStatus::InProgress)
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    Ok(changed == 1)
}

/// Renews run `token`'s claim on request `id` until `until`; false when the run no longer
/// holds it (taken over after its lease ran out, or the request left 作業中).
pub async fn renew_directory_run(
    tx: &mut Tx,
    id: i64,
    token: &str,
    until: DateTime<Utc>,
) -> Result<bool> {
    let changed = sql("UPDATE requests SET directory_run_until = $3 \
         WHERE id = $1 AND directory_run = $2 AND status = $4")
    .bind(id)
    .bind(token)
    .bind(until)
    .bind(RequestStatus::InProgress)
    .execute(&mut tx.conn())
    .await?;
    Ok(changed == 1)
}

/// Lets go of run `token`'s claim on request `id` (if it still holds it).
pub async fn release_directory_run(tx: &mut Tx, id: i64, token: &str) -> Result<()> {
    sql(
        "UPDATE requests SET directory_run = NULL, directory_run_until = NULL \
         WHERE id = $1 AND directory_run = $2",
    )
    .bind(id)
    .bind(token)
    .execute(&mut tx.conn())
    .await?;
    Ok(())
}

/// Whether a directory run holds request `id` at `now`.
pub async fn directory_run_held(c: &mut Conn<'_>, id: i64, now: DateTime<Utc>) -> Result<bool> {
    let until: Option<Option<DateTime<Utc>>> =
        sql("SELECT directory_run_until FROM requests WHERE id = $1")
            .bind(id)
            .scalar_optional(c)
            .await?;
    Ok(until.flatten().is_some_and(|until| until > now))
}

/// Bumps the request's version (a step marked), refusing if it moved since `version`.
pub async fn touch(tx: &mut Tx, id: i64, version: i64) -> Result<()> {
    let now = tx.now();
    let changed = sql(
        "UPDATE requests SET version = version + 1, updated_at = $3 WHERE id = $1 AND version = $2",
    )
    .bind(id)
    .bind(version)
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    if changed == 1 {
        Ok(())
    } else {
        Err(StorageError::Conflict(format!("request {id}")))
    }
}

/// Links a request to a ticket (a ticket that became a request, or the other way).
pub async fn link_ticket(tx: &mut Tx, id: i64, ticket_id: i64) -> Result<()> {
    sql("UPDATE requests SET ticket_id = $2 WHERE id = $1")
        .bind(id)
        .bind(ticket_id)
        .execute(&mut tx.conn())
        .await?;
    Ok(())
}

/// Appends a line to the request's history.
pub async fn add_event(
    tx: &mut Tx,
    request_id: i64,
    actor: &str,
    action: RequestAction,
    from: Option<RequestStatus>,
    to: RequestStatus,
    note: Option<&str>,
) -> Result<()> {
    let now = tx.now();
    sql(
        "INSERT INTO request_events (request_id, at, actor, action, from_status, to_status, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(request_id)
    .bind(now)
    .bind(actor)
    .bind(action)
    .bind(from)
    .bind(to)
    .bind(note)
    .execute(&mut tx.conn())
    .await?;
    Ok(())
}

pub async fn events(c: &mut Conn<'_>, request_id: i64) -> Result<Vec<RequestEvent>> {
    sql("SELECT * FROM request_events WHERE request_id = $1 ORDER BY id")
        .bind(request_id)
        .fetch_all(c)
        .await
}

/// Writes the work order's steps (title, AD change), once, when the request is approved.
pub async fn insert_steps(
    tx: &mut Tx,
    request_id: i64,
    steps: &[(String, Option<String>)],
) -> Result<()> {
    for (position, (title, ad)) in steps.iter().enumerate() {
        sql(
            "INSERT INTO request_steps (request_id, position, title, ad, status) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (request_id, position) DO NOTHING",
        )
        .bind(request_id)
        .bind(position + 1)
        .bind(title)
        .bind(ad)
        .bind(StepStatus::Pending)
        .execute(&mut tx.conn())
        .await?;
    }
    Ok(())
}

pub async fn steps(c: &mut Conn<'_>, request_id: i64) -> Result<Vec<RequestStep>> {
    sql("SELECT * FROM request_steps WHERE request_id = $1 ORDER BY position")
        .bind(request_id)
        .fetch_all(c)
        .await
}

/// Marks step `position` done or failed (or pending again); `false` when there is none.
pub async fn mark_step(
    tx: &mut Tx,
    request_id: i64,
    position: i64,
    status: StepStatus,
    note: Option<&str>,
    by: &str,
) -> Result<bool> {
    let now = tx.now();
    let changed = sql(
        "UPDATE request_steps SET status = $3, note = $4, done_by = $5, done_at = $6 \
         WHERE request_id = $1 AND position = $2",
    )
    .bind(request_id)
    .bind(position)
    .bind(status)
    .bind(note)
    .bind(by)
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    Ok(changed == 1)
}

/// Requests matching `filter`, newest first, `limit` from `offset`, and how many match.
pub async fn page(
    c: &mut Conn<'_>,
    filter: &RequestFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<RequestRow>, i64)> {
    // The search text's letters in either case: see `search_fold`.
    let statements = |fold: &Fold| {
        let conditions = format!(
            "($1 IS NULL OR status = $1) AND (NOT $2 OR status IN ({open})) \
             AND ($3 IS NULL OR requester_no = $3) \
             AND ($4 IS NULL OR {name} OR {department} \
             OR requester_no = $5 OR {type_name} OR id = $6)",
            open = RequestStatus::sql_list(RequestStatus::OPEN),
            name = fold.like("requester_name", "$4"),
            type_name = fold.like("type_name", "$4"),
            department = fold.like("department", "$4"),
        );
        (
            format!(
                "SELECT * FROM requests WHERE {conditions} ORDER BY id DESC LIMIT $7 OFFSET $8"
            ),
            format!("SELECT COUNT(*) FROM requests WHERE {conditions}"),
        )
    };
    let (text, like) = search_text(filter.text.as_deref());
    let number = text.and_then(crate::domain::request::parse_request_number);
    let fold = Fold::of(text, c.is_postgres());
    let (list, count) = statements(&fold);
    let bound = |statement: &str| {
        sql_owned(statement.to_owned())
            .bind(filter.status)
            .bind(filter.open_only)
            .bind(&filter.requester_no)
            .bind(like.clone())
            .bind(text)
            .bind(number)
    };
    let rows = bound(&list).bind(limit).bind(offset).fetch_all(c).await?;
    let total = bound(&count).scalar(c).await?;
    Ok((rows, total))
}

/// A search box's text, trimmed (`None` when empty), and its `LIKE` pattern (anywhere,
/// for [`Fold::like`]).
pub(super) fn search_text(text: Option<&str>) -> (Option<&str>, Option<String>) {
    let text = text.map(str::trim).filter(|t| !t.is_empty());
    (text, text.map(like_anywhere))
}

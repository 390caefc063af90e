//! Outages (障害): the outage, its timeline, and the conversations linked to it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{sql, Conn, Result, Tx};
use crate::domain::outage::Affected;
use crate::domain::{Channel, Network, OutageState};

/// One outage, or a planned stop.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Outage {
    pub id: i64,
    pub title: String,
    /// What is affected, in staff's words, one a line.
    pub systems: String,
    /// FAQ entries whose questions concern it, one a line.
    pub faq_ids: String,
    pub network: Option<Network>,
    /// 庁舎 or 出先機関.
    pub place: Option<String>,
    /// Since when (the planned start, for a planned stop).
    pub since: DateTime<Utc>,
    pub planned: bool,
    /// The servers' shutdown/restart checklist of a planned stop, one step a line.
    pub checklist: Option<String>,
    pub vendor: Option<String>,
    pub vendor_ticket: Option<String>,
    pub state: OutageState,
    pub cause: Option<String>,
    pub measures: Option<String>,
    pub recovered_at: Option<DateTime<Utc>>,
    pub declared_by: String,
    pub created_at: DateTime<Utc>,
    /// The last timeline entry (the 「○時○分現在」 of the notice).
    pub updated_at: DateTime<Utc>,
}

impl Outage {
    pub fn affected(&self) -> Affected {
        let lines = |text: &str| -> Vec<String> {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        };
        Affected {
            systems: lines(&self.systems),
            faq_ids: lines(&self.faq_ids),
        }
    }

    /// The checklist's steps.
    pub fn checklist_steps(&self) -> Vec<&str> {
        self.checklist
            .as_deref()
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    }
}

/// A new outage, checked by the service.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOutage {
    pub title: String,
    pub affected: Affected,
    pub network: Option<Network>,
    pub place: Option<String>,
    pub since: DateTime<Utc>,
    pub planned: bool,
    pub checklist: Option<String>,
    pub vendor: Option<String>,
    pub vendor_ticket: Option<String>,
    pub declared_by: String,
}

/// A line of an outage's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct TimelineEntry {
    pub id: i64,
    pub outage_id: i64,
    pub at: DateTime<Utc>,
    pub note: String,
    pub actor: String,
}

/// A conversation linked to an outage.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct OutageLink {
    pub conversation_id: i64,
    pub channel: Channel,
    pub user_name: Option<String>,
    pub staff_no: Option<String>,
    pub linked_at: DateTime<Utc>,
    /// The staff member asked for a person (attached here instead of a ticket).
    pub escalated: bool,
}

pub async fn insert(tx: &mut Tx, o: &NewOutage) -> Result<Outage> {
    let now = tx.now();
    let state = if o.planned {
        OutageState::Planned
    } else {
        OutageState::Ongoing
    };
    sql(
        "INSERT INTO outages (title, systems, faq_ids, network, place, since, planned, \
         checklist, vendor, vendor_ticket, state, declared_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING *",
    )
    .bind(&o.title)
    .bind(o.affected.systems.join("\n"))
    .bind(o.affected.faq_ids.join("\n"))
    .bind(o.network)
    .bind(&o.place)
    .bind(o.since)
    .bind(o.planned)
    .bind(&o.checklist)
    .bind(&o.vendor)
    .bind(&o.vendor_ticket)
    .bind(state)
    .bind(&o.declared_by)
    .bind(now)
    .fetch_one(&mut tx.conn())
    .await
}

pub async fn get(c: &mut Conn<'_>, id: i64) -> Result<Option<Outage>> {
    sql("SELECT * FROM outages WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await
}

/// Outage `id`, locked until the transaction ends: links, replies and the close of one
/// outage never interleave.
pub async fn lock(tx: &mut Tx, id: i64) -> Result<Option<Outage>> {
    sql("SELECT * FROM outages WHERE id = $1 FOR UPDATE")
        .locking()
        .bind(id)
        .fetch_optional(&mut tx.conn())
        .await
}

/// Outage `id` locked for a conversation's turn, or `None` while an operator's action
/// holds it. A turn holds its conversation's lock, and an action on the outage (a reply to
/// everyone, the close) holds the outage's and waits for the linked conversations' to
/// write into them: the turn of a linked conversation that waited for the outage would
/// deadlock with it, so it never waits.
pub async fn lock_unless_busy(tx: &mut Tx, id: i64) -> Result<Option<Outage>> {
    sql("SELECT * FROM outages WHERE id = $1 FOR UPDATE SKIP LOCKED")
        .locking()
        .bind(id)
        .fetch_optional(&mut tx.conn())
        .await
}

/// Open outages first (newest first), then the last recovered ones.
pub async fn list(c: &mut Conn<'_>, limit: i64) -> Result<Vec<Outage>> {
    sql(
        "SELECT * FROM outages ORDER BY CASE WHEN state IN ($2, $3) THEN 1 ELSE 0 END, id DESC \
         LIMIT $1",
    )
    .bind(limit)
    .bind(OutageState::Recovered)
    .bind(OutageState::Cancelled)
    .fetch_all(c)
    .await
}

/// The outages happening now.
pub async fn ongoing(c: &mut Conn<'_>) -> Result<Vec<Outage>> {
    sql("SELECT * FROM outages WHERE state = $1 ORDER BY id")
        .bind(OutageState::Ongoing)
        .fetch_all(c)
        .await
}

/// Outages that started (or were declared) in `from..to`, for the reports.
pub async fn between(
    c: &mut Conn<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Outage>> {
    sql("SELECT * FROM outages WHERE since >= $1 AND since < $2 ORDER BY since, id")
        .bind(from)
        .bind(to)
        .fetch_all(c)
        .await
}

/// A new state (with, on recovery, its time, cause and measures).
pub async fn set_state(
    tx: &mut Tx,
    id: i64,
    state: OutageState,
    cause: Option<&str>,
    measures: Option<&str>,
) -> Result<()> {
    let now = tx.now();
    let recovered_at = (state == OutageState::Recovered).then_some(now);
    sql(
        "UPDATE outages SET state = $2, recovered_at = $3, cause = COALESCE($4, cause), \
         measures = COALESCE($5, measures), updated_at = $6 WHERE id = $1",
    )
    .bind(id)
    .bind(state)
    .bind(recovered_at)
    .bind(cause)
    .bind(measures)
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    Ok(())
}

/// Adds a line to the timeline; the outage's 「○時○分現在」 moves to now.
pub async fn add_entry(tx: &mut Tx, outage_id: i64, note: &str, actor: &str) -> Result<()> {
    let now = tx.now();
    sql("INSERT INTO outage_timeline (outage_id, at, note, actor) VALUES ($1, $2, $3, $4)")
        .bind(outage_id)
        .bind(now)
        .bind(note)
        .bind(actor)
        .execute(&mut tx.conn())
        .await?;
    sql("UPDATE outages SET updated_at = $2 WHERE id = $1")
        .bind(outage_id)
        .bind(now)
        .execute(&mut tx.conn())
        .await?;
    Ok(())
}

pub async fn timeline(c: &mut Conn<'_>, outage_id: i64) -> Result<Vec<TimelineEntry>> {
    sql("SELECT * FROM outage_timeline WHERE outage_id = $1 ORDER BY at, id")
        .bind(outage_id)
        .fetch_all(c)
        .await
}

/// Links a conversation to an outage (once; `escalated` is kept once set).
pub async fn link(
    tx: &mut Tx,
    outage_id: i64,
    conversation_id: i64,
    escalated: bool,
) -> Result<()> {
    let now = tx.now();
    // A notice (not escalated) moves noticed_at; an attachment keeps it.
    sql(
        "INSERT INTO outage_links (outage_id, conversation_id, linked_at, escalated, \
         noticed_at) VALUES ($1, $2, $3, $4, $3) ON CONFLICT (outage_id, conversation_id) \
         DO UPDATE SET escalated = outage_links.escalated OR excluded.escalated, \
         noticed_at = CASE WHEN excluded.escalated THEN outage_links.noticed_at \
         ELSE excluded.noticed_at END",
    )
    .bind(outage_id)
    .bind(conversation_id)
    .bind(now)
    .bind(escalated)
    .execute(&mut tx.conn())
    .await?;
    Ok(())
}

/// Whether conversation `conversation_id` is linked to outage `outage_id`.
pub async fn is_linked(c: &mut Conn<'_>, outage_id: i64, conversation_id: i64) -> Result<bool> {
    let found: Option<i64> =
        sql("SELECT outage_id FROM outage_links WHERE outage_id = $1 AND conversation_id = $2")
            .bind(outage_id)
            .bind(conversation_id)
            .scalar_optional(c)
            .await?;
    Ok(found.is_some())
}

/// Sets when outage `id` began (a planned stop that started).
pub async fn set_since(tx: &mut Tx, id: i64, since: DateTime<Utc>) -> Result<()> {
    sql("UPDATE outages SET since = $2 WHERE id = $1")
        .bind(id)
        .bind(since)
        .execute(&mut tx.conn())
        .await?;
    Ok(())
}

/// The conversations linked to an outage, in the order they were linked.
pub async fn links(c: &mut Conn<'_>, outage_id: i64) -> Result<Vec<OutageLink>> {
    sql(
        "SELECT l.conversation_id, c.channel, c.user_name, c.staff_no, l.linked_at, \
         l.escalated FROM outage_links l JOIN conversations c ON c.id = l.conversation_id \
         WHERE l.outage_id = $1 ORDER BY l.linked_at, l.conversation_id",
    )
    .bind(outage_id)
    .fetch_all(c)
    .await
}

/// The ongoing outage a conversation is linked to, if any (the newest), and when the
/// conversation was last told of it.
pub async fn ongoing_of(
    c: &mut Conn<'_>,
    conversation_id: i64,
) -> Result<Option<(Outage, Option<DateTime<Utc>>)>> {
    let Some(outage): Option<Outage> = sql(
        "SELECT o.* FROM outages o JOIN outage_links l ON l.outage_id = o.id \
         WHERE l.conversation_id = $1 AND o.state = $2 ORDER BY o.id DESC LIMIT 1",
    )
    .bind(conversation_id)
    .bind(OutageState::Ongoing)
    .fetch_optional(&mut *c)
    .await?
    else {
        return Ok(None);
    };
    let noticed_at =
        sql("SELECT noticed_at FROM outage_links WHERE outage_id = $1 AND conversation_id = $2")
            .bind(outage.id)
            .bind(conversation_id)
            .scalar_optional(c)
            .await?
            .flatten();
    Ok(Some((outage, noticed_at)))
}

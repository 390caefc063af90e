//! Records the helpdesk keeps for the city besides tickets: the virus-incident log, the
//! consumables stock with its moves, and the work log.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{sql, Conn, Result, Tx};
use crate::domain::StockKind;

/// One virus incident (5(2)ア⑦).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct VirusIncident {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub device: String,
    pub person: Option<String>,
    pub department: Option<String>,
    pub detection_name: String,
    /// How it was found (ウイルス対策ソフトの検知, 職員からの連絡...).
    pub found_by: String,
    pub actions: Option<String>,
    /// Whether the device was taken off the network.
    pub isolated: bool,
    pub result: Option<String>,
    pub reported_at: Option<DateTime<Utc>>,
    pub reported_to: Option<String>,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

/// A new incident; `reported_*` are set when the notice to the city is queued with it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewVirusIncident {
    pub occurred_at: DateTime<Utc>,
    pub device: String,
    pub person: Option<String>,
    pub department: Option<String>,
    pub detection_name: String,
    pub found_by: String,
    pub actions: Option<String>,
    pub isolated: bool,
    pub result: Option<String>,
    pub reported_to: Option<String>,
    pub recorded_by: String,
}

pub async fn insert_incident(tx: &mut Tx, i: &NewVirusIncident) -> Result<VirusIncident> {
    let now = tx.now();
    let reported_at = i.reported_to.as_ref().map(|_| now);
    sql(
        "INSERT INTO virus_incidents (occurred_at, device, person, department, detection_name, \
         found_by, actions, isolated, result, reported_at, reported_to, recorded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING *",
    )
    .bind(i.occurred_at)
    .bind(&i.device)
    .bind(&i.person)
    .bind(&i.department)
    .bind(&i.detection_name)
    .bind(&i.found_by)
    .bind(&i.actions)
    .bind(i.isolated)
    .bind(&i.result)
    .bind(reported_at)
    .bind(&i.reported_to)
    .bind(&i.recorded_by)
    .bind(now)
    .fetch_one(&mut tx.conn())
    .await
}

/// Incidents that happened in `from..to`, oldest first.
pub async fn incidents(
    c: &mut Conn<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<VirusIncident>> {
    sql(
        "SELECT * FROM virus_incidents WHERE occurred_at >= $1 AND occurred_at < $2 \
         ORDER BY occurred_at, id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(c)
    .await
}

/// A consumable and how many are in stock.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct StockItem {
    pub id: i64,
    pub kind: StockKind,
    pub name: String,
    pub quantity: i64,
    pub threshold: i64,
    /// Since when the stock is below its threshold (the notice went out then).
    pub short_since: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// One move in or out of the stock.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct StockMove {
    pub id: i64,
    pub item_id: i64,
    pub delta: i64,
    pub quantity_after: i64,
    pub person: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// Adds an item; `None` when an item of that name exists.
pub async fn insert_item(
    tx: &mut Tx,
    kind: StockKind,
    name: &str,
    threshold: i64,
) -> Result<Option<StockItem>> {
    let now = tx.now();
    sql(
        "INSERT INTO stock_items (kind, name, quantity, threshold, updated_at) \
         VALUES ($1, $2, 0, $3, $4) ON CONFLICT DO NOTHING RETURNING *",
    )
    .bind(kind)
    .bind(name)
    .bind(threshold)
    .bind(now)
    .fetch_optional(&mut tx.conn())
    .await
}

/// Item `id`, locked until the transaction ends (moves of one item never interleave).
pub async fn lock_item(tx: &mut Tx, id: i64) -> Result<Option<StockItem>> {
    sql("SELECT * FROM stock_items WHERE id = $1 FOR UPDATE")
        .locking()
        .bind(id)
        .fetch_optional(&mut tx.conn())
        .await
}

/// Sets an item's quantity and shortage mark, and records the move.
pub async fn record_move(
    tx: &mut Tx,
    item: &StockItem,
    delta: i64,
    person: &str,
    reason: &str,
) -> Result<()> {
    let now = tx.now();
    sql("UPDATE stock_items SET quantity = $2, short_since = $3, updated_at = $4 WHERE id = $1")
        .bind(item.id)
        .bind(item.quantity)
        .bind(item.short_since)
        .bind(now)
        .execute(&mut tx.conn())
        .await?;
    sql(
        "INSERT INTO stock_moves (item_id, delta, quantity_after, person, reason, at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(item.id)
    .bind(delta)
    .bind(item.quantity)
    .bind(person)
    .bind(reason)
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    Ok(())
}

pub async fn items(c: &mut Conn<'_>) -> Result<Vec<StockItem>> {
    sql("SELECT * FROM stock_items ORDER BY kind, name")
        .fetch_all(c)
        .await
}

/// Moves in `from..to`, oldest first.
pub async fn moves(
    c: &mut Conn<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<StockMove>> {
    sql("SELECT * FROM stock_moves WHERE at >= $1 AND at < $2 ORDER BY id")
        .bind(from)
        .bind(to)
        .fetch_all(c)
        .await
}

/// A line of the work log.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct WorkEntry {
    pub id: i64,
    pub done_at: DateTime<Utc>,
    pub operator: String,
    /// サーバ再起動, パッチ適用, ソフト配布...
    pub kind: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_work(
    tx: &mut Tx,
    done_at: DateTime<Utc>,
    operator: &str,
    kind: &str,
    description: &str,
) -> Result<WorkEntry> {
    let now = tx.now();
    sql(
        "INSERT INTO work_log (done_at, operator, kind, description, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING *",
    )
    .bind(done_at)
    .bind(operator)
    .bind(kind)
    .bind(description)
    .bind(now)
    .fetch_one(&mut tx.conn())
    .await
}

/// Work done in `from..to`, oldest first.
pub async fn work(
    c: &mut Conn<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<WorkEntry>> {
    sql("SELECT * FROM work_log WHERE done_at >= $1 AND done_at < $2 ORDER BY done_at, id")
        .bind(from)
        .bind(to)
        .fetch_all(c)
        .await
}

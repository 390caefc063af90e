//! Reservable items and their reservations (貸出・予約), with each reservation's history.
//! Periods are half-open `[starts_at, ends_at)`; a reservation holds its units while its
//! status is one of [`ReservationStatus::HOLDING`].

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{sql, sql_owned, Conn, Result, Tx};
use crate::domain::{Channel, ItemKind, ReservationAction, ReservationStatus, TextEnum};

/// Something that can be reserved, and how many of it there are.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ReservableItem {
    pub id: String,
    pub name: String,
    pub kind: ItemKind,
    pub quantity: i64,
    /// The longest period one reservation may take, in days.
    pub max_days: i64,
    pub created_at: DateTime<Utc>,
}

/// A reservation as stored.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Reservation {
    pub id: i64,
    pub item_id: String,
    pub quantity: i64,
    #[serde(rename = "from")]
    pub starts_at: DateTime<Utc>,
    #[serde(rename = "to")]
    pub ends_at: DateTime<Utc>,
    /// The return the requester asked for, when it fell outside opening hours.
    pub asked_ends_at: Option<DateTime<Utc>>,
    /// The requester's 職員番号.
    #[serde(rename = "requester")]
    pub requester_no: String,
    pub requester_name: String,
    pub department: String,
    pub purpose: String,
    pub status: ReservationStatus,
    pub channel: Channel,
    pub conversation_id: Option<i64>,
    /// A JSON list of the asset numbers handed out.
    #[serde(skip)]
    pub asset_numbers: Option<String>,
    pub condition_out: Option<String>,
    pub settings_done: Option<String>,
    pub checked_out_at: Option<DateTime<Utc>>,
    pub returned_at: Option<DateTime<Utc>>,
    pub condition_in: Option<String>,
    pub damage: Option<String>,
    pub late_minutes: Option<i64>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Reservation {
    /// The asset numbers handed out at checkout.
    pub fn assets(&self) -> Vec<String> {
        self.asset_numbers
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default()
    }
}

/// A new reservation, checked by the loan service.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReservation {
    pub item_id: String,
    pub quantity: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub asked_ends_at: Option<DateTime<Utc>>,
    pub requester_no: String,
    pub requester_name: String,
    pub department: String,
    pub purpose: String,
    pub channel: Channel,
    pub conversation_id: Option<i64>,
}

/// A line of a reservation's history.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ReservationEvent {
    pub action: ReservationAction,
    pub status: ReservationStatus,
    pub actor: String,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

/// Units held over part of a period.
#[derive(Debug, Clone, Copy, PartialEq, sqlx::FromRow)]
pub struct Holding {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub quantity: i64,
}

pub async fn insert_item(tx: &mut Tx, item: &ReservableItem) -> Result<()> {
    sql(
        "INSERT INTO reservable_items (id, name, kind, quantity, max_days, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&item.id)
    .bind(&item.name)
    .bind(item.kind)
    .bind(item.quantity)
    .bind(item.max_days)
    .bind(tx.now())
    .execute(&mut tx.conn())
    .await?;
    Ok(())
}

pub async fn item(c: &mut Conn<'_>, id: &str) -> Result<Option<ReservableItem>> {
    sql("SELECT * FROM reservable_items WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await
}

pub async fn items(c: &mut Conn<'_>) -> Result<Vec<ReservableItem>> {
    sql("SELECT * FROM reservable_items ORDER BY id")
        .fetch_all(c)
        .await
}

/// The item, locked until the transaction ends: availability checks of one item take
/// turns (PostgreSQL: row lock; SQLite has one writer).
pub async fn lock_item(tx: &mut Tx, id: &str) -> Result<Option<ReservableItem>> {
    sql("SELECT * FROM reservable_items WHERE id = $1 FOR UPDATE")
        .locking()
        .bind(id)
        .fetch_optional(&mut tx.conn())
        .await
}

/// Units of `item` held by reservations overlapping `[from, to)`, except `except`.
pub async fn held(
    c: &mut Conn<'_>,
    item: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    except: Option<i64>,
) -> Result<Vec<Holding>> {
    let statement = format!(
        "SELECT starts_at, ends_at, quantity FROM reservations \
         WHERE item_id = $1 AND ends_at > $2 AND starts_at < $3 \
         AND status IN ({}) AND ($4 IS NULL OR id <> $4)",
        ReservationStatus::sql_list(ReservationStatus::HOLDING)
    );
    sql_owned(statement)
        .bind(item)
        .bind(from)
        .bind(to)
        .bind(except)
        .fetch_all(c)
        .await
}

pub async fn insert(tx: &mut Tx, r: &NewReservation) -> Result<i64> {
    let now = tx.now();
    sql(
        "INSERT INTO reservations (item_id, quantity, starts_at, ends_at, asked_ends_at, \
         requester_no, requester_name, department, purpose, status, channel, \
         conversation_id, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $13) RETURNING id",
    )
    .bind(&r.item_id)
    .bind(r.quantity)
    .bind(r.starts_at)
    .bind(r.ends_at)
    .bind(r.asked_ends_at)
    .bind(&r.requester_no)
    .bind(&r.requester_name)
    .bind(&r.department)
    .bind(&r.purpose)
    .bind(ReservationStatus::Pending)
    .bind(r.channel)
    .bind(r.conversation_id)
    .bind(now)
    .scalar(&mut tx.conn())
    .await
}

pub async fn get(c: &mut Conn<'_>, id: i64) -> Result<Option<Reservation>> {
    sql("SELECT * FROM reservations WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await
}

/// The reservation, locked until the transaction ends.
pub async fn lock(tx: &mut Tx, id: i64) -> Result<Option<Reservation>> {
    sql("SELECT * FROM reservations WHERE id = $1 FOR UPDATE")
        .locking()
        .bind(id)
        .fetch_optional(&mut tx.conn())
        .await
}

/// Writes every changeable field of `r` (read and locked in this transaction) and bumps
/// its version.
pub async fn update(tx: &mut Tx, r: &Reservation) -> Result<()> {
    let now = tx.now();
    sql(
        "UPDATE reservations SET status = $2, ends_at = $3, asked_ends_at = $4, \
         asset_numbers = $5, condition_out = $6, settings_done = $7, checked_out_at = $8, \
         returned_at = $9, condition_in = $10, damage = $11, late_minutes = $12, \
         version = version + 1, updated_at = $13 WHERE id = $1",
    )
    .bind(r.id)
    .bind(r.status)
    .bind(r.ends_at)
    .bind(r.asked_ends_at)
    .bind(&r.asset_numbers)
    .bind(&r.condition_out)
    .bind(&r.settings_done)
    .bind(r.checked_out_at)
    .bind(r.returned_at)
    .bind(&r.condition_in)
    .bind(&r.damage)
    .bind(r.late_minutes)
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    Ok(())
}

pub async fn insert_event(
    tx: &mut Tx,
    reservation: i64,
    action: ReservationAction,
    status: ReservationStatus,
    actor: &str,
    note: Option<&str>,
) -> Result<()> {
    let now = tx.now();
    sql(
        "INSERT INTO reservation_events (reservation_id, action, status, actor, note, at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(reservation)
    .bind(action)
    .bind(status)
    .bind(actor)
    .bind(note)
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    Ok(())
}

pub async fn events(c: &mut Conn<'_>, reservation: i64) -> Result<Vec<ReservationEvent>> {
    sql(
        "SELECT action, status, actor, note, at FROM reservation_events \
         WHERE reservation_id = $1 ORDER BY id",
    )
    .bind(reservation)
    .fetch_all(c)
    .await
}

/// Reservations of `item` (every item when `None`) overlapping `[from, to)`, whatever
/// their status, by start.
pub async fn overlapping(
    c: &mut Conn<'_>,
    item: Option<&str>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Reservation>> {
    sql(
        "SELECT * FROM reservations WHERE ($1 IS NULL OR item_id = $1) \
         AND ends_at > $2 AND starts_at < $3 ORDER BY starts_at, id",
    )
    .bind(item)
    .bind(from)
    .bind(to)
    .fetch_all(c)
    .await
}

/// Reservations in `status`, by return time.
pub async fn in_status(c: &mut Conn<'_>, status: ReservationStatus) -> Result<Vec<Reservation>> {
    sql("SELECT * FROM reservations WHERE status = $1 ORDER BY ends_at, id")
        .bind(status)
        .fetch_all(c)
        .await
}

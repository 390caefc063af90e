//! The reservations as an iCalendar feed (RFC 5545) that Outlook can subscribe to: one
//! VEVENT per reservation (UTC times; cancelled and rejected ones as STATUS:CANCELLED),
//! for one item or all, behind a token in the URL. Only the token's SHA-256 is stored;
//! a revoked token answers like an unknown one.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::{LoanError, LoanResult, Loans};
use crate::batches::ics::{escape, fold};
use crate::domain::loan::reservation_number;
use crate::domain::ReservationStatus;
use crate::storage::reservation_extras::{self as extras, CalendarFeed};
use crate::storage::reservations::{self as records, ReservableItem, Reservation};
use crate::storage::{audit, AuditEntry};

/// A new feed: its id and the token for its URL (shown once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedToken {
    pub id: i64,
    pub token: String,
}

/// How far back and ahead a feed reaches.
const PAST_DAYS: i64 = 92;
const AHEAD_DAYS: i64 = 400;

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Loans {
    /// A feed of `item`'s reservations (all items' when `None`).
    pub async fn create_feed(&self, item: Option<&str>, login: &str) -> LoanResult<FeedToken> {
        self.check_operator(login).await?;
        if let Some(item) = item {
            self.item(item).await?;
        }
        let mut bytes = [0u8; 24];
        getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("random source: {e}"))?;
        let token = hex::encode(bytes);
        let mut tx = self.store.begin().await?;
        let id = extras::insert_feed(&mut tx, &hash(&token), item, login).await?;
        let entry = AuditEntry::new(login, "loan.feed.create", "calendar_feed", &id.to_string())
            .detail(item.unwrap_or("*"));
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(FeedToken { id, token })
    }

    /// Revokes feed `id`: its URL stops working at once.
    pub async fn revoke_feed(&self, id: i64, login: &str) -> LoanResult<()> {
        self.check_operator(login).await?;
        let mut tx = self.store.begin().await?;
        if !extras::revoke_feed(&mut tx, id).await? {
            return Err(LoanError::NoSuchFeed);
        }
        let entry = AuditEntry::new(login, "loan.feed.revoke", "calendar_feed", &id.to_string());
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The feed for `token` as a VCALENDAR; [`LoanError::NoSuchFeed`] for a token that
    /// is unknown or revoked.
    pub async fn feed(&self, token: &str) -> LoanResult<String> {
        let feed: CalendarFeed = extras::feed_by_hash(&mut self.store.conn(), &hash(token))
            .await?
            .filter(|f| f.revoked_at.is_none())
            .ok_or(LoanError::NoSuchFeed)?;
        let now = self.store.now();
        let items = records::items(&mut self.store.conn()).await?;
        let reservations = records::overlapping(
            &mut self.store.conn(),
            feed.item_id.as_deref(),
            now - Duration::days(PAST_DAYS),
            now + Duration::days(AHEAD_DAYS),
        )
        .await?;
        Ok(to_ics(&items, &reservations, now))
    }
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// `reservations` as a VCALENDAR; `stamp` is every event's DTSTAMP.
pub fn to_ics(
    items: &[ReservableItem],
    reservations: &[Reservation],
    stamp: DateTime<Utc>,
) -> String {
    let mut out = String::new();
    let mut line = |text: &str| fold(&mut out, text);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line("PRODID:-//madoguchi//loans//JA");
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    line("X-WR-CALNAME:貸出・予約");
    for r in reservations {
        let name = items
            .iter()
            .find(|i| i.id == r.item_id)
            .map_or(r.item_id.as_str(), |i| i.name.as_str());
        line("BEGIN:VEVENT");
        line(&format!("UID:reservation-{}@madoguchi", r.id));
        line(&format!("DTSTAMP:{}", utc(stamp)));
        line(&format!("DTSTART:{}", utc(r.starts_at)));
        line(&format!("DTEND:{}", utc(r.ends_at)));
        line(&format!("SEQUENCE:{}", r.version));
        let summary = format!(
            "{} ×{} {}（{}）[{}]",
            name,
            r.quantity,
            r.requester_name,
            r.department,
            r.status.label()
        );
        line(&format!("SUMMARY:{}", escape(&summary)));
        line(&format!(
            "DESCRIPTION:{}",
            escape(&format!(
                "予約 {}\n用途: {}",
                reservation_number(r.id),
                r.purpose
            ))
        ));
        let status = match r.status {
            ReservationStatus::Cancelled | ReservationStatus::Rejected => "CANCELLED",
            ReservationStatus::Pending => "TENTATIVE",
            _ => "CONFIRMED",
        };
        line(&format!("STATUS:{status}"));
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

//! Loans and reservations (貸出・予約, 5(2)イ): reservable items (devices, pools, kits,
//! hourly resources, licence pools), reservations on the business calendar, what
//! operators do with them (approve, reject, cancel, checkout, return, extend), the
//! licences' grant and revoke tasks, reminders and the calendar feed.
//!
//! Every action is one transaction: the reservation (read with a row lock), its history
//! line, the audit row and the notice to the requester commit together. Making or
//! extending a reservation locks the item first and checks availability inside the same
//! transaction, so concurrent requests never hold more units than there are.

mod actions;
mod feed;
mod month;
mod period;
mod reminders;
mod reserve;
mod sentences;
mod today;
mod view;
pub mod words;

use std::sync::Arc;

use crate::calendar::BusinessCalendar;
use crate::domain::loan::{reservation_number, NotAllowed};
use crate::domain::{ItemKind, Role};
use crate::outbox::Wakeup;
use crate::storage::reservations::{self as records, ReservableItem};
use crate::storage::{audit, AuditEntry, StorageError, Store};

pub use self::actions::{Checkout, LoanAction, ReturnNote};
pub use self::feed::FeedToken;
pub use self::month::{parse_month, LoanMonth};
pub use self::period::{period_start_text, Period, When};
pub use self::reserve::{CheckedReservation, ReservationRequest, Reserved};
pub use self::sentences::LoanSentences;
pub use self::today::TodayLine;
pub use self::view::LoanView;

/// Why a loan action was refused. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum LoanError {
    #[error("予約できるもの {0:?} はありません。")]
    UnknownItem(String),
    #[error("予約 {} はありません。", reservation_number(*.0))]
    NoSuchReservation(i64),
    #[error("職員番号 {0} は職員名簿にありません。")]
    UnknownRequester(String),
    #[error("{0} は予約を扱えるアカウントではありません。")]
    UnknownOperator(String),
    #[error(transparent)]
    NotAllowed(#[from] NotAllowed),
    /// Not enough free units over the period; `available` is how many there are.
    #[error("その期間に空きが足りません（空き {available}）。")]
    Unavailable { available: i64 },
    #[error("このカレンダーのURLは無効です。")]
    NoSuchFeed,
    /// Input that cannot be used; the message says which and why.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StorageError> for LoanError {
    fn from(e: StorageError) -> Self {
        LoanError::Internal(e.into())
    }
}

pub type LoanResult<T> = Result<T, LoanError>;

/// A new reservable item as an operator describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewItem {
    pub id: String,
    pub name: String,
    pub kind: ItemKind,
    pub quantity: i64,
    /// The longest period one reservation may take, in days (default 14).
    pub max_days: Option<i64>,
}

/// The default longest period of a reservation.
pub const DEFAULT_MAX_DAYS: i64 = 14;

/// The loan service.
#[derive(Clone)]
pub struct Loans {
    store: Store,
    calendar: Arc<BusinessCalendar>,
    sentences: Arc<LoanSentences>,
    wakeup: Wakeup,
    /// The operators' LoGoチャット room, for their daily list.
    operators_room: Option<String>,
}

impl Loans {
    pub fn new(
        store: Store,
        calendar: Arc<BusinessCalendar>,
        sentences: LoanSentences,
        wakeup: Wakeup,
    ) -> Self {
        Self {
            store,
            calendar,
            sentences: Arc::new(sentences),
            wakeup,
            operators_room: None,
        }
    }

    /// Sends the operators' daily list to their LoGoチャット room.
    pub fn with_operators_room(mut self, room: Option<String>) -> Self {
        self.operators_room = room;
        self
    }

    pub fn sentences(&self) -> &LoanSentences {
        &self.sentences
    }

    pub fn calendar(&self) -> &BusinessCalendar {
        &self.calendar
    }

    /// Adds a reservable item; refused when the id is taken or a field is bad.
    pub async fn create_item(&self, item: &NewItem, actor: &str) -> LoanResult<ReservableItem> {
        let id = item.id.trim();
        if id.is_empty()
            || id.len() > 64
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(LoanError::Invalid(
                "id は英数字・ハイフン・下線の64文字以内です。".into(),
            ));
        }
        let name = item.name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(LoanError::Invalid(
                "name を100文字以内で入力してください。".into(),
            ));
        }
        if !(1..=10_000).contains(&item.quantity) {
            return Err(LoanError::Invalid("quantity は 1 から 10000 です。".into()));
        }
        if item.kind == ItemKind::Device && item.quantity != 1 {
            return Err(LoanError::Invalid(
                "機器（device）の quantity は 1 です。台数のあるものは pool にしてください。"
                    .into(),
            ));
        }
        let max_days = item.max_days.unwrap_or(DEFAULT_MAX_DAYS);
        if !(1..=366).contains(&max_days) {
            return Err(LoanError::Invalid("max_days は 1 から 366 です。".into()));
        }
        let mut tx = self.store.begin().await?;
        if records::item(&mut tx.conn(), id).await?.is_some() {
            return Err(LoanError::Invalid(format!(
                "id {id} はもう使われています。"
            )));
        }
        let row = ReservableItem {
            id: id.to_owned(),
            name: name.to_owned(),
            kind: item.kind,
            quantity: item.quantity,
            max_days,
            created_at: tx.now(),
        };
        records::insert_item(&mut tx, &row).await?;
        let entry = AuditEntry::new(actor, "loan.item.create", "reservable_item", id)
            .detail(format!("{} ×{}", item.kind.as_str(), item.quantity));
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub async fn items(&self) -> LoanResult<Vec<ReservableItem>> {
        Ok(records::items(&mut self.store.conn()).await?)
    }

    pub async fn item(&self, id: &str) -> LoanResult<ReservableItem> {
        records::item(&mut self.store.conn(), id)
            .await?
            .ok_or_else(|| LoanError::UnknownItem(id.chars().take(64).collect()))
    }

    pub async fn reservation(&self, id: i64) -> LoanResult<records::Reservation> {
        records::get(&mut self.store.conn(), id)
            .await?
            .ok_or(LoanError::NoSuchReservation(id))
    }

    pub async fn history(&self, id: i64) -> LoanResult<Vec<records::ReservationEvent>> {
        Ok(records::events(&mut self.store.conn(), id).await?)
    }

    /// Checks that `login` is an active operator or admin account.
    async fn check_operator(&self, login: &str) -> LoanResult<()> {
        match self.store.user(login).await? {
            Some(u) if !u.user.disabled && matches!(u.user.role, Role::Admin | Role::Operator) => {
                Ok(())
            }
            _ => Err(LoanError::UnknownOperator(login.chars().take(64).collect())),
        }
    }
}

/// A free-text field: trimmed, `None` when empty; at most `max` characters.
fn optional_text(field: &str, value: Option<&str>, max: usize) -> LoanResult<Option<String>> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > max {
        return Err(LoanError::Invalid(format!(
            "{field} は{max}文字以内で入力してください。"
        )));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(LoanError::Invalid(format!(
            "{field} に制御文字は使えません。"
        )));
    }
    Ok(Some(value.to_owned()))
}

fn required_text(field: &str, value: &str, max: usize) -> LoanResult<String> {
    optional_text(field, Some(value), max)?
        .ok_or_else(|| LoanError::Invalid(format!("{field} を入力してください。")))
}

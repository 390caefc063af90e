//! The helpdesk's ledgers and records for the city: IP addresses per network and segment
//! and computer names (5(2)ウ①②), the virus-incident log (ア⑦), consumables (イ②③) and
//! the work log (5(1)オ①). Every action is one transaction: the ledger line, its history line
//! and the audit row are committed together or not at all.

mod equipment;
mod equipment_csv;
mod equipment_view;
mod import;
mod ip;
pub mod ip_csv;
mod ip_rules;
mod ip_search;
mod names;
mod records;
mod sheet;

use std::sync::Arc;

pub use self::equipment::{asset_key, check_asset_no, one_of, DeviceSpec, FieldProblem};
pub use self::equipment_view::{DeviceChange, DevicePage, Difference, MAX_PAGE};
pub use self::import::ImportSummary;
pub(crate) use self::ip::{allocate_in, held_for, segment_named};
pub use self::ip::{Assignment, SegmentSpec, SegmentView};
pub use self::ip_csv::{CsvProblem, LedgerCsvError};
pub use self::ip_search::{AddressPage, SegmentUsage};
pub use self::names::{ComputerNameRequest, NamePattern};
pub use self::records::{IncidentReport, CITY_MAIL_ROOM};

use crate::config::{LedgerSettings, NotifySettings};
use crate::storage::{StorageError, Store};

/// Why a ledger action was refused. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("セグメント {0} はありません。")]
    NoSuchSegment(i64),
    #[error("{0} は台帳にありません。")]
    NotInLedger(String),
    #[error("このセグメントには払い出せるアドレスが残っていません。")]
    SegmentFull,
    /// The address (or name) is held, in quarantine, excluded or overlapping.
    #[error("{item}: {reason}")]
    Conflict { item: String, reason: String },
    /// A change the item's state does not allow (a disposed device, say).
    #[error("{0}")]
    NotAllowed(String),
    /// The item (an asset number) is already in the ledger.
    #[error("{0}")]
    Duplicate(String),
    /// Input that cannot be used; the message says which field and why.
    #[error("{0}")]
    Invalid(String),
    /// A ledger file with problems (each by line and column).
    #[error(transparent)]
    Csv(#[from] LedgerCsvError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl LedgerError {
    fn conflict(item: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Conflict {
            item: item.into(),
            reason: reason.into(),
        }
    }
}

pub type LedgerResult<T> = Result<T, LedgerError>;

/// The ledger service.
#[derive(Clone)]
pub struct Ledgers {
    store: Store,
    settings: Arc<LedgerSettings>,
    /// Where operators hear of a stock shortage.
    notify: Arc<NotifySettings>,
}

impl Ledgers {
    pub fn new(store: Store, settings: LedgerSettings, notify: NotifySettings) -> Self {
        Self {
            store,
            settings: Arc::new(settings),
            notify: Arc::new(notify),
        }
    }
}

/// A text field: trimmed, `None` when empty; at most `max` characters.
fn optional_text(field: &str, value: Option<&str>, max: usize) -> LedgerResult<Option<String>> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > max {
        return Err(LedgerError::Invalid(format!(
            "{field} は{max}文字以内で入力してください。"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(LedgerError::Invalid(format!(
            "{field} に制御文字は使えません。"
        )));
    }
    Ok(Some(value.to_owned()))
}

/// A required text field.
fn required_text(field: &str, value: &str, max: usize) -> LedgerResult<String> {
    optional_text(field, Some(value), max)?
        .ok_or_else(|| LedgerError::Invalid(format!("{field} を入力してください。")))
}

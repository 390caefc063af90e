//! What operators do with a reservation: approve, reject, cancel, check out (the asset
//! numbers handed out, their condition, the borrower-specific settings done), return
//! (condition, damage, lateness) and extend (the new period re-checked for conflicts).
//! One transaction each, with the reservation row locked.

use super::period::{extension, When};
use super::reserve::free_units;
use super::{optional_text, required_text, LoanError, LoanResult, Loans};
use crate::domain::loan::transition;
use crate::domain::ReservationAction;
use crate::storage::reservations::{self as records, Reservation};
use crate::storage::{audit, AuditEntry};

/// What was handed out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Checkout {
    /// The devices' asset numbers (資産番号), as written on them.
    pub asset_numbers: Vec<String>,
    pub condition: String,
    /// The settings done for this borrower (5(2)イ④).
    pub settings_done: Option<String>,
}

/// What came back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReturnNote {
    pub condition: String,
    pub damage: Option<String>,
}

/// An action with what it needs.
#[derive(Debug, Clone, PartialEq)]
pub enum LoanAction {
    Approve,
    Reject { reason: String },
    Cancel { reason: Option<String> },
    Checkout(Checkout),
    Return(ReturnNote),
    Extend { to: When },
}

impl LoanAction {
    pub fn verb(&self) -> ReservationAction {
        match self {
            Self::Approve => ReservationAction::Approve,
            Self::Reject { .. } => ReservationAction::Reject,
            Self::Cancel { .. } => ReservationAction::Cancel,
            Self::Checkout(_) => ReservationAction::Checkout,
            Self::Return(_) => ReservationAction::Return,
            Self::Extend { .. } => ReservationAction::Extend,
        }
    }
}

const NOTE_MAX: usize = 400;

impl Loans {
    /// Does `action` on reservation `id` as operator `login`; the reservation after it.
    pub async fn act(&self, id: i64, login: &str, action: LoanAction) -> LoanResult<Reservation> {
        self.check_operator(login).await?;
        let verb = action.verb();
        let mut tx = self.store.begin().await?;
        let before = records::lock(&mut tx, id)
            .await?
            .ok_or(LoanError::NoSuchReservation(id))?;
        let status = transition(before.status, verb)?;
        let item = records::item(&mut tx.conn(), &before.item_id)
            .await?
            .ok_or_else(|| LoanError::UnknownItem(before.item_id.clone()))?;
        let now = tx.now();
        let mut after = Reservation {
            status,
            ..before.clone()
        };
        let mut note = None;
        match &action {
            LoanAction::Approve => {}
            LoanAction::Reject { reason } => {
                note = Some(required_text("理由（reason）", reason, NOTE_MAX)?);
            }
            LoanAction::Cancel { reason } => {
                note = optional_text("理由（reason）", reason.as_deref(), NOTE_MAX)?;
            }
            LoanAction::Checkout(c) => {
                let assets = asset_numbers(&c.asset_numbers)?;
                if assets.is_empty() && !item.kind.by_day() {
                    return Err(LoanError::Invalid(
                        "資産番号（asset_numbers）に貸し出す機器の資産番号を入れてください。"
                            .into(),
                    ));
                }
                after.asset_numbers =
                    Some(serde_json::to_string(&assets).map_err(anyhow::Error::from)?);
                after.condition_out = condition(item.kind.by_day(), &c.condition)?;
                after.settings_done = optional_text(
                    "利用者に合わせた設定（settings_done）",
                    c.settings_done.as_deref(),
                    NOTE_MAX,
                )?;
                after.checked_out_at = Some(now);
                note = Some(assets.join(", "));
            }
            LoanAction::Return(r) => {
                after.condition_in = condition(item.kind.by_day(), &r.condition)?;
                after.damage = optional_text("破損（damage）", r.damage.as_deref(), NOTE_MAX)?;
                after.returned_at = Some(now);
                // A licence is taken back after its last day, never late.
                let late = if item.kind.by_day() {
                    0
                } else {
                    (now - before.ends_at).num_minutes().max(0)
                };
                after.late_minutes = Some(late);
            }
            LoanAction::Extend { to } => {
                let period = extension(&self.calendar, &item, before.starts_at, *to)?;
                if period.to <= before.ends_at {
                    return Err(LoanError::Invalid(
                        "延長後の返却は今の返却より後にしてください。".into(),
                    ));
                }
                records::lock_item(&mut tx, &item.id).await?;
                let free = free_units(&mut tx.conn(), &item, before.starts_at, period.to, Some(id))
                    .await?;
                if free < before.quantity {
                    return Err(LoanError::Unavailable { available: free });
                }
                after.ends_at = period.to;
                after.asked_ends_at = period.asked_to;
            }
        }
        records::update(&mut tx, &after).await?;
        records::insert_event(&mut tx, id, verb, status, login, note.as_deref()).await?;
        let entry = AuditEntry::new(
            login,
            &format!("loan.{}", verb.as_str()),
            "reservation",
            &id.to_string(),
        )
        .detail(status.as_str());
        audit::append(&mut tx, &entry).await?;
        let key = match verb {
            ReservationAction::Extend => "extended",
            _ => status.as_str(),
        };
        let reason = note.clone().unwrap_or_default();
        let text = self.say(key, &item, &after, &[("reason", &reason)]);
        if let Some(conversation) = after.conversation_id {
            crate::outbox::tell_conversation(&mut tx, conversation, &text).await?;
        }
        tx.commit().await?;
        self.wakeup.ring();
        let after = records::get(&mut self.store.conn(), id)
            .await?
            .ok_or(LoanError::NoSuchReservation(id))?;
        Ok(after)
    }
}

/// A device's condition (required; a licence has none).
fn condition(licence: bool, text: &str) -> LoanResult<Option<String>> {
    if licence {
        optional_text("状態（condition）", Some(text), NOTE_MAX)
    } else {
        required_text("状態（condition）", text, NOTE_MAX).map(Some)
    }
}

/// Asset numbers trimmed, each checked, without repeats.
fn asset_numbers(given: &[String]) -> LoanResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for a in given {
        // As the equipment register keys them: ＰＣ－０１ is PC-01.
        let a = crate::ledgers::asset_key(a);
        let a = a.as_str();
        if a.is_empty() {
            continue;
        }
        if a.chars().count() > 64 || a.chars().any(char::is_control) {
            return Err(LoanError::Invalid("資産番号は64文字以内です。".into()));
        }
        if !out.iter().any(|o| o == a) {
            out.push(a.to_owned());
        }
    }
    Ok(out)
}

//! Making a reservation and asking what is free: the period is checked on the calendar,
//! then the item is locked and its free units counted in the transaction that inserts
//! the reservation, so two requests for the last unit never both get it.

use chrono::{DateTime, Utc};

use crate::calendar::{to_local, to_utc};

use super::period::{resolve, return_time, Period, When};
use super::{required_text, LoanError, LoanResult, Loans};
use crate::domain::loan::{peak_units, reservation_number};
use crate::domain::{Channel, ReservationAction, ReservationStatus};
use crate::storage::reservations::{self as records, NewReservation, ReservableItem, Reservation};
use crate::storage::staff::{self, StaffKey};
use crate::storage::{audit, AuditEntry, Conn, Tx};

/// A reservation as asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct ReservationRequest {
    pub item: String,
    pub quantity: i64,
    pub from: When,
    pub to: When,
    /// The requester's 職員番号.
    pub requester: String,
    pub purpose: String,
    pub channel: Channel,
    pub conversation_id: Option<i64>,
    /// Who enters it (the staff member, an operator's login, `operator-api`).
    pub actor: String,
}

/// A reservation request whose every field passed the rules (see [`Loans::check`]).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedReservation(NewReservation);

/// A reservation made, and what the requester is told.
#[derive(Debug, Clone)]
pub struct Reserved {
    pub reservation: Reservation,
    pub item: ReservableItem,
    /// The sentence for the requester (with the moved return, when it moved).
    pub notice: String,
}

impl Loans {
    /// The item and the checked period of `from`..`to` on it.
    pub async fn period(
        &self,
        item: &str,
        from: When,
        to: When,
    ) -> LoanResult<(ReservableItem, Period)> {
        let item = self.item(item).await?;
        let period = resolve(&self.calendar, &item, from, to, self.store.now())?;
        Ok((item, period))
    }

    /// Free units of `item` over `[from, to)`.
    pub async fn available(&self, item: &ReservableItem, period: &Period) -> LoanResult<i64> {
        free_units(&mut self.store.conn(), item, period.from, period.to, None).await
    }

    /// The nearest later period (starting up to 20 business days on) in which `quantity`
    /// units of `item` are free: the alternative offered when a period is full. It starts
    /// at the same time and spans as many business days, ending at the same time (moved to
    /// the next opening as a return is); a licence keeps its length in days.
    pub async fn nearest_free(
        &self,
        item: &ReservableItem,
        period: &Period,
        quantity: i64,
    ) -> LoanResult<Option<Period>> {
        let length = period.to - period.from;
        let (start, end) = (to_local(period.from), to_local(period.to));
        let mut business_days: u32 = 0;
        let mut last = start.date();
        while last < end.date() {
            last = self.calendar.business_days_after(last, 1);
            business_days += 1;
        }
        let mut day = start.date();
        for _ in 0..20 {
            day = self.calendar.business_days_after(day, 1);
            let from = to_utc(day.and_time(start.time()));
            let to = if item.kind.by_day() {
                from + length
            } else {
                let last = self.calendar.business_days_after(day, business_days);
                return_time(&self.calendar, to_utc(last.and_time(end.time()))).0
            };
            let later = Period {
                from,
                to,
                asked_to: None,
            };
            if self.available(item, &later).await? >= quantity {
                return Ok(Some(later));
            }
        }
        Ok(None)
    }

    /// Makes a reservation (申請中: it holds its units at once); refused with
    /// [`LoanError::Unavailable`] when too few units are free, and for bad input.
    pub async fn reserve(&self, request: &ReservationRequest) -> LoanResult<Reserved> {
        let checked = self.check(request).await?;
        let mut tx = self.store.begin().await?;
        let made = self.reserve_in(&mut tx, &checked, &request.actor).await?;
        tx.commit().await?;
        Ok(made)
    }

    /// Checks `request` (period, quantity, purpose, requester) before any transaction.
    pub async fn check(&self, request: &ReservationRequest) -> LoanResult<CheckedReservation> {
        let (item, period) = self.period(&request.item, request.from, request.to).await?;
        if request.quantity < 1 || request.quantity > item.quantity {
            return Err(LoanError::Invalid(format!(
                "数量は 1 から {} です。",
                item.quantity
            )));
        }
        let purpose = required_text("purpose", &request.purpose, 200)?;
        let member = staff::find(
            &mut self.store.conn(),
            StaffKey::EmployeeNo(request.requester.trim()),
        )
        .await?
        .ok_or_else(|| LoanError::UnknownRequester(request.requester.chars().take(20).collect()))?;
        Ok(CheckedReservation(NewReservation {
            item_id: item.id.clone(),
            quantity: request.quantity,
            starts_at: period.from,
            ends_at: period.to,
            asked_ends_at: period.asked_to,
            requester_no: member.employee_no,
            requester_name: member.name,
            department: member.department,
            purpose,
            channel: request.channel,
            conversation_id: request.conversation_id,
        }))
    }

    /// Makes the checked reservation inside `tx` (a chat turn's): the item is locked,
    /// its free units counted, the reservation, its history line and the audit row written.
    pub async fn reserve_in(
        &self,
        tx: &mut Tx,
        checked: &CheckedReservation,
        actor: &str,
    ) -> LoanResult<Reserved> {
        let new = &checked.0;
        let item = records::lock_item(tx, &new.item_id)
            .await?
            .ok_or_else(|| LoanError::UnknownItem(new.item_id.clone()))?;
        let available = free_units(&mut tx.conn(), &item, new.starts_at, new.ends_at, None).await?;
        if available < new.quantity {
            return Err(LoanError::Unavailable { available });
        }
        let id = records::insert(tx, new).await?;
        records::insert_event(
            tx,
            id,
            ReservationAction::Reserve,
            ReservationStatus::Pending,
            actor,
            None,
        )
        .await?;
        let entry = AuditEntry::new(actor, "loan.reserve", "reservation", &id.to_string())
            .detail(format!("{} ×{}", item.id, new.quantity));
        audit::append(tx, &entry).await?;
        let reservation = records::get(&mut tx.conn(), id)
            .await?
            .ok_or(LoanError::NoSuchReservation(id))?;
        let notice = self.reserved_notice(&item, &reservation);
        Ok(Reserved {
            reservation,
            item,
            notice,
        })
    }

    fn reserved_notice(&self, item: &ReservableItem, r: &Reservation) -> String {
        let mut text = self.say("pending", item, r, &[]);
        if let Some(asked) = r.asked_ends_at {
            text.push('\n');
            text.push_str(&self.say(
                "return_moved",
                item,
                r,
                &[("asked", &self.local_text(asked))],
            ));
        }
        text
    }

    /// A sentence about reservation `r` of `item`, with `extra` placeholders.
    pub(super) fn say(
        &self,
        key: &str,
        item: &ReservableItem,
        r: &Reservation,
        extra: &[(&str, &str)],
    ) -> String {
        let period = format!(
            "{}〜{}",
            self.local_text(r.starts_at),
            self.local_text(r.ends_at)
        );
        let quantity = format!(
            "{}{}",
            r.quantity,
            if item.kind.by_day() { "件" } else { "台" }
        );
        let mut values = vec![
            ("number", reservation_number(r.id)),
            ("item", item.name.clone()),
            ("quantity", quantity),
            ("period", period),
            ("pickup", self.local_text(r.starts_at)),
            ("return", self.local_text(r.ends_at)),
        ];
        for (k, v) in extra {
            values.push((k, (*v).to_owned()));
        }
        let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.sentences.say(key, &pairs)
    }

    /// 「12月10日(木) 8:30」.
    pub(super) fn local_text(&self, at: DateTime<Utc>) -> String {
        crate::calendar::format_datetime_ja(crate::calendar::to_local(at))
    }
}

/// Free units of `item` over `[from, to)` on `c`, not counting reservation `except`.
pub(super) async fn free_units(
    c: &mut Conn<'_>,
    item: &ReservableItem,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    except: Option<i64>,
) -> LoanResult<i64> {
    let held = records::held(c, &item.id, from, to, except).await?;
    // Only the part inside the period counts.
    let peak = peak_units(
        held.iter()
            .map(|h| (h.starts_at.max(from), h.ends_at.min(to), h.quantity)),
    );
    Ok((item.quantity - peak).max(0))
}

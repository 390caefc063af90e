//! A reservation as the console shows it (with its item and history; reading it is
//! recorded in the audit log), and the reservations waiting for a decision (申請中).

use super::{LoanError, LoanResult, Loans};
use crate::domain::ReservationStatus;
use crate::storage::reservations::{
    self as records, ReservableItem, Reservation, ReservationEvent,
};
use crate::storage::AuditEntry;

/// One reservation with what the console shows beside it.
#[derive(Debug, Clone)]
pub struct LoanView {
    pub reservation: Reservation,
    pub item: ReservableItem,
    pub history: Vec<ReservationEvent>,
}

impl Loans {
    /// Reservation `id` with its item and history. Reading it is recorded in the audit
    /// log under `reader`; a page shown again after a refused action passes `None` (its
    /// reading was recorded when it was opened, and a refusal changes nothing).
    pub async fn view(&self, id: i64, reader: Option<&str>) -> LoanResult<LoanView> {
        let view = {
            let mut conn = self.store.conn();
            let reservation = records::get(&mut conn, id)
                .await?
                .ok_or(LoanError::NoSuchReservation(id))?;
            let item = records::item(&mut conn, &reservation.item_id)
                .await?
                .ok_or_else(|| LoanError::UnknownItem(reservation.item_id.clone()))?;
            let history = records::events(&mut conn, id).await?;
            LoanView {
                reservation,
                item,
                history,
            }
        };
        if let Some(reader) = reader {
            let entry = AuditEntry::new(reader, "loan.view", "reservation", &id.to_string());
            self.store.record_audit(&entry).await?;
        }
        Ok(view)
    }

    /// The reservations waiting for approval (申請中), by pickup, with their item's name.
    pub async fn pending(&self) -> LoanResult<Vec<(String, Reservation)>> {
        let items = self.items().await?;
        let mut found =
            records::in_status(&mut self.store.conn(), ReservationStatus::Pending).await?;
        found.sort_by_key(|r| (r.starts_at, r.id));
        Ok(found
            .into_iter()
            .map(|r| {
                let name = items
                    .iter()
                    .find(|i| i.id == r.item_id)
                    .map_or_else(|| r.item_id.clone(), |i| i.name.clone());
                (name, r)
            })
            .collect())
    }
}

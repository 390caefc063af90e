//! One month of reservations for the operators' calendar: the month named `YYYY-MM`
//! (Japan dates), the reservations of one item (or every item) overlapping it, by day.

use chrono::{Duration, NaiveDate};

use super::{LoanError, LoanResult, Loans};
use crate::calendar;
use crate::storage::reservations::{self as records, Reservation};

/// A month of reservations: its first day, and for each of its days the reservations
/// held on that day (with the item's name).
#[derive(Debug, Clone)]
pub struct LoanMonth {
    pub first: NaiveDate,
    pub days: Vec<(NaiveDate, Vec<(String, Reservation)>)>,
}

/// Reads `YYYY-MM`; a clear reason otherwise.
pub fn parse_month(text: &str) -> LoanResult<NaiveDate> {
    let bad = || {
        LoanError::Invalid(format!(
            "月 {text:?} は YYYY-MM（例 2026-04）で指定してください。"
        ))
    };
    let (year, month) = text.trim().split_once('-').ok_or_else(bad)?;
    let (Ok(year), Ok(month)) = (year.parse::<i32>(), month.parse::<u32>()) else {
        return Err(bad());
    };
    NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(bad)
}

impl Loans {
    /// The reservations of `item` (every item when `None`) in the month starting `first`.
    pub async fn month(&self, item: Option<&str>, first: NaiveDate) -> LoanResult<LoanMonth> {
        let items = self.items().await?;
        if let Some(id) = item {
            if !items.iter().any(|i| i.id == id) {
                return Err(LoanError::UnknownItem(id.to_owned()));
            }
        }
        let next = first
            .checked_add_months(chrono::Months::new(1))
            .ok_or_else(|| LoanError::Invalid("月が範囲外です。".into()))?;
        let from = calendar::to_utc(first.and_time(chrono::NaiveTime::MIN));
        let to = calendar::to_utc(next.and_time(chrono::NaiveTime::MIN));
        let found = records::overlapping(&mut self.store.conn(), item, from, to).await?;
        let name = |id: &str| {
            items
                .iter()
                .find(|i| i.id == id)
                .map(|i| i.name.clone())
                .unwrap_or_else(|| id.to_owned())
        };
        let mut days = Vec::new();
        let mut day = first;
        while day < next {
            let held = found
                .iter()
                .filter(|r| {
                    let start = calendar::to_local(r.starts_at).date();
                    // A reservation ending at midnight is not held on that day.
                    let end = calendar::to_local(r.ends_at - Duration::seconds(1)).date();
                    start <= day && day <= end
                })
                .map(|r| (name(&r.item_id), r.clone()))
                .collect();
            days.push((day, held));
            day = day.succ_opt().unwrap_or(next);
        }

        Ok(LoanMonth { first, days })
    }
}

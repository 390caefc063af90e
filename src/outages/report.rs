//! The emergency report (緊急時報告, 特記事項(10)): an outage declared, a planned stop
//! announced or begun, and a recovery are reported to the city's contact and the
//! operators (`[ledgers.city_contact]`, `[notify]`) through the outbox, in the action's
//! own transaction.

use super::{OutageResult, Outages};
use crate::calendar;
use crate::domain::OutageState;
use crate::storage::outages::Outage;
use crate::storage::Tx;

impl Outages {
    /// Queues the report of `outage` as it stands after the action.
    pub(super) async fn report(&self, tx: &mut Tx, outage: &Outage) -> OutageResult<()> {
        let Some(ledgers) = &self.city else {
            return Ok(());
        };
        let heading = match (outage.state, outage.planned) {
            (OutageState::Planned, _) => "計画停止予定",
            (OutageState::Ongoing, true) => "計画停止開始",
            (OutageState::Ongoing, false) => "障害発生",
            (OutageState::Recovered, _) => "障害復旧",
            (OutageState::Cancelled, _) => "計画停止中止",
        };
        let subject = format!("【{heading}】{}", outage.title);
        let text = report_text(outage);
        let failed = |e: crate::ledgers::LedgerError| match e {
            crate::ledgers::LedgerError::Storage(e) => super::OutageError::Storage(e),
            other => super::OutageError::Invalid(other.to_string()),
        };
        ledgers
            .push_operators(tx, &subject, &text)
            .await
            .map_err(failed)?;
        ledgers
            .tell_city(tx, &subject, &text)
            .await
            .map_err(failed)?;
        Ok(())
    }
}

/// The report's body, in Japanese (the city's contact reads it).
fn report_text(o: &Outage) -> String {
    let at = |t| calendar::format_datetime_ja(calendar::to_local(t));
    let unset = || "（指定なし）".to_owned();
    let mut text =
        format!(
        "件名: {}\n状態: {}\n影響: {}\nネットワーク: {}\n庁舎・出先機関: {}\n{}: {}\n業者: {} {}\n",
        o.title,
        o.state.label(),
        o.affected().label(),
        o.network.map(|n| n.label().to_owned()).unwrap_or_else(unset),
        o.place.clone().unwrap_or_else(unset),
        if o.planned { "停止予定" } else { "発生" },
        at(o.since),
        o.vendor.clone().unwrap_or_else(unset),
        o.vendor_ticket.clone().unwrap_or_default(),
    );
    if let Some(recovered) = o.recovered_at {
        text.push_str(&format!("復旧: {}\n", at(recovered)));
    }
    let cause = if o.state == OutageState::Cancelled {
        "中止の理由"
    } else {
        "原因"
    };
    for (label, value) in [(cause, &o.cause), ("対応と対策", &o.measures)] {
        if let Some(value) = value {
            text.push_str(&format!("{label}: {value}\n"));
        }
    }
    let steps = o.checklist_steps();
    if !steps.is_empty() && o.state.is_open() {
        text.push_str("停止・起動手順:\n");
        for (i, step) in steps.iter().enumerate() {
            text.push_str(&format!("{}. {step}\n", i + 1));
        }
    }
    text
}

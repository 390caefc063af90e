//! The virus-incident log, the consumables stock and the work log. A new incident is
//! reported to the city's contact at once (mail and/or LoGoチャット room, `[ledgers.
//! city_contact]`) through the outbox, in the incident's own transaction; a stock item
//! that falls below its threshold tells the operators (and the city's contact) once, when
//! it crosses, not on every later change.

use chrono::{DateTime, Utc};

use super::{optional_text, required_text, LedgerError, LedgerResult, Ledgers};
use crate::domain::stock::falls_below;
use crate::domain::{OutboxRoute, StockKind};
use crate::storage::city_records::{self, NewVirusIncident, StockItem, VirusIncident, WorkEntry};
use crate::storage::{audit, outbox, AuditEntry, Delivery, NewOutboxItem, Tx};

/// The outbox room of mail to the city's contact (the mail adapter reads its addresses
/// from `[ledgers.city_contact] mail`).
pub const CITY_MAIL_ROOM: &str = "city-contact";

/// An incident as an operator records it.
#[derive(Debug, Clone, Default)]
pub struct IncidentReport {
    pub occurred_at: DateTime<Utc>,
    pub device: String,
    pub person: Option<String>,
    pub department: Option<String>,
    pub detection_name: String,
    pub found_by: String,
    pub actions: Option<String>,
    pub isolated: bool,
    pub result: Option<String>,
}

const FIELD_MAX: usize = 100;
const TEXT_MAX: usize = 2000;

impl Ledgers {
    /// Records a virus incident and queues its notice to the city's contact.
    pub async fn record_incident(
        &self,
        report: &IncidentReport,
        actor: &str,
    ) -> LedgerResult<VirusIncident> {
        let contact = &self.settings.city_contact;
        let mut channels = Vec::new();
        if !contact.mail.is_empty() {
            channels.push("メール");
        }
        if contact.logochat_room.is_some() {
            channels.push("LoGoチャット");
        }
        let new = NewVirusIncident {
            occurred_at: report.occurred_at,
            device: required_text("機器", &report.device, FIELD_MAX)?,
            person: optional_text("使用者", report.person.as_deref(), FIELD_MAX)?,
            department: optional_text("所属", report.department.as_deref(), FIELD_MAX)?,
            detection_name: required_text("検知名", &report.detection_name, FIELD_MAX)?,
            found_by: required_text("発見経緯", &report.found_by, FIELD_MAX)?,
            actions: optional_text("対応", report.actions.as_deref(), TEXT_MAX)?,
            isolated: report.isolated,
            result: optional_text("結果", report.result.as_deref(), TEXT_MAX)?,
            reported_to: (!channels.is_empty())
                .then(|| format!("市担当者（{}）", channels.join("・"))),
            recorded_by: actor.to_owned(),
        };
        let mut tx = self.store.begin().await?;
        let incident = city_records::insert_incident(&mut tx, &new).await?;
        let subject = format!(
            "【ウイルス検知】{}（{}）",
            incident.detection_name, incident.device
        );
        let body = incident_text(&incident);
        self.tell_city(&mut tx, &subject, &body).await?;
        let entry = AuditEntry::new(
            actor,
            "incident.record",
            "virus_incident",
            &incident.id.to_string(),
        );
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(incident)
    }

    /// Incidents that happened in `from..to`.
    pub async fn incidents(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> LedgerResult<Vec<VirusIncident>> {
        Ok(city_records::incidents(&mut self.store.conn(), from, to).await?)
    }

    /// Adds a consumable with its threshold (stock starts at 0; add with a move).
    pub async fn add_stock_item(
        &self,
        kind: StockKind,
        name: &str,
        threshold: i64,
        actor: &str,
    ) -> LedgerResult<StockItem> {
        let name = required_text("品名", name, FIELD_MAX)?;
        if !(0..=100_000).contains(&threshold) {
            return Err(LedgerError::Invalid(
                "しきい値は 0 から 100000 です。".into(),
            ));
        }
        let mut tx = self.store.begin().await?;
        let item = city_records::insert_item(&mut tx, kind, &name, threshold)
            .await?
            .ok_or_else(|| LedgerError::conflict(name, "同じ品名があります。"))?;
        let entry = AuditEntry::new(actor, "stock.add", "stock_item", &item.id.to_string());
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(item)
    }

    /// Moves stock in (`delta` > 0) or out (< 0), by `person` for `reason`. Falling below
    /// the threshold queues one shortage notice; later moves below it queue none.
    pub async fn move_stock(
        &self,
        item_id: i64,
        delta: i64,
        person: &str,
        reason: &str,
    ) -> LedgerResult<StockItem> {
        if delta == 0 || delta.abs() > 100_000 {
            return Err(LedgerError::Invalid(
                "数量は 0 以外で、10万以内です。".into(),
            ));
        }
        let person = required_text("担当者", person, FIELD_MAX)?;
        let reason = required_text("理由", reason, 400)?;
        let mut tx = self.store.begin().await?;
        let mut item = city_records::lock_item(&mut tx, item_id)
            .await?
            .ok_or_else(|| LedgerError::NotInLedger(format!("在庫品 {item_id}")))?;
        let before = item.quantity;
        let after = before + delta;
        if after < 0 {
            return Err(LedgerError::conflict(
                item.name,
                format!("在庫は {before} です（{} は出せません）。", -delta),
            ));
        }
        item.quantity = after;
        let crossed = falls_below(before, after, item.threshold);
        if after >= item.threshold {
            item.short_since = None;
        } else if crossed {
            item.short_since = Some(tx.now());
        }
        city_records::record_move(&mut tx, &item, delta, &person, &reason).await?;
        if crossed {
            let subject = format!("【在庫不足】{}", item.name);
            let text = format!(
                "{}（{}）の在庫がしきい値 {} を下回りました。現在 {} です。補充が必要です。",
                item.name,
                item.kind.label(),
                item.threshold,
                item.quantity
            );
            self.push_operators(&mut tx, &subject, &text).await?;
            self.tell_city(&mut tx, &subject, &text).await?;
        }
        let entry = AuditEntry::new(&person, "stock.move", "stock_item", &item.id.to_string())
            .detail(format!("{delta:+} -> {after}"));
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(item)
    }

    pub async fn stock(&self) -> LedgerResult<Vec<StockItem>> {
        Ok(city_records::items(&mut self.store.conn()).await?)
    }

    /// Records work that is not a ticket, done at `done_at` by `operator`.
    pub async fn log_work(
        &self,
        done_at: DateTime<Utc>,
        operator: &str,
        kind: &str,
        description: &str,
    ) -> LedgerResult<WorkEntry> {
        let operator = required_text("担当者", operator, FIELD_MAX)?;
        let kind = required_text("作業の種類", kind, FIELD_MAX)?;
        let description = required_text("内容", description, TEXT_MAX)?;
        let mut tx = self.store.begin().await?;
        let entry =
            city_records::insert_work(&mut tx, done_at, &operator, &kind, &description).await?;
        let audit_entry = AuditEntry::new(&operator, "work.log", "work_log", &entry.id.to_string());
        audit::append(&mut tx, &audit_entry).await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// Work done in `from..to`.
    pub async fn work(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> LedgerResult<Vec<WorkEntry>> {
        Ok(city_records::work(&mut self.store.conn(), from, to).await?)
    }

    /// Queues a notice to the city's contact, through each configured way.
    pub async fn tell_city(&self, tx: &mut Tx, subject: &str, text: &str) -> LedgerResult<()> {
        let contact = &self.settings.city_contact;
        if !contact.mail.is_empty() {
            push(tx, OutboxRoute::Mail, CITY_MAIL_ROOM, Some(subject), text).await?;
        }
        if let Some(room) = &contact.logochat_room {
            push(
                tx,
                OutboxRoute::OperatorsRoom,
                room,
                None,
                &format!("{subject}\n{text}"),
            )
            .await?;
        }
        Ok(())
    }

    /// Queues a notice to the operators' room and mail, when configured (`[notify]`).
    pub async fn push_operators(&self, tx: &mut Tx, subject: &str, text: &str) -> LedgerResult<()> {
        if let Some(room) = &self.notify.logochat_room {
            push(
                tx,
                OutboxRoute::OperatorsRoom,
                room,
                None,
                &format!("{subject}\n{text}"),
            )
            .await?;
        }
        if self.notify.mail_notices() {
            push(
                tx,
                OutboxRoute::Mail,
                crate::notify::MAIL_ROOM,
                Some(subject),
                text,
            )
            .await?;
        }
        Ok(())
    }
}

async fn push(
    tx: &mut Tx,
    route: OutboxRoute,
    room: &str,
    subject: Option<&str>,
    text: &str,
) -> LedgerResult<()> {
    let item = NewOutboxItem {
        kind: crate::domain::OutboxKind::Ledger,
        route,
        room: room.to_owned(),
        recipient: None,
        delivery: Delivery {
            text: text.to_owned(),
            subject: subject.map(str::to_owned),
        },
    };
    outbox::push(tx, &item, None).await?;
    Ok(())
}

/// The notice of an incident, in Japanese (the city's contact reads it).
fn incident_text(i: &VirusIncident) -> String {
    let jst = chrono::FixedOffset::east_opt(9 * 3600).expect("JST");
    let unknown = || "（未記入）".to_owned();
    format!(
        "ウイルス感染（の疑い）を検知しました。\n\
         発生日時: {}\n機器: {}\n所属: {}\n使用者: {}\n検知名: {}\n発見経緯: {}\n\
         ネットワーク隔離: {}\n対応: {}\n結果: {}\n記録者: {}\n",
        i.occurred_at.with_timezone(&jst).format("%Y-%m-%d %H:%M"),
        i.device,
        i.department.clone().unwrap_or_else(unknown),
        i.person.clone().unwrap_or_else(unknown),
        i.detection_name,
        i.found_by,
        if i.isolated { "済" } else { "未" },
        i.actions.clone().unwrap_or_else(unknown),
        i.result.clone().unwrap_or_else(unknown),
        i.recorded_by,
    )
}

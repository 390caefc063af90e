//! The operators' actions on an outage, each one transaction with its timeline line and
//! audit row: declare, note, start (a planned stop begins), reply to everyone linked,
//! close (everyone linked is told).

use super::{
    affected, optional_text, required_text, Declaration, OutageError, OutageResult, Outages,
};
use crate::calendar;
use crate::domain::{Author, OutageState};
use crate::outbox;
use crate::storage::outages::{self as rows, NewOutage, Outage};
use crate::storage::{audit, conversations, AuditEntry, NewMessage, Tx};

const TITLE_MAX: usize = 200;
const FIELD_MAX: usize = 100;
const TEXT_MAX: usize = 2000;

impl Outages {
    /// Declares an outage (ongoing), or a planned stop (予定).
    pub async fn declare(&self, d: &Declaration, actor: &str) -> OutageResult<Outage> {
        let title = required_text("件名", &d.title, TITLE_MAX, false)?;
        let affected = affected(d)?;
        let place = optional_text("庁舎・出先機関", d.place.as_deref(), FIELD_MAX, false)?;
        let checklist = optional_text("停止・起動手順", d.checklist.as_deref(), TEXT_MAX, true)?;
        let vendor = optional_text("業者", d.vendor.as_deref(), FIELD_MAX, false)?;
        let ticket = optional_text(
            "業者の受付番号",
            d.vendor_ticket.as_deref(),
            FIELD_MAX,
            false,
        )?;
        let mut tx = self.store.begin().await?;
        let new = NewOutage {
            title,
            affected,
            network: d.network,
            place,
            since: d.since.unwrap_or_else(|| tx.now()),
            planned: d.planned,
            checklist,
            vendor,
            vendor_ticket: ticket,
            declared_by: actor.to_owned(),
        };
        let outage = rows::insert(&mut tx, &new).await?;
        let what = if outage.planned {
            "計画停止を登録"
        } else {
            "障害を登録"
        };
        rows::add_entry(&mut tx, outage.id, what, actor).await?;
        self.report(&mut tx, &outage).await?;
        finish(tx, actor, "outage.declare", outage.id).await?;
        self.wakeup.ring();
        Ok(outage)
    }

    /// Adds a line to the timeline (調査中, 業者到着, ...): the notice's 「○時○分現在」
    /// moves to now.
    pub async fn note(&self, id: i64, note: &str, actor: &str) -> OutageResult<Outage> {
        let note = required_text("経過", note, TEXT_MAX, true)?;
        let mut tx = self.store.begin().await?;
        open(&mut tx, id).await?;
        rows::add_entry(&mut tx, id, &note, actor).await?;
        finish(tx, actor, "outage.note", id).await?;
        self.reread(id).await
    }

    /// A planned stop begins: the outage is ongoing, and the bot tells staff of it.
    pub async fn start(&self, id: i64, actor: &str) -> OutageResult<Outage> {
        let mut tx = self.store.begin().await?;
        let outage = open(&mut tx, id).await?;
        if outage.state != OutageState::Planned {
            return Err(OutageError::NotAllowed(format!(
                "障害 {id} は「{}」です（開始できるのは「{}」だけです）。",
                outage.state.label(),
                OutageState::Planned.label()
            )));
        }
        rows::set_state(&mut tx, id, OutageState::Ongoing, None, None).await?;
        // The stop's time is when it began (what the reports date it by); the plan's time
        // stays in the timeline.
        let now = tx.now();
        rows::set_since(&mut tx, id, now).await?;
        let planned_for = calendar::format_datetime_ja(calendar::to_local(outage.since));
        let note = format!("停止を開始（予定：{planned_for}）");
        rows::add_entry(&mut tx, id, &note, actor).await?;
        let started = reread_in(&mut tx, id).await?;
        self.report(&mut tx, &started).await?;
        finish(tx, actor, "outage.start", id).await?;
        self.wakeup.ring();
        Ok(started)
    }

    /// A planned stop is called off before it began (「中止」, the reason kept as its cause
    /// and in its timeline): the city's contact and the operators are told, as they were
    /// of the plan;
    /// staff were never told of it, so nobody else is.
    pub async fn cancel(&self, id: i64, reason: &str, actor: &str) -> OutageResult<Outage> {
        let reason = required_text("中止の理由", reason, TEXT_MAX, true)?;
        let mut tx = self.store.begin().await?;
        let outage = open(&mut tx, id).await?;
        if outage.state != OutageState::Planned {
            return Err(OutageError::NotAllowed(format!(
                "障害 {id} は「{}」です（中止できるのは始まる前の「{}」だけです）。",
                outage.state.label(),
                OutageState::Planned.label()
            )));
        }
        rows::set_state(&mut tx, id, OutageState::Cancelled, Some(&reason), None).await?;
        rows::add_entry(&mut tx, id, &format!("中止：{reason}"), actor).await?;
        let cancelled = reread_in(&mut tx, id).await?;
        self.report(&mut tx, &cancelled).await?;
        finish(tx, actor, "outage.cancel", id).await?;
        self.wakeup.ring();
        Ok(cancelled)
    }

    /// Sends `text` to every conversation linked to the outage, one message each; how
    /// many were told.
    pub async fn reply_all(&self, id: i64, text: &str, actor: &str) -> OutageResult<usize> {
        let text = required_text("返信", text, TEXT_MAX, true)?;
        let mut tx = self.store.begin().await?;
        let outage = open(&mut tx, id).await?;
        let message = self.say_with("reply", &outage, &text);
        let told = tell_linked(&mut tx, id, &message, Author::Operator, actor).await?;
        let note = format!("連絡済みの全員（{told}件）に返信：{text}");
        rows::add_entry(&mut tx, id, &note, actor).await?;
        finish(tx, actor, "outage.reply_all", id).await?;
        self.wakeup.ring();
        Ok(told)
    }

    /// The outage is over: recovered, with its cause and measures for the reports, and
    /// every linked conversation told 「○○の障害は復旧しました」; how many were told.
    pub async fn close(
        &self,
        id: i64,
        cause: Option<&str>,
        measures: Option<&str>,
        actor: &str,
    ) -> OutageResult<usize> {
        let cause = optional_text("原因", cause, TEXT_MAX, true)?;
        let measures = optional_text("対応と対策", measures, TEXT_MAX, true)?;
        let mut tx = self.store.begin().await?;
        let outage = open(&mut tx, id).await?;
        let message = self.recovered(&outage);
        let told = tell_linked(&mut tx, id, &message, Author::Bot, actor).await?;
        rows::set_state(
            &mut tx,
            id,
            OutageState::Recovered,
            cause.as_deref(),
            measures.as_deref(),
        )
        .await?;
        rows::add_entry(&mut tx, id, &format!("復旧（{told}件に連絡）"), actor).await?;
        let recovered = reread_in(&mut tx, id).await?;
        self.report(&mut tx, &recovered).await?;
        finish(tx, actor, "outage.close", id).await?;
        self.wakeup.ring();
        Ok(told)
    }

    async fn reread(&self, id: i64) -> OutageResult<Outage> {
        rows::get(&mut self.store.conn(), id)
            .await?
            .ok_or(OutageError::NotFound(id))
    }
}

/// Outage `id` as the transaction sees it now.
async fn reread_in(tx: &mut Tx, id: i64) -> OutageResult<Outage> {
    rows::get(&mut tx.conn(), id)
        .await?
        .ok_or(OutageError::NotFound(id))
}

/// Outage `id`, locked, while it is not recovered.
async fn open(tx: &mut Tx, id: i64) -> OutageResult<Outage> {
    let outage = rows::lock(tx, id).await?.ok_or(OutageError::NotFound(id))?;
    if !outage.state.is_open() {
        return Err(OutageError::NotAllowed(format!(
            "障害 {id} は「{}」です。",
            outage.state.label()
        )));
    }
    Ok(outage)
}

/// `text` in every conversation linked to outage `id` (queued for the channels that
/// push); how many.
async fn tell_linked(
    tx: &mut Tx,
    id: i64,
    text: &str,
    author: Author,
    actor: &str,
) -> OutageResult<usize> {
    let links = rows::links(&mut tx.conn(), id).await?;
    let mut message = NewMessage::outgoing(author, text.to_owned());
    if author == Author::Operator {
        message.author_name = Some(actor.to_owned());
    }
    let mut told = 0;
    for link in links {
        if let Some(conversation) = conversations::get(&mut tx.conn(), link.conversation_id).await?
        {
            outbox::send_in(tx, &conversation, &message).await?;
            told += 1;
        }
    }
    Ok(told)
}

/// The action's audit row, and the commit.
async fn finish(mut tx: Tx, actor: &str, action: &str, id: i64) -> OutageResult<()> {
    audit::append(
        &mut tx,
        &AuditEntry::new(actor, action, "outage", &id.to_string()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

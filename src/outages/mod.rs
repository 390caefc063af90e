//! Outages (障害, 5(2)オ, ア④⑩⑭, ウ③, 5(4)サ①): an operator declares one (what is affected,
//! network, 庁舎/出先機関, since when, vendor and its ticket number; a planned stop with its
//! shutdown/restart checklist), writes its timeline, replies to everyone linked at once and
//! closes it. While it is ongoing the conversation flow tells staff whose question concerns
//! it (`notice`) and links their conversation here instead of opening a ticket each;
//! closing it tells every linked conversation, in the channel it came through (the
//! outbox for LoGoチャット, the conversation for the widget).
//!
//! Every action is one transaction: the outage's rows, the messages and outbox items, the
//! timeline line and the audit row commit together.

mod actions;
mod report;
mod sentences;

use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use self::sentences::OutageSentences;
use crate::calendar;
use crate::domain::outage::{split_list, Affected};
use crate::domain::{Network, OutageState};
use crate::outbox::Wakeup;
use crate::storage::outages::{self as rows, Outage, OutageLink, TimelineEntry};
use crate::storage::{audit, AuditEntry, StorageError, Store, Tx};

/// Why an outage action was refused. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum OutageError {
    #[error("障害 {0} はありません。")]
    NotFound(i64),
    /// An action the outage's state does not allow (closing a recovered one).
    #[error("{0}")]
    NotAllowed(String),
    /// Input that cannot be used; the message says which field and why.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

pub type OutageResult<T> = Result<T, OutageError>;

/// An outage as an operator declares it (lists as typed: one a line or comma-separated).
#[derive(Debug, Clone, Default)]
pub struct Declaration {
    pub title: String,
    /// What is affected, in staff's words (メール, VPN) or FAQ categories.
    pub systems: String,
    /// FAQ entry ids whose questions concern it.
    pub faq_ids: String,
    pub network: Option<Network>,
    pub place: Option<String>,
    /// Since when; now when not given.
    pub since: Option<DateTime<Utc>>,
    /// A planned stop (停電, maintenance), announced ahead.
    pub planned: bool,
    pub checklist: Option<String>,
    pub vendor: Option<String>,
    pub vendor_ticket: Option<String>,
}

/// An outage with its timeline and linked conversations.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OutageView {
    pub outage: Outage,
    pub timeline: Vec<TimelineEntry>,
    pub links: Vec<OutageLink>,
}

/// The outage service.
#[derive(Clone)]
pub struct Outages {
    store: Store,
    sentences: Arc<OutageSentences>,
    wakeup: Wakeup,
    /// Where the emergency reports go (the city's contact, the operators), if wired.
    city: Option<crate::ledgers::Ledgers>,
}

impl Outages {
    pub fn new(store: Store, sentences: OutageSentences, wakeup: Wakeup) -> Self {
        Self {
            store,
            sentences: Arc::new(sentences),
            wakeup,
            city: None,
        }
    }

    /// Reports outages to the city's contact and the operators through `ledgers`.
    pub fn with_city(mut self, ledgers: crate::ledgers::Ledgers) -> Self {
        self.city = Some(ledgers);
        self
    }

    /// Outage `id`, if there is one.
    pub async fn get(&self, id: i64) -> OutageResult<Option<Outage>> {
        Ok(rows::get(&mut self.store.conn(), id).await?)
    }

    /// Every open outage, then the last recovered ones.
    pub async fn list(&self) -> OutageResult<Vec<Outage>> {
        Ok(rows::list(&mut self.store.conn(), 200).await?)
    }

    /// Outages that started in `from..to` (the reports).
    pub async fn between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> OutageResult<Vec<Outage>> {
        Ok(rows::between(&mut self.store.conn(), from, to).await?)
    }

    /// One outage with its timeline and who is linked, read by `actor` (audited: the
    /// links name staff).
    pub async fn view(&self, id: i64, actor: &str) -> OutageResult<OutageView> {
        let mut tx = self.store.begin().await?;
        let outage = rows::get(&mut tx.conn(), id)
            .await?
            .ok_or(OutageError::NotFound(id))?;
        let timeline = rows::timeline(&mut tx.conn(), id).await?;
        let links = rows::links(&mut tx.conn(), id).await?;
        audit::append(
            &mut tx,
            &AuditEntry::new(actor, "outage.view", "outage", &id.to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(OutageView {
            outage,
            timeline,
            links,
        })
    }

    /// The outages happening now.
    pub async fn ongoing(&self) -> OutageResult<Vec<Outage>> {
        Ok(rows::ongoing(&mut self.store.conn()).await?)
    }

    /// 「現在、メールで障害が発生しています。復旧作業中です（10時30分現在）。」
    pub fn notice(&self, outage: &Outage) -> String {
        self.say("notice", outage)
    }

    /// Links conversation `conversation_id` to outage `outage_id` inside the turn's
    /// transaction; what to tell the staff member: the notice, or, when the outage closed
    /// meanwhile, that it is over (nothing linked).
    pub async fn link_in(
        &self,
        tx: &mut Tx,
        outage_id: i64,
        conversation_id: i64,
    ) -> OutageResult<String> {
        // A conversation linked already is told whatever an operator's action does, and the
        // action may be writing into it: its turn never waits (see [`turn_lock`]). A new
        // one waits for the action, which never writes into it: else the turn would link
        // after a close read the links, and nobody would tell it of the recovery.
        let outage = if rows::is_linked(&mut tx.conn(), outage_id, conversation_id).await? {
            turn_lock(tx, outage_id).await?
        } else {
            rows::lock(tx, outage_id)
                .await?
                .ok_or(OutageError::NotFound(outage_id))?
        };
        if outage.state != OutageState::Ongoing {
            return Ok(self.recovered(&outage));
        }
        rows::link(tx, outage_id, conversation_id, false).await?;
        Ok(self.notice(&outage))
    }

    /// A staff member linked to an ongoing outage asks for a person about it: attached
    /// to the outage (no ticket of its own); what to tell them. `None` when the
    /// conversation is linked to no ongoing outage, or `about_it` (given the outage and
    /// when the conversation was last told of it) says the request is about something else.
    pub async fn attach_in(
        &self,
        tx: &mut Tx,
        conversation_id: i64,
        about_it: impl FnOnce(&Outage, Option<DateTime<Utc>>) -> bool,
    ) -> OutageResult<Option<String>> {
        let Some((linked, noticed_at)) = rows::ongoing_of(&mut tx.conn(), conversation_id).await?
        else {
            return Ok(None);
        };
        if !about_it(&linked, noticed_at) {
            return Ok(None);
        }
        let outage = turn_lock(tx, linked.id).await?;
        if outage.state != OutageState::Ongoing {
            return Ok(None);
        }
        rows::link(tx, outage.id, conversation_id, true).await?;
        Ok(Some(self.say("attached", &outage)))
    }

    /// What staff read of the outage after it closed.
    pub fn recovered(&self, outage: &Outage) -> String {
        self.say("recovered", outage)
    }

    fn say(&self, key: &str, outage: &Outage) -> String {
        self.say_with(key, outage, "")
    }

    fn say_with(&self, key: &str, outage: &Outage, text: &str) -> String {
        let local = calendar::to_local(outage.updated_at);
        let time = local.format("%-H時%M分").to_string();
        self.sentences.say(
            key,
            &[
                ("systems", &outage.affected().label()),
                ("title", &outage.title),
                ("time", &time),
                ("text", text),
            ],
        )
    }
}

/// Outage `id` as a conversation's turn sees it: locked (an action that comes later waits
/// and sees the turn's link), or read as it stands while an operator's action holds it (the
/// turn never waits for the outage: see [`rows::lock_unless_busy`]).
async fn turn_lock(tx: &mut Tx, id: i64) -> OutageResult<Outage> {
    if let Some(outage) = rows::lock_unless_busy(tx, id).await? {
        return Ok(outage);
    }
    rows::get(&mut tx.conn(), id)
        .await?
        .ok_or(OutageError::NotFound(id))
}

/// The affected systems and entries of a declaration, checked.
fn affected(d: &Declaration) -> OutageResult<Affected> {
    let systems = split_list(&d.systems);
    if systems.is_empty() {
        return Err(OutageError::Invalid(
            "影響するシステム（例：メール）を1つ以上入力してください。".into(),
        ));
    }
    let faq_ids = split_list(&d.faq_ids);
    let too_long = |w: &String| w.chars().count() > 50 || w.chars().any(char::is_control);
    if systems.len() > 20 || faq_ids.len() > 50 || systems.iter().chain(&faq_ids).any(too_long) {
        return Err(OutageError::Invalid(
            "影響するシステムは20個まで、1つ50文字以内で入力してください。".into(),
        ));
    }
    if let Some(bad) = faq_ids.iter().find(|id| {
        !id.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    }) {
        return Err(OutageError::Invalid(format!(
            "FAQ の ID「{bad}」は英小文字・数字・ハイフンで入力してください。"
        )));
    }
    Ok(Affected { systems, faq_ids })
}

/// A text field: trimmed, `None` when empty; at most `max` characters, no control
/// characters except line breaks where `lines` allows them.
fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
    lines: bool,
) -> OutageResult<Option<String>> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > max {
        return Err(OutageError::Invalid(format!(
            "{field} は{max}文字以内で入力してください。"
        )));
    }
    let allowed = |c: char| lines && matches!(c, '\n' | '\r' | '\t');
    if value.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(OutageError::Invalid(format!(
            "{field} に制御文字は使えません。"
        )));
    }
    Ok(Some(value.to_owned()))
}

fn required_text(field: &str, value: &str, max: usize, lines: bool) -> OutageResult<String> {
    optional_text(field, Some(value), max, lines)?
        .ok_or_else(|| OutageError::Invalid(format!("{field} を入力してください。")))
}

//! The widget's loan form: item, quantity, pickup and return (day and time), purpose.
//! Each field is read on its own so that a problem is named next to its field; the
//! period is then checked by the loan service's rules, its free units counted, and when
//! they are too few the nearest later start that is free is offered. Handing the form in
//! makes the reservation inside the form's transaction (the item locked, so the units
//! cannot be taken meanwhile).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::forms::{FormError, FormSubmitted};
use super::{Conversations, Identity};
use crate::calendar;
use crate::domain::loan::{reservation_number, LoanDraft};
use crate::domain::{Channel, ConversationState};
use crate::loans::{period_start_text, LoanError, Loans, Period, ReservationRequest, When};
use crate::storage::reservations::ReservableItem;

/// The loan form as the widget draws it: what can be borrowed and the values known.
#[derive(Debug, Clone, Serialize)]
pub struct LoanForm {
    pub items: Vec<LoanFormItem>,
    pub values: LoanInput,
    /// Opening hours (`08:30`, `17:15`): pickups and returns fall inside them.
    pub open: String,
    pub close: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LoanFormItem {
    pub id: String,
    pub name: String,
    pub quantity: i64,
    /// Whole days (licences): no times.
    pub by_day: bool,
    pub max_days: i64,
}

/// The form's fields, as typed: days `2026-12-10`, times `09:00` (empty: opening for
/// the pickup, closing for the return).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoanInput {
    pub item: String,
    pub quantity: String,
    pub from_date: String,
    pub from_time: String,
    pub to_date: String,
    pub to_time: String,
    pub purpose: String,
}

/// The free units over the period asked, and the nearest free alternative.
#[derive(Debug, Clone, Serialize)]
pub struct Availability {
    pub available: i64,
    pub enough: bool,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// What to show the staff member.
    pub message: String,
    /// The same period moved to the nearest later start with enough free units.
    pub alternative: Option<LoanInput>,
}

/// A form read field by field.
struct Read {
    item: ReservableItem,
    quantity: i64,
    period: Period,
    from: When,
    to: When,
}

impl Conversations {
    /// The loan form for `draft` (what the chat understood so far).
    pub(super) async fn loan_form(&self, draft: &LoanDraft) -> Result<LoanForm, FormError> {
        let loans = self.loans.as_ref().ok_or(FormError::NoForm)?;
        let items = loans.items().await.map_err(loan_error)?;
        let (open, close) = (loans.calendar().open_time(), loans.calendar().close_time());
        let from_time = if draft.afternoon {
            NaiveTime::from_hms_opt(13, 0, 0).unwrap_or(open)
        } else {
            open
        };
        let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let values = LoanInput {
            item: draft.item.clone().unwrap_or_default(),
            quantity: draft.quantity.map(|q| q.to_string()).unwrap_or_default(),
            from_date: day(draft.from),
            from_time: hhmm(from_time),
            to_date: day(draft.to),
            to_time: hhmm(close),
            purpose: draft.purpose.clone().unwrap_or_default(),
        };
        let items = items
            .into_iter()
            .map(|i| LoanFormItem {
                by_day: i.kind.by_day(),
                id: i.id,
                name: i.name,
                quantity: i.quantity,
                max_days: i.max_days,
            })
            .collect();
        Ok(LoanForm {
            items,
            values,
            open: hhmm(open),
            close: hhmm(close),
        })
    }

    /// The free units for the loan form's values in conversation `token`.
    pub async fn loan_availability(
        &self,
        token: &str,
        input: &LoanInput,
    ) -> Result<Availability, FormError> {
        let conversation = self.form_conversation(token).await?;
        if !matches!(conversation.state, ConversationState::AskingLoan { .. }) {
            return Err(FormError::NoForm);
        }
        let loans = self.loans.as_ref().ok_or(FormError::NoForm)?;
        let read = read(loans, input, false).await?;
        let available = loans
            .available(&read.item, &read.period)
            .await
            .map_err(loan_error)?;
        let enough = available >= read.quantity;
        let (message, alternative) = if enough {
            let free = units(&read.item, available);
            (format!("空き：{free}"), None)
        } else {
            shortage(loans, &read, available).await?
        };
        Ok(Availability {
            available,
            enough,
            from: read.period.from,
            to: read.period.to,
            message,
            alternative,
        })
    }

    /// Hands in the loan form of conversation `token` for the staff member `identity`
    /// names: the reservation (申請中), its notice as the reply.
    pub async fn submit_loan_form(
        &self,
        token: &str,
        identity: &Identity,
        message_id: &str,
        input: &LoanInput,
    ) -> Result<FormSubmitted, FormError> {
        let conversation = self.form_conversation(token).await?;
        if let Some(again) = self.form_again(&conversation, message_id).await? {
            return Ok(again);
        }
        if !matches!(conversation.state, ConversationState::AskingLoan { .. }) {
            return Err(FormError::NoForm);
        }
        let loans = self.loans.as_ref().ok_or(FormError::NoForm)?;
        let unknown = || loans.sentences().say("chat_unknown_requester", &[]);
        let staff = self.form_staff(identity, unknown).await?;
        let read = read(loans, input, true).await?;
        let request = ReservationRequest {
            item: read.item.id.clone(),
            quantity: read.quantity,
            from: read.from,
            to: read.to,
            requester: staff.employee_no.clone(),
            purpose: input.purpose.clone(),
            channel: Channel::Widget,
            conversation_id: Some(conversation.id),
            actor: staff.employee_no.clone(),
        };
        let checked = loans
            .check(&request)
            .await
            .map_err(|e| field_error(e, "purpose"))?;
        let summary = format!(
            "・{} {}\n・{}〜{}\n・用途：{}",
            read.item.name,
            units(&read.item, read.quantity),
            calendar::format_datetime_ja(calendar::to_local(read.period.from)),
            calendar::format_datetime_ja(calendar::to_local(read.period.to)),
            input.purpose.trim(),
        );
        let (mut tx, inbound) = self.begin_form(&conversation, message_id, summary).await?;
        let made = match loans
            .reserve_in(&mut tx, &checked, &staff.employee_no)
            .await
        {
            Ok(made) => made,
            Err(LoanError::Unavailable { available }) => {
                drop(tx);
                let (message, _) = shortage(loans, &read, available).await?;
                return Err(FormError::Unavailable { available, message });
            }
            Err(e) => return Err(loan_error(e)),
        };
        let number = reservation_number(made.reservation.id);
        let mut sent = self
            .finish_form(tx, &conversation, &staff, inbound, made.notice)
            .await?;
        sent.number = Some(number);
        sent.created = true;
        Ok(sent)
    }
}

/// `input` read field by field (every problem named), then its period checked.
/// `purpose` is required only when handing the form in.
async fn read(loans: &Loans, input: &LoanInput, purpose: bool) -> Result<Read, FormError> {
    let mut problems = BTreeMap::new();
    let items = loans.items().await.map_err(loan_error)?;
    let item = items.into_iter().find(|i| i.id == input.item.trim());
    if item.is_none() {
        problems.insert("item".to_owned(), "借りるものを選んでください。".to_owned());
    }
    let quantity = fold(&input.quantity).parse::<i64>().ok();
    match (&item, quantity) {
        (_, None) => {
            problems.insert(
                "quantity".into(),
                "数量を数字で入力してください。（例：3）".into(),
            );
        }
        (Some(item), Some(q)) if !(1..=item.quantity).contains(&q) => {
            let why = format!("数量は 1 から {} です。", item.quantity);
            problems.insert("quantity".into(), why);
        }
        _ => {}
    }
    let by_day = item.as_ref().is_some_and(|i| i.kind.by_day());
    let from = when(&input.from_date, &input.from_time, by_day);
    let to = when(&input.to_date, &input.to_time, by_day);
    for (field, value) in [("from", &from), ("to", &to)] {
        if let Err(why) = value {
            problems.insert(field.to_owned(), why.clone());
        }
    }
    let purpose_text = input.purpose.trim();
    if purpose && purpose_text.is_empty() {
        let why = "用途を入力してください。（例：新規採用職員研修）";
        problems.insert("purpose".into(), why.into());
    } else if purpose_text.chars().count() > 200 {
        problems.insert("purpose".into(), "用途は200文字以内です。".into());
    }
    let (Some(item), Some(quantity), Ok(from), Ok(to), true) =
        (item, quantity, from, to, problems.is_empty())
    else {
        return Err(FormError::InvalidFields(problems));
    };
    let (item, period) = loans
        .period(&item.id, from, to)
        .await
        .map_err(|e| field_error(e, "to"))?;
    Ok(Read {
        item,
        quantity,
        period,
        from,
        to,
    })
}

/// A day and an optional time: the time in opening hours is the service's to check.
fn when(day: &str, time: &str, by_day: bool) -> Result<When, String> {
    let day = fold(day);
    let Ok(day) = NaiveDate::parse_from_str(&day, "%Y-%m-%d") else {
        return Err("日付を 2026-12-10 の形で入力してください。".into());
    };
    let time = fold(time);
    if by_day || time.is_empty() {
        return Ok(When::Day(day));
    }
    match NaiveTime::parse_from_str(&time, "%H:%M") {
        Ok(t) => Ok(When::At(calendar::to_utc(day.and_time(t)))),
        Err(_) => Err("時刻を 9:00 の形で入力してください。".into()),
    }
}

/// Too few free units: what to say, and the nearest later period with enough.
async fn shortage(
    loans: &Loans,
    read: &Read,
    available: i64,
) -> Result<(String, Option<LoanInput>), FormError> {
    let free = units(&read.item, available);
    let mut message = loans
        .sentences()
        .say("chat_unavailable", &[("available", &free)]);
    let nearest = loans
        .nearest_free(&read.item, &read.period, read.quantity)
        .await
        .map_err(loan_error)?;
    message.push('\n');
    let alternative = nearest.map(|later| {
        let start = calendar::to_local(later.from);
        let end = calendar::to_local(later.to);
        let text = period_start_text(&read.item, later.from);
        message.push_str(
            &loans
                .sentences()
                .say("chat_alternative", &[("alternative", &text)]),
        );
        if read.item.kind.by_day() {
            // A licence's period ends at the midnight after its last day: the form asks
            // for that last day, and no times.
            let last = end.date().pred_opt().unwrap_or(end.date());
            LoanInput {
                from_date: start.date().to_string(),
                to_date: last.max(start.date()).to_string(),
                ..LoanInput::default()
            }
        } else {
            LoanInput {
                from_date: start.date().to_string(),
                from_time: hhmm(start.time()),
                to_date: end.date().to_string(),
                to_time: hhmm(end.time()),
                ..LoanInput::default()
            }
        }
    });
    if alternative.is_none() {
        message.push_str(&loans.sentences().say("chat_no_alternative", &[]));
    }
    Ok((message, alternative))
}

/// 「3台」, 「2件」 (licences).
fn units(item: &ReservableItem, n: i64) -> String {
    format!("{n}{}", if item.kind.by_day() { "件" } else { "台" })
}

fn hhmm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

/// NFKC (full-width digits typed with a Japanese IME), trimmed.
fn fold(text: &str) -> String {
    text.nfkc().collect::<String>().trim().to_owned()
}

/// A refusal of the loan service, named next to the field it is about (`fallback` when
/// it does not say): the pickup's rules under `from`, the rest of the period's under `to`.
fn field_error(e: LoanError, fallback: &str) -> FormError {
    match e {
        LoanError::Invalid(why) => {
            let field = if why.starts_with("開始") || why.starts_with("受け取り") {
                "from"
            } else {
                fallback
            };
            FormError::InvalidFields(BTreeMap::from([(field.to_owned(), why)]))
        }
        LoanError::UnknownItem(_) => {
            FormError::InvalidFields(BTreeMap::from([("item".to_owned(), e.to_string())]))
        }
        other => loan_error(other),
    }
}

fn loan_error(e: LoanError) -> FormError {
    match e {
        LoanError::Unavailable { available } => FormError::Unavailable {
            available,
            message: LoanError::Unavailable { available }.to_string(),
        },
        // Removed from the staff directory since the form opened. Said to the staff
        // member plainly, and not logged as an internal error with their 職員番号.
        LoanError::UnknownRequester(_) => FormError::UnknownRequester(
            "職員名簿にお名前が見つからなくなりました。ヘルプデスクにお問い合わせください。".into(),
        ),
        other => FormError::Internal(anyhow::anyhow!("{other}")),
    }
}

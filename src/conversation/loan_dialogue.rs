//! Loans in the chat: 「研修用のパソコンを12月10日から2日間3台借りたい」 starts a loan
//! request; what the message leaves out (item, first day, last day, the times of an item
//! booked by the hour, quantity, purpose) is asked one at a time; the period's free units are shown (with the nearest later start
//! that is free when they are too few), and 「はい」 submits the reservation inside the
//! turn's transaction. The flow (`flow.rs`) hands a message here after the request
//! dialogue; `None` gives it back.

use chrono::{Duration, NaiveTime};

use super::flow::{bot_message, yes_no, Step};
use super::{Conversations, TurnResult};
use crate::calendar;
use crate::domain::loan::LoanDraft;
use crate::domain::words::{classify, Word};
use crate::domain::ConversationState;
use crate::loans::words::{read, DayPart};
use crate::loans::{
    period_start_text, CheckedReservation, LoanError, Loans, ReservationRequest, When,
};
use crate::storage::reservations::ReservableItem;
use crate::storage::{ConversationRow, Tx};

/// What a loan dialogue turn does, decided before the turn's transaction.
pub(crate) enum Planned {
    Say {
        text: String,
        state: ConversationState,
        yes_no: bool,
    },
    /// Confirmed: make the reservation.
    Submit(Box<CheckedReservation>, LoanDraft),
}

/// Words that name a kind of device besides the item's own name.
const ALIASES: &[(&str, &str)] = &[
    ("パソコン", "端末"),
    ("pc", "端末"),
    ("ノートpc", "端末"),
    ("タブレット", "タブレット"),
    ("web会議", "web会議"),
    ("ライセンス", "ライセンス"),
    ("プロジェクタ", "プロジェクタ"),
    ("rpa", "rpa"),
];

/// The item `text` names: its name, or a word for it (パソコン → 研修用端末).
fn match_item<'a>(text: &str, items: &'a [ReservableItem]) -> Option<&'a ReservableItem> {
    let text = text.to_lowercase();
    items
        .iter()
        .find(|i| text.contains(&i.name.to_lowercase()))
        .or_else(|| {
            ALIASES
                .iter()
                .filter(|(w, _)| text.contains(w))
                .find_map(|(_, key)| items.iter().find(|i| i.name.to_lowercase().contains(key)))
        })
}

/// 「研修用の」 → 研修.
fn purpose_in(text: &str) -> Option<String> {
    let at = text.find("用の").or_else(|| text.find("用に"))?;
    let before: String = text[..at]
        .chars()
        .rev()
        .take_while(|c| !"をにのはがでと、。 ".contains(*c))
        .collect();
    let purpose: String = before.chars().rev().collect();
    (!purpose.is_empty()).then_some(purpose)
}

impl Conversations {
    /// The turn for `text` when it asks for a loan or the conversation is asking one.
    pub(super) async fn plan_loan(
        &self,
        conversation: &ConversationRow,
        text: &str,
    ) -> anyhow::Result<Option<Step>> {
        let Some(loans) = &self.loans else {
            return Ok(None);
        };
        let today = calendar::to_local(self.store.now()).date();
        let items = loans.items().await?;
        let say = |key: &str, state| Planned::Say {
            text: loans.sentences().say(key, &[]),
            state,
            yes_no: false,
        };
        let draft = match &conversation.state {
            ConversationState::AskingLoan { draft } => match classify(text) {
                Word::Person => return Ok(None),
                Word::Cancel => {
                    return Ok(Some(Step::Loan(say(
                        "chat_cancelled",
                        ConversationState::Idle,
                    ))))
                }
                Word::No if draft.asked.as_deref() == Some("confirm") => {
                    return Ok(Some(Step::Loan(say(
                        "chat_cancelled",
                        ConversationState::Idle,
                    ))))
                }
                Word::Yes if draft.asked.as_deref() == Some("confirm") => {
                    let planned = match request_of(conversation, draft, &items) {
                        Some(request) => match loans.check(&request).await {
                            Ok(checked) => Planned::Submit(Box::new(checked), draft.clone()),
                            Err(e) => invalid(loans, draft, &e),
                        },
                        None => say("chat_unknown_requester", ConversationState::Idle),
                    };
                    return Ok(Some(Step::Loan(planned)));
                }
                _ => draft.clone(),
            },
            ConversationState::Idle
            | ConversationState::AwaitingFeedback { .. }
            | ConversationState::AwaitingChoice { .. } => {
                let words = read(text, today);
                if items.is_empty()
                    || !words.asks_loan
                    || (match_item(text, &items).is_none() && words.from.is_none())
                {
                    return Ok(None);
                }
                LoanDraft::default()
            }
            _ => return Ok(None),
        };
        if conversation.staff_no.is_none() {
            return Ok(Some(Step::Loan(say(
                "chat_unknown_requester",
                ConversationState::Idle,
            ))));
        }
        let draft = merge(draft, text, today, &items);
        let mut planned = self.next(loans, conversation, draft, &items).await?;
        if let Planned::Say {
            text,
            state: ConversationState::AskingLoan { .. },
            yes_no,
        } = &mut planned
        {
            // The widget shows the loan's whole form (with what was understood) instead.
            if conversation.channel.shows_forms() {
                *text = loans.sentences().say("chat_form", &[]);
                *yes_no = false;
            }
        }
        Ok(Some(Step::Loan(planned)))
    }

    /// The next question, or the availability and the confirmation.
    async fn next(
        &self,
        loans: &Loans,
        conversation: &ConversationRow,
        mut draft: LoanDraft,
        items: &[ReservableItem],
    ) -> anyhow::Result<Planned> {
        let by_hour = items
            .iter()
            .find(|i| Some(&i.id) == draft.item.as_ref())
            .is_some_and(|i| i.kind.by_hour());
        let missing = if draft.item.is_none() {
            Some("item")
        } else if draft.from.is_none() {
            Some("from")
        } else if draft.to.is_none() {
            Some("to")
        } else if by_hour && (draft.from_time.is_none() || draft.to_time.is_none()) {
            // Booked by the hour: the times are part of the period.
            Some("time")
        } else if draft.quantity.is_none() {
            Some("quantity")
        } else if draft.purpose.is_none() {
            Some("purpose")
        } else {
            None
        };
        if let Some(field) = missing {
            let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
            let text = loans.sentences().say(
                &format!("chat_ask_{field}"),
                &[("items", &names.join("、"))],
            );
            draft.asked = Some(field.to_owned());
            return Ok(Planned::Say {
                text,
                state: ConversationState::AskingLoan { draft },
                yes_no: false,
            });
        }
        let Some(request) = request_of(conversation, &draft, items) else {
            return Ok(Planned::Say {
                text: loans.sentences().say("chat_unknown_requester", &[]),
                state: ConversationState::Idle,
                yes_no: false,
            });
        };
        let (item, period) = match loans.period(&request.item, request.from, request.to).await {
            Ok(found) => found,
            Err(e) => return Ok(invalid(loans, &draft, &e)),
        };
        let available = loans.available(&item, &period).await?;
        let unit = if item.kind.by_day() { "件" } else { "台" };
        if available < request.quantity {
            let mut text = loans.sentences().say(
                "chat_unavailable",
                &[("available", &format!("{available}{unit}"))],
            );
            text.push('\n');
            text.push_str(
                &match loans.nearest_free(&item, &period, request.quantity).await? {
                    Some(later) => {
                        let at = period_start_text(&item, later.from);
                        loans
                            .sentences()
                            .say("chat_alternative", &[("alternative", &at)])
                    }
                    None => loans.sentences().say("chat_no_alternative", &[]),
                },
            );
            return Ok(Planned::Say {
                text,
                state: dates_again(draft),
                yes_no: false,
            });
        }
        let summary = format!(
            "・{} {}{unit}\n・{}〜{}\n・用途：{}",
            item.name,
            request.quantity,
            calendar::format_datetime_ja(calendar::to_local(period.from)),
            calendar::format_datetime_ja(calendar::to_local(period.to)),
            draft.purpose.as_deref().unwrap_or_default(),
        );
        let text = loans.sentences().say(
            "chat_confirm",
            &[
                ("summary", &summary),
                ("available", &format!("{available}{unit}")),
            ],
        );
        draft.asked = Some("confirm".into());
        Ok(Planned::Say {
            text,
            state: ConversationState::AskingLoan { draft },
            yes_no: true,
        })
    }

    /// Carries a planned loan turn out inside the turn's transaction.
    pub(super) async fn execute_loan(
        &self,
        tx: &mut Tx,
        conversation: &ConversationRow,
        planned: Planned,
    ) -> anyhow::Result<TurnResult> {
        let (text, state, yes) = match planned {
            Planned::Say {
                text,
                state,
                yes_no,
            } => (text, state, yes_no),
            Planned::Submit(checked, draft) => {
                let loans = self
                    .loans
                    .as_ref()
                    .ok_or_else(|| anyhow::anyhow!("loans are not wired"))?;
                let actor = conversation.staff_no.clone().unwrap_or_default();
                match loans.reserve_in(tx, &checked, &actor).await {
                    Ok(made) => (made.notice, ConversationState::Idle, false),
                    // Taken since the confirmation: ask for another period.
                    Err(e @ LoanError::Unavailable { .. }) => {
                        (e.to_string(), dates_again(draft), false)
                    }
                    Err(e) => return Err(anyhow::anyhow!("{e}")),
                }
            }
        };
        let choices = if yes { yes_no() } else { Vec::new() };
        Ok(TurnResult::new(
            conversation,
            state,
            bot_message(text, choices),
        ))
    }
}

/// `text` read into `draft`: what it says fills what is missing or changes what it names.
fn merge(
    mut draft: LoanDraft,
    text: &str,
    today: chrono::NaiveDate,
    items: &[ReservableItem],
) -> LoanDraft {
    let words = read(text, today);
    let asked = draft.asked.clone().unwrap_or_default();
    if let Some(item) = match_item(text, items) {
        draft.item = Some(item.id.clone());
        if item.quantity == 1 {
            draft.quantity = draft.quantity.or(Some(1));
        }
    }
    match (asked.as_str(), words.from, words.to) {
        // 「12月11日まで」 answering "until when".
        ("to", Some(last), None) => draft.to = Some(last),
        (_, from, to) => {
            draft.from = from.or(draft.from);
            draft.to = to.or(draft.to);
        }
    }
    if let (None, Some(days), Some(from)) = (draft.to, words.days, draft.from) {
        draft.to = Some(from + Duration::days(i64::from(days.max(1)) - 1));
    }
    if words.from.is_some() && words.to.is_none() && words.days.is_none() && asked != "to" {
        // One day named and no length: a loan of that day.
        draft.to = draft.to.filter(|t| Some(*t) >= draft.from).or(draft.from);
    }
    if words.part.is_some() {
        draft.afternoon = words.part == Some(DayPart::Afternoon);
    }
    match words.times.as_slice() {
        [] => {}
        // 「15時まで」: an end (also the answer after the start was given).
        [end] if words.until || (asked == "time" && draft.from_time.is_some()) => {
            draft.to_time = Some(*end)
        }
        [start] => draft.from_time = Some(*start),
        [start, end, ..] => {
            draft.from_time = Some(*start);
            draft.to_time = Some(*end);
        }
    }
    draft.quantity = words.quantity.or(draft.quantity);
    if asked == "quantity" && draft.quantity.is_none() {
        draft.quantity = text.trim().parse().ok();
    }
    if asked == "purpose" {
        let answer = text.trim();
        if !answer.is_empty() {
            draft.purpose = Some(answer.chars().take(200).collect());
        }
    } else if let Some(purpose) = purpose_in(text) {
        draft.purpose = Some(purpose);
    }
    draft
}

/// The reservation `draft` describes, for the conversation's staff member.
fn request_of(
    conversation: &ConversationRow,
    draft: &LoanDraft,
    items: &[ReservableItem],
) -> Option<ReservationRequest> {
    let requester = conversation.staff_no.clone()?;
    let item = items.iter().find(|i| Some(&i.id) == draft.item.as_ref())?;
    let (first, last) = (draft.from?, draft.to?);
    if item.kind.by_hour() {
        let at = |day: chrono::NaiveDate, time| When::At(calendar::to_utc(day.and_time(time)));
        return Some(ReservationRequest {
            item: item.id.clone(),
            quantity: draft.quantity?,
            from: at(first, draft.from_time?),
            to: at(last, draft.to_time?),
            requester: requester.clone(),
            purpose: draft.purpose.clone()?,
            channel: conversation.channel,
            conversation_id: Some(conversation.id),
            actor: requester,
        });
    }
    let from = if draft.afternoon && !item.kind.by_day() {
        When::At(calendar::to_utc(
            first.and_time(NaiveTime::from_hms_opt(13, 0, 0)?),
        ))
    } else {
        // The day's opening, or today after it the next quarter hour (`loans::period`).
        When::Day(first)
    };
    Some(ReservationRequest {
        item: item.id.clone(),
        quantity: draft.quantity?,
        from,
        to: When::Day(last),
        requester: requester.clone(),
        purpose: draft.purpose.clone()?,
        channel: conversation.channel,
        conversation_id: Some(conversation.id),
        actor: requester,
    })
}

/// The conversation asking for the dates again, the rest of `draft` kept.
fn dates_again(draft: LoanDraft) -> ConversationState {
    ConversationState::AskingLoan {
        draft: LoanDraft {
            from: None,
            to: None,
            from_time: None,
            to_time: None,
            asked: Some("from".into()),
            ..draft
        },
    }
}

/// A refused period or quantity: the reason, and the dates asked again.
fn invalid(loans: &Loans, draft: &LoanDraft, e: &LoanError) -> Planned {
    let reason = e.to_string();
    let mut text = loans
        .sentences()
        .say("chat_invalid", &[("reason", &reason)]);
    text.push('\n');
    text.push_str(&loans.sentences().say("chat_ask_from", &[]));
    Planned::Say {
        text,
        state: dates_again(draft.clone()),
        yes_no: false,
    }
}

#[cfg(test)]
mod tests {
    use super::purpose_in;

    #[test]
    fn the_purpose_is_what_comes_before_yo() {
        assert_eq!(
            purpose_in("研修用のパソコンを借りたい").as_deref(),
            Some("研修")
        );
        assert_eq!(purpose_in("会議で使いたい"), None);
    }
}

//! Requests in the chat: an FAQ answer whose entry belongs to a request type offers it
//! (「この申請をしますか？（はい／いいえ）」); 「はい」 starts a dialogue that asks each
//! field in turn, checks each answer on the spot (saying why and giving an example),
//! takes 「やめる」 at any time, shows a summary with the requester from the directory,
//! and submits on 「はい」, answering with the 受付番号. 「再申請」 takes a returned
//! request (差戻し) through the same questions, each showing its answer now (「そのまま」
//! keeps it), and resubmits it corrected. The flow (`flow.rs`) hands a
//! message here first; `None` gives it back.

use super::flow::{bot_message, yes_no, Step};
use super::{Conversations, TurnResult};
use crate::domain::request_draft::RequestDraft;
use crate::domain::request_type::{FieldKind, RequestType};
use crate::domain::words::{classify, Word};
use crate::domain::ConversationState;
use crate::domain::{request_number, RequestAction, RequestStatus};
use crate::kb::render::markdown_to_safe_html;
use crate::kb::FaqEntry;
use crate::requests::{Acting, Capacity, Checked, Prepared, RequestError, Requests, Submission};
use crate::storage::requests::RequestFilter;
use crate::storage::{Choice, ConversationRow, StaffMember, Tx};

/// What a dialogue turn does, decided before the turn's transaction.
pub(super) enum Planned {
    /// A sentence (with quick replies) and the conversation's next state.
    Say {
        text: String,
        choices: Vec<Choice>,
        state: ConversationState,
    },
    /// Every answer checked and confirmed: submit.
    Submit(Box<Checked>),
    /// The requester withdraws a request of theirs (「R-12 を取り消したい」), or resubmits
    /// a returned one corrected.
    Act(Box<Prepared>),
}

/// Answers meaning "the requester themself" for a staff field.
pub(super) const MYSELF: &[&str] = &["自分", "じぶん", "私", "わたし", "本人"];

impl Conversations {
    /// The turn for `text` when the conversation offers a request or is filling one in.
    pub(super) async fn plan_request(
        &self,
        conversation: &ConversationRow,
        text: &str,
    ) -> anyhow::Result<Option<Step>> {
        let Some(requests) = &self.requests else {
            return Ok(None);
        };
        let planned = match &conversation.state {
            ConversationState::OfferingRequest { type_id, .. } => match classify(text) {
                Word::Yes => start(requests, conversation, type_id),
                Word::No | Word::Cancel => say(requests, "declined", ConversationState::Idle),
                _ => return Ok(None),
            },
            // A person, please: the usual flow opens a ticket.
            ConversationState::FillingRequest { .. } if classify(text) == Word::Person => {
                return Ok(None)
            }
            ConversationState::FillingRequest { draft } => {
                fill(requests, conversation, draft, text).await?
            }
            _ => match withdraw(requests, conversation, text).await? {
                Some(planned) => planned,
                None => match correct(requests, conversation, text).await? {
                    Some(planned) => planned,
                    None => return Ok(None),
                },
            },
        };
        Ok(Some(Step::Request(planned)))
    }

    /// The answer with `entry` ending with the offer of its request type, if it has one.
    pub(super) fn offer_request(
        &self,
        conversation: &ConversationRow,
        entry: &FaqEntry,
        question: &str,
    ) -> Option<TurnResult> {
        let requests = self.requests.as_ref()?;
        let definition = requests.catalogue().for_faq(&entry.id)?;
        let text = requests.sentences().say(
            "answer",
            &[
                ("title", &entry.title),
                ("answer", entry.body.trim()),
                ("type", &definition.name),
            ],
        );
        let mut reply = bot_message(text, yes_no());
        reply.html = Some(markdown_to_safe_html(&reply.text, &self.image_hosts));
        reply.faq_id = Some(entry.id.clone());
        let state = ConversationState::OfferingRequest {
            type_id: definition.id.clone(),
            faq_id: entry.id.clone(),
            question: question.to_owned(),
        };
        Some(TurnResult::new(conversation, state, reply))
    }

    /// Carries a planned dialogue turn out inside the turn's transaction.
    pub(super) async fn execute_request(
        &self,
        tx: &mut Tx,
        conversation: &ConversationRow,
        planned: Planned,
    ) -> anyhow::Result<TurnResult> {
        Ok(match planned {
            Planned::Say {
                text,
                choices,
                state,
            } => TurnResult::new(conversation, state, bot_message(text, choices)),
            Planned::Submit(checked) => {
                let requests = self
                    .requests
                    .as_ref()
                    .ok_or_else(|| anyhow::anyhow!("requests are not wired"))?;
                let actor = checked.requester.employee_no.clone();
                let (_, text) = requests
                    .submit_in(tx, &checked, &actor, false)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                TurnResult::new(
                    conversation,
                    ConversationState::Idle,
                    bot_message(text, Vec::new()),
                )
            }
            Planned::Act(prepared) => {
                let requests = self
                    .requests
                    .as_ref()
                    .ok_or_else(|| anyhow::anyhow!("requests are not wired"))?;
                // Told here, in the reply; the request's own conversation too if it is another.
                let elsewhere = prepared.row.conversation_id != Some(conversation.id);
                let text = match requests.apply_in(tx, &prepared, elsewhere).await {
                    Ok((_, text)) => text,
                    Err(RequestError::Conflict(_)) => {
                        RequestError::Conflict(prepared.row.id).to_string()
                    }
                    Err(e) => return Err(anyhow::anyhow!("{e}")),
                };
                TurnResult::new(
                    conversation,
                    ConversationState::Idle,
                    bot_message(text, Vec::new()),
                )
            }
        })
    }
}

fn say(requests: &Requests, key: &str, state: ConversationState) -> Planned {
    Planned::Say {
        text: requests.sentences().say(key, &[]),
        choices: Vec::new(),
        state,
    }
}

/// 「はい」 to the offer: the first question, if the requester is known.
fn start(requests: &Requests, conversation: &ConversationRow, type_id: &str) -> Planned {
    let Some(definition) = requests.catalogue().get(type_id) else {
        return say(requests, "declined", ConversationState::Idle);
    };
    if conversation.staff_no.is_none() {
        return say(requests, "unknown_requester", ConversationState::Idle);
    }
    let draft = RequestDraft::new(definition);
    let name = [("type", definition.name.as_str())];
    let text = if conversation.channel.shows_forms() {
        requests.sentences().say("start_form", &name)
    } else {
        let intro = requests.sentences().say("start", &name);
        format!("{intro}\n{}", question(requests, definition, &draft))
    };
    Planned::Say {
        text,
        choices: Vec::new(),
        state: ConversationState::FillingRequest { draft },
    }
}

/// One answer in the dialogue.
async fn fill(
    requests: &Requests,
    conversation: &ConversationRow,
    draft: &RequestDraft,
    text: &str,
) -> anyhow::Result<Planned> {
    let Some(definition) = requests.catalogue().get(&draft.type_id) else {
        return Ok(say(requests, "cancelled", ConversationState::Idle));
    };
    let word = classify(text);
    if word == Word::Cancel {
        return Ok(say(requests, "cancelled", ConversationState::Idle));
    }
    let Some(index) = draft.asking else {
        return Ok(match word {
            Word::Yes => submit(requests, conversation, definition, draft).await?,
            Word::No => say(requests, "cancelled", ConversationState::Idle),
            _ => Planned::Say {
                text: requests.sentences().say("confirm_again", &[]),
                choices: yes_no(),
                state: ConversationState::FillingRequest {
                    draft: draft.clone(),
                },
            },
        });
    };
    let field = &definition.fields[index];
    let answer = match (field.kind, &conversation.staff_no) {
        (FieldKind::Staff, Some(me)) if MYSELF.contains(&text.trim()) => me.as_str(),
        _ => text,
    };
    let mut next = draft.clone();
    let mut said = String::new();
    let kept = draft.answers.get(&field.id).filter(|_| keeps(draft, text));
    if let Some(value) = kept {
        next.answer(definition, Some(value.clone()));
    } else {
        match requests.check_answer(field, answer).await {
            Ok(value) => next.answer(definition, value),
            Err(refusal) => {
                said = requests.sentences().say(
                    "invalid",
                    &[("reason", &refusal.reason), ("example", &refusal.example)],
                );
                said.push('\n');
            }
        }
    }
    let (text, choices) = match next.asking {
        Some(_) => (question(requests, definition, &next), Vec::new()),
        None => {
            let requester = match &conversation.staff_no {
                Some(no) => requests.staff(no).await?,
                None => None,
            };
            (
                summary(requests, requester.as_ref(), definition, &next),
                yes_no(),
            )
        }
    };
    Ok(Planned::Say {
        text: format!("{said}{text}"),
        choices,
        state: ConversationState::FillingRequest { draft: next },
    })
}

/// The question for the field `draft` is asking.
fn question(requests: &Requests, definition: &RequestType, draft: &RequestDraft) -> String {
    let Some(field) = draft.asking.and_then(|i| definition.fields.get(i)) else {
        return String::new();
    };
    let key = if field.required {
        "ask"
    } else {
        "ask_optional"
    };
    let mut values = [
        ("question", field.question()),
        ("example", field.example_answer()),
    ];
    if field.kind == FieldKind::Choice {
        let list: Vec<String> = field
            .choices
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{}. {c}", i + 1))
            .collect();
        values[0].1 = format!("{}\n{}", field.question(), list.join("\n"));
    }
    let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let asked = requests.sentences().say(key, &values);
    match draft
        .answers
        .get(&field.id)
        .filter(|_| draft.resubmits.is_some())
    {
        Some(value) => {
            let current = field.display(value);
            let now = requests
                .sentences()
                .say("ask_current", &[("current", &current)]);
            format!("{asked}\n{now}")
        }
        None => asked,
    }
}

/// Whether `text` keeps a corrected request's answer as it is (「そのまま」).
fn keeps(draft: &RequestDraft, text: &str) -> bool {
    let folded = crate::analysis::normalize::normalize(text);
    let word = folded.trim().trim_end_matches(['。', '!', '！', '.']);
    draft.resubmits.is_some()
        && ["そのまま", "同じ", "変更なし", "変えない", "かえない"].contains(&word)
}

/// Every answer, with the requester, and 「よろしいですか？」.
fn summary(
    requests: &Requests,
    requester: Option<&StaffMember>,
    definition: &RequestType,
    draft: &RequestDraft,
) -> String {
    let mut lines = vec![format!("【{}】", definition.name)];
    for field in &definition.fields {
        if let Some(value) = draft.answers.get(&field.id) {
            lines.push(format!("・{}：{}", field.label, field.display(value)));
        }
    }
    if let Some(r) = requester {
        let values = [
            ("name", r.name.as_str()),
            ("department", r.department.as_str()),
        ];
        lines.push(requests.sentences().say("requester", &values));
    }
    let key = if draft.resubmits.is_some() {
        "confirm_resubmit"
    } else {
        "confirm"
    };
    requests
        .sentences()
        .say(key, &[("summary", &lines.join("\n"))])
}

/// 「再申請」 (「R-12 を再申請したい」): a returned request of theirs (the one named, or
/// the latest) corrected field by field, starting from its answers. `None`: not such a
/// message.
async fn correct(
    requests: &Requests,
    conversation: &ConversationRow,
    text: &str,
) -> anyhow::Result<Option<Planned>> {
    let folded = crate::analysis::normalize::normalize(text);
    if !["再申請", "出し直", "やり直", "直して申請"]
        .iter()
        .any(|w| folded.contains(w))
    {
        return Ok(None);
    }
    let Some(staff_no) = &conversation.staff_no else {
        return Ok(Some(say(
            requests,
            "unknown_requester",
            ConversationState::Idle,
        )));
    };
    let row = match number_in(&folded) {
        Some(id) => requests
            .request(id)
            .await
            .ok()
            .filter(|r| r.requester_no == *staff_no),
        None => {
            let filter = RequestFilter {
                status: Some(RequestStatus::Returned),
                requester_no: Some(staff_no.clone()),
                ..RequestFilter::default()
            };
            requests.page(&filter, 0, 1).await?.0.into_iter().next()
        }
    };
    let Some(row) = row.filter(|r| r.status == RequestStatus::Returned) else {
        return Ok(Some(say(requests, "no_returned", ConversationState::Idle)));
    };
    let Some(definition) = requests.catalogue().get(&row.type_id) else {
        return Ok(Some(say(requests, "no_returned", ConversationState::Idle)));
    };
    let answers = serde_json::from_str(&row.fields).unwrap_or_default();
    let draft = RequestDraft::correcting(definition, row.id, answers);
    let number = request_number(row.id);
    let values = [
        ("number", number.as_str()),
        ("type", definition.name.as_str()),
    ];
    let text = if conversation.channel.shows_forms() {
        requests.sentences().say("resubmit_form", &values)
    } else {
        let intro = requests.sentences().say("resubmit_start", &values);
        format!("{intro}\n{}", question(requests, definition, &draft))
    };
    Ok(Some(Planned::Say {
        text,
        choices: Vec::new(),
        state: ConversationState::FillingRequest { draft },
    }))
}

/// 「R-12 を取り消したい」: the requester withdraws a request of theirs (before work
/// starts; the rules say when). `None`: not such a message.
async fn withdraw(
    requests: &Requests,
    conversation: &ConversationRow,
    text: &str,
) -> anyhow::Result<Option<Planned>> {
    let folded = crate::analysis::normalize::normalize(text);
    if !["取り消", "取消", "とりけ", "キャンセル"]
        .iter()
        .any(|w| folded.contains(w))
    {
        return Ok(None);
    }
    let (Some(id), Some(staff_no)) = (number_in(&folded), &conversation.staff_no) else {
        return Ok(None);
    };
    let idle = ConversationState::Idle;
    let number = request_number(id);
    match requests.request(id).await {
        Ok(row) if row.requester_no == *staff_no => {}
        _ => {
            let text = requests
                .sentences()
                .say("not_yours", &[("number", &number)]);
            return Ok(Some(Planned::Say {
                text,
                choices: Vec::new(),
                state: idle,
            }));
        }
    }
    let acting = Acting {
        login: staff_no,
        capacity: Capacity::Requester,
    };
    let cancel = RequestAction::Cancel;
    Ok(Some(
        match requests.prepare(id, acting, cancel, None, None, None).await {
            Ok(prepared) => Planned::Act(Box::new(prepared)),
            Err(e @ (RequestError::NotAllowed(_) | RequestError::Conflict(_))) => Planned::Say {
                text: e.to_string(),
                choices: Vec::new(),
                state: idle,
            },
            Err(e) => return Err(anyhow::anyhow!("{e}")),
        },
    ))
}

/// The first request number (`R-12`, `r12`) in normalised text.
fn number_in(folded: &str) -> Option<i64> {
    let at = folded.find('r')?;
    let digits: String = folded[at + 1..]
        .trim_start_matches(['-', 'ー', '−', '‐'])
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok().filter(|id| *id > 0)
}

/// 「はい」 to the summary: the request checked once more as a whole.
async fn submit(
    requests: &Requests,
    conversation: &ConversationRow,
    definition: &RequestType,
    draft: &RequestDraft,
) -> anyhow::Result<Planned> {
    let Some(staff_no) = conversation.staff_no.clone() else {
        return Ok(say(requests, "unknown_requester", ConversationState::Idle));
    };
    if let Some(id) = draft.resubmits {
        // Only the requester resubmits (said when 「再申請」 was read; checked again on
        // the request as it is now).
        let fields = draft.answers.clone();
        return Ok(
            match requests.prepare_resubmission(id, &staff_no, fields).await {
                Ok(prepared) => Planned::Act(Box::new(prepared)),
                Err(RequestError::InvalidFields(problems)) => refused(requests, &problems),
                Err(e @ (RequestError::NotAllowed(_) | RequestError::Conflict(_))) => {
                    Planned::Say {
                        text: e.to_string(),
                        choices: Vec::new(),
                        state: ConversationState::Idle,
                    }
                }
                Err(e) => return Err(anyhow::anyhow!("{e}")),
            },
        );
    }
    let submission = Submission {
        type_id: definition.id.clone(),
        requester: staff_no.clone(),
        fields: draft.answers.clone(),
        channel: conversation.channel,
        conversation_id: Some(conversation.id),
        ticket_id: conversation.ticket_id,
        actor: staff_no,
    };
    match requests.check(&submission).await {
        Ok(checked) => Ok(Planned::Submit(Box::new(checked))),
        Err(RequestError::InvalidFields(problems)) => Ok(refused(requests, &problems)),
        Err(e) => Err(anyhow::anyhow!("{e}")),
    }
}

/// The reasons a whole request was refused, and the dialogue ends.
fn refused(requests: &Requests, problems: &std::collections::BTreeMap<String, String>) -> Planned {
    let reasons: Vec<String> = problems.values().cloned().collect();
    Planned::Say {
        text: format!(
            "{}\n{}",
            reasons.join("\n"),
            requests.sentences().say("cancelled", &[])
        ),
        choices: Vec::new(),
        state: ConversationState::Idle,
    }
}

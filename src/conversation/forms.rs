//! Forms in the portal widget: where the chat would ask a request's fields (or a loan's
//! details) one at a time, the widget shows the whole form instead. The conversation
//! still decides: a form is open while the request dialogue or the loan dialogue is
//! (`FillingRequest`, `AskingLoan`); its fields, checked by the same rules as the
//! dialogue's answers (the server is the authority), are submitted in one transaction
//! with the staff member's summary, the reply with the 受付番号 and the conversation
//! back to idle. The requester is who the channel says is writing (the widget's trusted
//! identity), never a value from the form.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use super::flow::bot_message;
use super::request_dialogue::MYSELF;
use super::{identify, Conversations, Identity};
use crate::domain::request_fields::value_as_text;
use crate::domain::request_type::{FieldKind, RequestType};
use crate::domain::TextEnum;
use crate::domain::{request_number, Author, Channel, ConversationState, Direction, Network};
use crate::requests::{RequestError, Submission};
use crate::storage::StoredMessage;
use crate::storage::{
    conversations, messages, ConversationRow, NewMessage, StaffMember, StorageError, Tx,
};

/// The kind of form a conversation has open: `request` or `loan`.
pub fn open_form(state: &ConversationState) -> Option<&'static str> {
    match state {
        ConversationState::FillingRequest { .. } => Some("request"),
        ConversationState::AskingLoan { .. } => Some("loan"),
        _ => None,
    }
}

/// A form, as the widget draws it.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Form {
    Request(RequestForm),
    Loan(super::loan_form::LoanForm),
}

/// A request type's form.
#[derive(Debug, Clone, Serialize)]
pub struct RequestForm {
    #[serde(rename = "type")]
    pub type_id: String,
    pub name: String,
    pub description: String,
    pub fields: Vec<FormField>,
}

/// One field of a request form, with what the dialogue would ask and an example.
#[derive(Debug, Clone, Serialize)]
pub struct FormField {
    pub id: String,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    pub multiple: bool,
    /// The allowed answers of a choice or network field.
    pub choices: Vec<String>,
    pub question: String,
    pub example: String,
    pub unit: Option<String>,
    pub max_chars: Option<usize>,
    /// The answer given so far in the dialogue, as shown.
    pub value: Option<String>,
}

/// A form handed in: what was stored and shown, and the 受付番号 (`None` when the widget
/// sent the same form twice: the first one's replies come back).
#[derive(Debug, Clone)]
pub struct FormSubmitted {
    pub messages: Vec<StoredMessage>,
    pub number: Option<String>,
    /// Whether the form made something new (a request, a reservation); false for a
    /// returned request resubmitted, and for a form sent twice.
    pub created: bool,
}

/// Why a form could not be shown or handed in. Nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum FormError {
    #[error("会話が見つかりません。新しく質問してください。")]
    NoConversation,
    #[error("この会話では、いまフォームを受け付けていません。")]
    NoForm,
    /// The widget does not know who is writing; the sentence says what to do.
    #[error("{0}")]
    UnknownRequester(String),
    /// Each bad field and why.
    #[error("入力に誤りがあります。")]
    InvalidFields(BTreeMap<String, String>),
    /// Too few free units; the message names the nearest free alternative.
    #[error("{message}")]
    Unavailable { available: i64, message: String },
    #[error("会話が混み合っています。少し待ってから送り直してください。")]
    Busy,
    /// The request cannot take this step now (withdrawn or resubmitted meanwhile).
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Conversations {
    /// The form the widget conversation `token` has open, if any.
    pub async fn form(&self, token: &str) -> Result<Option<Form>, FormError> {
        let conversation = self.form_conversation(token).await?;
        Ok(match &conversation.state {
            ConversationState::FillingRequest { draft } => {
                let requests = self.requests.as_ref().ok_or(FormError::NoForm)?;
                let definition = requests.catalogue().get(&draft.type_id);
                definition.map(|d| Form::Request(request_form(d, &draft.answers)))
            }
            ConversationState::AskingLoan { draft } => {
                Some(Form::Loan(self.loan_form(draft).await?))
            }
            _ => None,
        })
    }

    /// Hands in the open request form of conversation `token`: `fields` by field id,
    /// for the staff member `identity` names. `message_id` makes a resend harmless.
    pub async fn submit_request_form(
        &self,
        token: &str,
        identity: &Identity,
        message_id: &str,
        mut fields: Map<String, Value>,
    ) -> Result<FormSubmitted, FormError> {
        let conversation = self.form_conversation(token).await?;
        if let Some(again) = self.form_again(&conversation, message_id).await? {
            return Ok(again);
        }
        let requests = self.requests.as_ref().ok_or(FormError::NoForm)?;
        let ConversationState::FillingRequest { draft } = &conversation.state else {
            return Err(FormError::NoForm);
        };
        let definition = requests
            .catalogue()
            .get(&draft.type_id)
            .ok_or(FormError::NoForm)?;
        let unknown = || requests.sentences().say("unknown_requester", &[]);
        let staff = self.form_staff(identity, unknown).await?;
        for field in definition
            .fields
            .iter()
            .filter(|f| f.kind == FieldKind::Staff)
        {
            if let Some(value) = fields.get_mut(&field.id) {
                if MYSELF.contains(&value_as_text(value).trim()) {
                    *value = Value::String(staff.employee_no.clone());
                }
            }
        }
        if let Some(id) = draft.resubmits {
            return self
                .resubmit_form(&conversation, definition, &staff, message_id, id, fields)
                .await;
        }
        let submission = Submission {
            type_id: definition.id.clone(),
            requester: staff.employee_no.clone(),
            fields,
            channel: Channel::Widget,
            conversation_id: Some(conversation.id),
            ticket_id: conversation.ticket_id,
            actor: staff.employee_no.clone(),
        };
        let checked = requests.check(&submission).await.map_err(request_error)?;
        let summary = form_summary(&definition.name, definition, &checked.fields);
        let (mut tx, inbound) = self.begin_form(&conversation, message_id, summary).await?;
        let (id, text) = requests
            .submit_in(&mut tx, &checked, &staff.employee_no, false)
            .await
            .map_err(request_error)?;
        let mut sent = self
            .finish_form(tx, &conversation, &staff, inbound, text)
            .await?;
        sent.number = Some(request_number(id));
        sent.created = true;
        Ok(sent)
    }

    /// Hands in the form of a returned request `id` being corrected (「再申請」): the same
    /// request resubmitted with the form's fields, as the chat's dialogue does, in the
    /// form's transaction; no new request.
    async fn resubmit_form(
        &self,
        conversation: &ConversationRow,
        definition: &RequestType,
        staff: &StaffMember,
        message_id: &str,
        id: i64,
        fields: Map<String, Value>,
    ) -> Result<FormSubmitted, FormError> {
        let requests = self.requests.as_ref().ok_or(FormError::NoForm)?;
        // The conversation may have been opened by someone else: only the requester
        // resubmits (refused as 409 `refused`).
        let prepared = requests
            .prepare_resubmission(id, &staff.employee_no, fields)
            .await
            .map_err(request_error)?;
        let number = request_number(id);
        let title = format!("{}（{number} の再申請）", definition.name);
        let summary = form_summary(&title, definition, &prepared.fields());
        let (mut tx, inbound) = self.begin_form(conversation, message_id, summary).await?;
        // Told here, in the reply; the request's own conversation too if it is another.
        let elsewhere = prepared.row.conversation_id != Some(conversation.id);
        let (_, text) = requests
            .apply_in(&mut tx, &prepared, elsewhere)
            .await
            .map_err(request_error)?;
        let mut sent = self
            .finish_form(tx, conversation, staff, inbound, text)
            .await?;
        sent.number = Some(number);
        Ok(sent)
    }

    /// The widget conversation `token`, or [`FormError::NoConversation`].
    pub(super) async fn form_conversation(
        &self,
        token: &str,
    ) -> Result<ConversationRow, FormError> {
        self.widget_conversation(token)
            .await?
            .ok_or(FormError::NoConversation)
    }

    /// The staff member `identity` names, or the sentence `unknown` says why not.
    pub(super) async fn form_staff(
        &self,
        identity: &Identity,
        unknown: impl FnOnce() -> String,
    ) -> Result<StaffMember, FormError> {
        self.who_is_writing(identity)
            .await?
            .ok_or_else(|| FormError::UnknownRequester(unknown()))
    }

    /// The replies stored when this form was handed in before.
    pub(super) async fn form_again(
        &self,
        conversation: &ConversationRow,
        message_id: &str,
    ) -> Result<Option<FormSubmitted>, FormError> {
        let key = channel_id(conversation, message_id);
        let mut conn = self.store.conn();
        let Some(inbound) = messages::find_inbound(&mut conn, Channel::Widget, &key).await? else {
            return Ok(None);
        };
        let mut replies = messages::replies_to(&mut conn, inbound).await?;
        replies.retain(|m| m.conversation_id == conversation.id);
        Ok(Some(FormSubmitted {
            messages: replies,
            number: None,
            created: false,
        }))
    }

    /// Opens the form's transaction: the conversation locked at the version read, the
    /// staff member's `summary` stored as their message.
    pub(super) async fn begin_form(
        &self,
        conversation: &ConversationRow,
        message_id: &str,
        summary: String,
    ) -> Result<(Tx, i64), FormError> {
        let mut tx = self.store.begin().await?;
        if !conversations::lock(&mut tx, conversation.id, conversation.version).await? {
            return Err(FormError::Busy);
        }
        let message = NewMessage {
            channel_message_id: Some(channel_id(conversation, message_id)),
            direction: Direction::In,
            ..NewMessage::outgoing(Author::Staff, summary)
        };
        // Handed in twice at once: the other one answers.
        let inbound = messages::insert_inbound(&mut tx, conversation, &message)
            .await?
            .ok_or(FormError::Busy)?;
        Ok((tx, inbound))
    }

    /// Closes the form's transaction: the reply `text`, the conversation idle again.
    pub(super) async fn finish_form(
        &self,
        mut tx: Tx,
        conversation: &ConversationRow,
        staff: &StaffMember,
        inbound: i64,
        text: String,
    ) -> Result<FormSubmitted, FormError> {
        let mut reply = bot_message(text, Vec::new());
        reply.reply_to = Some(inbound);
        messages::insert(&mut tx, conversation, &reply).await?;
        let mut after = ConversationRow {
            state: ConversationState::Idle,
            ..conversation.clone()
        };
        identify(&mut after, Some(staff), None);
        conversations::save(&mut tx, &after).await?;
        tx.commit().await?;
        // The conversation was locked: its messages from `inbound` on are this form's.
        let messages = self.messages_after(conversation.id, inbound - 1).await?;
        Ok(FormSubmitted {
            messages,
            number: None,
            created: false,
        })
    }
}

/// The channel's id of a form handed in: scoped to the conversation, like a message's.
fn channel_id(conversation: &ConversationRow, message_id: &str) -> String {
    format!("{}:form:{message_id}", conversation.token)
}

/// The staff member's line for a form handed in: `title`, then each answer as shown.
fn form_summary(title: &str, definition: &RequestType, fields: &Map<String, Value>) -> String {
    let mut lines = vec![format!("【{title}】")];
    for field in &definition.fields {
        if let Some(value) = fields.get(&field.id) {
            lines.push(format!("・{}：{}", field.label, field.display(value)));
        }
    }
    lines.join("\n")
}

fn request_error(e: RequestError) -> FormError {
    match e {
        RequestError::InvalidFields(fields) => FormError::InvalidFields(fields),
        RequestError::UnknownType(_) => FormError::NoForm,
        RequestError::Conflict(_) => FormError::Busy,
        e @ RequestError::NotAllowed(_) => FormError::Refused(e.to_string()),
        other => FormError::Internal(anyhow::anyhow!("{other}")),
    }
}

/// The form of `definition`, with the dialogue's answers so far.
fn request_form(definition: &RequestType, answers: &Map<String, Value>) -> RequestForm {
    let fields = definition
        .fields
        .iter()
        .map(|f| FormField {
            id: f.id.clone(),
            label: f.label.clone(),
            kind: f.kind,
            required: f.required,
            multiple: f.multiple,
            choices: match f.kind {
                FieldKind::Choice => f.choices.clone(),
                FieldKind::Network => Network::ALL.iter().map(|n| n.label().to_owned()).collect(),
                _ => Vec::new(),
            },
            question: f.question(),
            example: f.example_answer(),
            unit: f.unit.clone(),
            max_chars: f.max_chars,
            value: answers.get(&f.id).map(|v| f.display(v)),
        })
        .collect();
    RequestForm {
        type_id: definition.id.clone(),
        name: definition.name.clone(),
        description: definition.description.clone(),
        fields,
    }
}

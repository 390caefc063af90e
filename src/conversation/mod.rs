//! Conversations: one engine for every channel. A channel (LoGoチャット, the portal widget,
//! the terminal) turns its format into an [`Incoming`] message and shows the replies; the
//! flow (answer, 解決しましたか, other candidates, a person) lives here once.
//!
//! A turn is one transaction: the inbound message, the question log, the offers, the
//! feedback, a ticket and its notices, the replies and the new state commit together or
//! not at all. A message the channel delivers twice (same channel message id) gets the
//! stored replies back instead of a second answer. Turns of one conversation never
//! interleave, on any instance: the turn is worked out from the conversation as read, and
//! committed only if no other turn changed the conversation meanwhile (else it is worked
//! out again).

mod flow;
mod followup;
mod forms;
mod loan_dialogue;
mod loan_form;
mod outage_notice;
mod request_dialogue;

use std::sync::Arc;

use crate::domain::{Author, ConversationState, Direction};
use crate::engine::{AnswerEngine, Outcome};
use crate::kb::FaqEntry;
use crate::outbox::Wakeup;
use crate::prompts::Prompts;
use crate::storage::staff::StaffKey;
use crate::storage::{
    conversations, messages, ConversationKey, ConversationRow, NewMessage, NewQuestion,
    StaffMember, StorageError, Store, StoredMessage,
};
use crate::tickets::Tickets;

pub use crate::domain::text::{clean_text, stored_text};
pub use crate::domain::words::{classify, Word};
pub use crate::domain::Channel;
pub use forms::{open_form, Form, FormError, FormField, FormSubmitted, RequestForm};
pub use loan_form::{Availability, LoanForm, LoanFormItem, LoanInput};

/// How often a turn is worked out again when other turns of the same conversation keep
/// committing first, before the message is refused as busy.
const MAX_ATTEMPTS: usize = 16;

/// Who the channel says is writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    Anonymous,
    /// A LoGoチャット user id, looked up in the staff directory.
    LogoChatId(String),
    /// A 職員番号 or e-mail address from a trusted source (the portal's reverse proxy,
    /// the terminal's `--staff`).
    Trusted(String),
}

/// One inbound message, in the channel-neutral form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    pub channel: Channel,
    /// The channel's room (a LoGo room id; for the widget, the conversation token).
    pub room: String,
    /// The channel's user id ("" when anonymous).
    pub user_ref: String,
    pub user_name: Option<String>,
    pub identity: Identity,
    /// The channel's id of this message, for de-duplication.
    pub message_id: Option<String>,
    pub text: String,
}

/// What came of an inbound message.
#[derive(Debug, Clone)]
pub struct Handled {
    pub conversation: ConversationRow,
    pub inbound_id: i64,
    /// The replies to it (empty while an operator has the conversation).
    pub replies: Vec<StoredMessage>,
    /// The channel had delivered this message before: `replies` are the stored ones.
    pub duplicate: bool,
}

/// An answered one-off question (the ask API, `madoguchi ask`): the engine's verdict and,
/// when it answers, the entry.
#[derive(Debug, Clone)]
pub struct Answered {
    pub outcome: Outcome,
    pub entry: Option<FaqEntry>,
    pub question_id: i64,
}

/// Why a message could not be handled. Nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum ConversationError {
    /// Other turns of the conversation kept committing first.
    #[error("会話が混み合っています。少し待ってから送り直してください。")]
    Busy,
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The conversation service.
pub struct Conversations {
    store: Store,
    engine: Arc<AnswerEngine>,
    prompts: Arc<Prompts>,
    tickets: Arc<Tickets>,
    wakeup: Wakeup,
    /// Below this score an entry is not offered in a list.
    suggest_floor: f32,
    /// Hosts an answer's images may come from besides this server (`[faq] image_hosts`).
    image_hosts: Vec<String>,
    /// Requests (申請) the flow offers and takes (see `request_dialogue`).
    requests: Option<Arc<crate::requests::Requests>>,
    /// Loans the flow takes in a dialogue (see `loan_dialogue`).
    loans: Option<crate::loans::Loans>,
    /// Outages the flow tells staff of (see `outage_notice`).
    outages: Option<crate::outages::Outages>,
}

impl Conversations {
    pub fn new(
        store: Store,
        engine: Arc<AnswerEngine>,
        prompts: Arc<Prompts>,
        tickets: Arc<Tickets>,
        wakeup: Wakeup,
        suggest_floor: f32,
        image_hosts: Vec<String>,
    ) -> Self {
        Self {
            store,
            engine,
            prompts,
            tickets,
            wakeup,
            suggest_floor,
            image_hosts,
            requests: None,
            loans: None,
            outages: None,
        }
    }

    /// Lets the flow tell staff of ongoing outages and link them to the outage.
    pub fn with_outages(mut self, outages: crate::outages::Outages) -> Self {
        self.outages = Some(outages);
        self
    }

    /// Lets the flow take loan requests (「パソコンを12月10日から3台借りたい」).
    pub fn with_loans(mut self, loans: crate::loans::Loans) -> Self {
        self.loans = Some(loans);
        self
    }

    /// Lets the flow offer requests after FAQ answers and take them in a dialogue.
    pub fn with_requests(mut self, requests: Arc<crate::requests::Requests>) -> Self {
        self.requests = Some(requests);
        self
    }

    /// Receives one message from a staff member and answers it (or stays silent while an
    /// operator has the conversation).
    pub async fn receive(&self, incoming: Incoming) -> Result<Handled, ConversationError> {
        let key = ConversationKey {
            channel: incoming.channel,
            room: incoming.room.clone(),
            user_ref: incoming.user_ref.clone(),
        };
        // The widget's room is its token; other channels get a fresh one.
        let token = match incoming.channel {
            Channel::Widget => incoming.room.clone(),
            _ => new_token(),
        };
        let mut conversation = self.store.open_conversation(&key, &token).await?;
        let staff = self.who_is_writing(&incoming.identity).await?;
        let text = clean_text(&incoming.text);
        let message = NewMessage {
            channel_message_id: incoming.message_id.clone(),
            author_name: incoming.user_name.clone(),
            direction: Direction::In,
            ..NewMessage::outgoing(Author::Staff, text.clone())
        };
        for attempt in 0..MAX_ATTEMPTS {
            if attempt > 0 {
                conversation = conversations::get(&mut self.store.conn(), conversation.id)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("conversation {} vanished", conversation.id))?;
            }
            if let Some(handled) = self.redelivered(&conversation, &incoming).await? {
                return Ok(handled);
            }
            let mut conversation = conversation.clone();
            identify(
                &mut conversation,
                staff.as_ref(),
                incoming.user_name.as_deref(),
            );
            let step = self.plan(&conversation, &text).await?;
            let mut tx = self.store.begin().await?;
            if !conversations::lock(&mut tx, conversation.id, conversation.version).await? {
                continue;
            }
            let Some(inbound_id) =
                messages::insert_inbound(&mut tx, &conversation, &message).await?
            else {
                // The same message, delivered twice at once: the other delivery answers.
                drop(tx);
                continue;
            };
            let turn = self.execute(&mut tx, &conversation, step).await?;
            let mut replies = Vec::with_capacity(turn.replies.len());
            for mut reply in turn.replies {
                reply.reply_to = Some(inbound_id);
                replies.push(messages::insert(&mut tx, &conversation, &reply).await?);
            }
            conversations::save(&mut tx, &turn.after).await?;
            tx.commit().await?;
            if turn.opened_ticket.is_some() {
                self.wakeup.ring();
            }
            let after = ConversationRow {
                version: turn.after.version + 1,
                ..turn.after
            };
            return Ok(Handled {
                conversation: after,
                inbound_id,
                replies,
                duplicate: false,
            });
        }
        Err(ConversationError::Busy)
    }

    /// The stored replies when the channel delivered this message before.
    async fn redelivered(
        &self,
        conversation: &ConversationRow,
        incoming: &Incoming,
    ) -> Result<Option<Handled>, ConversationError> {
        let Some(id) = &incoming.message_id else {
            return Ok(None);
        };
        let mut conn = self.store.conn();
        let Some(inbound_id) = messages::find_inbound(&mut conn, incoming.channel, id).await?
        else {
            return Ok(None);
        };
        let mut replies = messages::replies_to(&mut conn, inbound_id).await?;
        replies.retain(|m| m.conversation_id == conversation.id);
        Ok(Some(Handled {
            conversation: conversation.clone(),
            inbound_id,
            replies,
            duplicate: true,
        }))
    }

    /// The member of staff the channel names, from the directory.
    async fn who_is_writing(
        &self,
        identity: &Identity,
    ) -> Result<Option<StaffMember>, StorageError> {
        let key = match identity {
            Identity::Anonymous => return Ok(None),
            Identity::LogoChatId(id) => StaffKey::LogoChatId(id),
            Identity::Trusted(who) if who.contains('@') => StaffKey::Email(who),
            Identity::Trusted(who) => StaffKey::EmployeeNo(who),
        };
        self.store.staff_member(key).await
    }

    /// Answers a one-off question (no conversation) and logs it for the statistics.
    pub async fn ask(&self, text: &str, channel: &str) -> Result<Answered, ConversationError> {
        let outcome = self.engine.ask(text);
        // One row, an action of its own: one statement, committed by itself.
        let question_id = self
            .store
            .record_question(&question_log(text, channel, &outcome))
            .await?;
        let entry = outcome.answer().and_then(|c| self.engine.entry(&c.id));
        Ok(Answered {
            outcome,
            entry,
            question_id,
        })
    }

    /// Messages of a conversation after message `after`, for the widget's polling.
    pub async fn messages_after(
        &self,
        conversation_id: i64,
        after: i64,
    ) -> Result<Vec<StoredMessage>, StorageError> {
        self.store.messages_after(conversation_id, after).await
    }

    /// The widget conversation with this token, if any.
    pub async fn widget_conversation(
        &self,
        token: &str,
    ) -> Result<Option<ConversationRow>, StorageError> {
        if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        Ok(self
            .store
            .conversation_by_token(token)
            .await?
            .filter(|c| c.channel == Channel::Widget))
    }
}

/// Who the conversation is with, as the directory and the channel say now.
fn identify(
    conversation: &mut ConversationRow,
    staff: Option<&StaffMember>,
    user_name: Option<&str>,
) {
    if let Some(staff) = staff {
        conversation.staff_no = Some(staff.employee_no.clone());
        conversation.user_name = Some(staff.name.clone());
    } else if let Some(name) = user_name {
        conversation.user_name = Some(name.to_owned());
    }
}

/// The question log's record of `text`.
fn question_log(text: &str, channel: &str, outcome: &Outcome) -> NewQuestion {
    let top = outcome.candidates.first();
    NewQuestion {
        channel: channel.to_owned(),
        text: stored_text(text),
        decision: outcome.decision.as_str().to_owned(),
        top_faq_id: top.map(|c| c.id.clone()),
        top_score: top.map(|c| f64::from(c.score)),
        reason: Some(outcome.reason.as_str().to_owned()),
    }
}

/// What a turn leaves behind: the conversation after it, the replies, and the ticket it
/// opened, if any.
struct TurnResult {
    after: ConversationRow,
    replies: Vec<NewMessage>,
    opened_ticket: Option<i64>,
}

impl TurnResult {
    fn new(before: &ConversationRow, state: ConversationState, reply: NewMessage) -> Self {
        Self {
            after: ConversationRow {
                state,
                ..before.clone()
            },
            replies: vec![reply],
            opened_ticket: None,
        }
    }
}

/// A new conversation token: 128 random bits, hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    hex::encode(bytes)
}

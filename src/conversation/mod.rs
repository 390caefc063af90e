//! Conversations: one engine for every channel. A channel (LoGoチャット, the portal widget,
//! the terminal) turns its format into an [`Incoming`] message and shows the replies; the
//! flow (answer, 解決しましたか, other candidates, a person) lives here once.
//!
//! Every inbound message is stored before it is answered, and every reply with it; a
//! message the channel delivers twice (same channel message id) gets the stored replies
//! back instead of a second answer. Turns of one conversation run one at a time.

mod flow;
mod handoff;
mod state;
mod words;

pub use self::handoff::{ticket_number, OperatorAction, OperatorError, OperatorRef};
pub use self::state::State;
pub use self::words::{classify, Word};
use crate::channels::logochat;
use crate::helpdesk::Helpdesk;
use crate::storage::{ConversationKey, ConversationRow, Inbound, NewMessage, StoredMessage};

/// Where a message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    LogoChat,
    Widget,
    Terminal,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::LogoChat => "logochat",
            Channel::Widget => "widget",
            Channel::Terminal => "terminal",
        }
    }

    /// Whether replies sent later (an operator's) must be pushed to the channel through
    /// the outbox. The widget and the terminal fetch them instead.
    fn pushes(self) -> bool {
        self == Channel::LogoChat
    }

    pub fn parse(name: &str) -> Option<Self> {
        [Channel::LogoChat, Channel::Widget, Channel::Terminal]
            .into_iter()
            .find(|c| c.as_str() == name)
    }
}

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

/// Turns of one conversation run one at a time; 256 stripes bound the memory.
pub(crate) struct TurnLocks(Vec<tokio::sync::Mutex<()>>);

impl Default for TurnLocks {
    fn default() -> Self {
        Self((0..256).map(|_| tokio::sync::Mutex::new(())).collect())
    }
}

impl TurnLocks {
    async fn lock(&self, conversation_id: i64) -> tokio::sync::MutexGuard<'_, ()> {
        self.0[conversation_id.rem_euclid(self.0.len() as i64) as usize]
            .lock()
            .await
    }
}

impl Helpdesk {
    /// Receives one message from a staff member and answers it (or stays silent while an
    /// operator has the conversation).
    pub async fn receive(&self, incoming: Incoming) -> anyhow::Result<Handled> {
        let conversation = self.conversation_for(&incoming).await?;
        let _turn = self.turns.lock(conversation.id).await;
        // Read again under the lock: an earlier turn may have changed the state.
        let conversation = self
            .store
            .conversation(conversation.id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("conversation {} vanished", conversation.id))?;
        let text = crate::helpdesk::clean_text(&incoming.text);
        let message = NewMessage {
            channel_message_id: incoming.message_id.clone(),
            direction: "in",
            author: "staff".into(),
            author_name: incoming.user_name.clone(),
            text: text.clone(),
            ..NewMessage::default()
        };
        let (inbound_id, duplicate) =
            match self.store.record_inbound(&conversation, &message).await? {
                Inbound::New(id) => (id, false),
                Inbound::Duplicate(id) => {
                    let mut replies = self.store.replies_to(id).await?;
                    replies.retain(|m| m.conversation_id == conversation.id);
                    // Answered before, or an operator has the conversation: say it again.
                    // Stored but never answered (the server stopped in between): answer now.
                    if !replies.is_empty() || conversation.handler != "bot" {
                        return Ok(Handled {
                            conversation,
                            inbound_id: id,
                            replies,
                            duplicate: true,
                        });
                    }
                    (id, true)
                }
            };
        let turn = self.turn(&conversation, inbound_id, &text).await?;
        let replies = self.store.commit_turn(&conversation, &turn).await?;
        let conversation = conversation.after(&turn);
        Ok(Handled {
            conversation,
            inbound_id,
            replies,
            duplicate,
        })
    }

    /// The conversation an incoming message belongs to, created if new, with who is
    /// writing looked up in the staff directory.
    async fn conversation_for(&self, incoming: &Incoming) -> anyhow::Result<ConversationRow> {
        let key = ConversationKey {
            channel: incoming.channel.as_str().into(),
            room: incoming.room.clone(),
            user_ref: incoming.user_ref.clone(),
        };
        // The widget's room is its token; other channels get a fresh one.
        let token = match incoming.channel {
            Channel::Widget => incoming.room.clone(),
            _ => new_token(),
        };
        let conversation = self
            .store
            .open_conversation(&key, &token, &State::Idle.to_json())
            .await?;
        let staff = match &incoming.identity {
            Identity::Anonymous => None,
            Identity::LogoChatId(id) => self.store.staff_by_logochat_id(id).await?,
            Identity::Trusted(who) if who.contains('@') => self.store.staff_by_email(who).await?,
            Identity::Trusted(who) => self.store.staff_by_employee_no(who).await?,
        };
        let staff_no = staff.as_ref().map(|s| s.employee_no.as_str());
        let name = staff
            .as_ref()
            .map(|s| s.name.as_str())
            .or(incoming.user_name.as_deref());
        if staff_no.is_some_and(|no| conversation.staff_no.as_deref() != Some(no))
            || name.is_some_and(|n| conversation.user_name.as_deref() != Some(n))
        {
            self.store
                .identify_conversation(conversation.id, name, staff_no)
                .await?;
        }
        Ok(conversation)
    }

    /// Messages of a conversation after message `after`, for the widget's polling.
    pub async fn messages_after(
        &self,
        conversation_id: i64,
        after: i64,
    ) -> anyhow::Result<Vec<StoredMessage>> {
        Ok(self.store.messages_after(conversation_id, after).await?)
    }

    /// A bot or operator message for a conversation, outside a turn (queued for the
    /// channel when it pushes).
    pub(crate) fn outgoing(
        &self,
        conversation: &ConversationRow,
        author: &str,
        author_name: Option<String>,
        text: String,
    ) -> NewMessage {
        let push = Channel::parse(&conversation.channel)
            .filter(|c| c.pushes())
            .map(|_| {
                logochat::outgoing::payload(&conversation.room, &conversation.user_ref, &text)
            });
        NewMessage {
            direction: "out",
            author: author.into(),
            author_name,
            text,
            push,
            ..NewMessage::default()
        }
    }

    /// Wakes the outbox worker after something was queued.
    pub(crate) fn outbox_changed(&self) {
        self.outbox_wakeup.notify_one();
    }
}

/// A new conversation token: 128 random bits, hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    hex::encode(bytes)
}

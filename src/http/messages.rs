//! A conversation message as the JSON APIs show it (widget, operator API).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::Author;
use crate::storage::{Choice, StoredMessage};

#[derive(Debug, Serialize)]
pub struct MessageBody {
    pub id: i64,
    pub author: Author,
    pub author_name: Option<String>,
    pub text: String,
    /// Sanitised HTML, when the message has formatting (an FAQ answer).
    pub html: Option<String>,
    pub choices: Vec<Choice>,
    pub created_at: DateTime<Utc>,
}

impl From<&StoredMessage> for MessageBody {
    fn from(m: &StoredMessage) -> Self {
        Self {
            id: m.id,
            author: m.author,
            author_name: m.author_name.clone(),
            text: m.text.clone(),
            html: m.html.clone(),
            choices: m.choices(),
            created_at: m.created_at,
        }
    }
}

pub fn bodies(messages: &[StoredMessage]) -> Vec<MessageBody> {
    messages.iter().map(MessageBody::from).collect()
}

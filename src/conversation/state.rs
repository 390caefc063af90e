//! Where a conversation stands in the in-chat flow, stored as JSON with it.

use serde::{Deserialize, Serialize};

/// An entry offered to the staff member: enough to list it and answer with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum State {
    /// Waiting for a question.
    #[default]
    Idle,
    /// An answer was given: 解決しましたか？
    AwaitingFeedback {
        faq_id: String,
        question: String,
        question_id: Option<i64>,
        /// The other candidates, offered after 「いいえ」.
        others: Vec<Offer>,
    },
    /// A numbered list was offered; the number after the last entry asks for a person.
    AwaitingChoice {
        question: String,
        question_id: Option<i64>,
        offers: Vec<Offer>,
    },
    /// Nothing matched: a person (はい) or rephrase (いいえ)?
    ConfirmEscalation { question: String },
    /// Escalating for an anonymous staff member: waiting for 職員番号 or 内線.
    AwaitingIdentity { question: String },
}

impl State {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a state always serialises")
    }

    /// The stored state; an unreadable one (from an older version) starts afresh.
    pub fn from_json(json: &str) -> Self {
        serde_json::from_str(json).unwrap_or_default()
    }

    /// The question the staff member is being helped with, if any.
    pub fn question(&self) -> Option<&str> {
        match self {
            State::Idle => None,
            State::AwaitingFeedback { question, .. }
            | State::AwaitingChoice { question, .. }
            | State::ConfirmEscalation { question }
            | State::AwaitingIdentity { question } => Some(question),
        }
    }
}

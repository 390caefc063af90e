//! Where a conversation stands in the in-chat flow, and who answers in it.

use serde::{Deserialize, Serialize};

/// An entry offered to the staff member: enough to list it and answer with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    pub id: String,
    pub title: String,
}

/// The in-chat flow's state, stored as JSON with the conversation. A stored state that
/// does not parse is an error (logged, shown to the caller), never silently reset.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConversationState {
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
    /// An answer whose entry belongs to a request type asked 「この申請をしますか？」.
    OfferingRequest {
        type_id: String,
        faq_id: String,
        question: String,
    },
    /// A request being filled in, one field at a time.
    FillingRequest {
        draft: super::request_draft::RequestDraft,
    },
    /// A loan being asked for, what is known of it so far.
    AskingLoan { draft: super::loan::LoanDraft },
}

/// A stored state that cannot be read (written by a version that knew other states).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the conversation's stored state cannot be read: {0}")]
pub struct UnreadableState(pub String);

impl ConversationState {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a state always serialises")
    }

    pub fn from_json(json: &str) -> Result<Self, UnreadableState> {
        // Where and what kind, never serde's message: it can quote a value, and the
        // state holds the staff member's question and answers.
        // (Line 0: a tagged state's fields are read after the whole object, so the
        // place is lost; the kind of error stays.)
        serde_json::from_str(json).map_err(|e| {
            UnreadableState(match e.line() {
                0 => format!("{:?} error", e.classify()),
                line => format!(
                    "{:?} error at line {line}, column {}",
                    e.classify(),
                    e.column()
                ),
            })
        })
    }

    /// The question the staff member is being helped with, if any.
    pub fn question(&self) -> Option<&str> {
        match self {
            Self::Idle => None,
            Self::AwaitingFeedback { question, .. }
            | Self::AwaitingChoice { question, .. }
            | Self::ConfirmEscalation { question }
            | Self::AwaitingIdentity { question }
            | Self::OfferingRequest { question, .. } => Some(question),
            Self::FillingRequest { .. } | Self::AskingLoan { .. } => None,
        }
    }
}

/// Who answers in a conversation: the bot, or an operator who took it over.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Handler {
    #[default]
    Bot,
    /// The operator's console login.
    Operator(String),
}

impl Handler {
    /// The stored name of the kind (`bot`, `operator`).
    pub fn kind(&self) -> &'static str {
        match self {
            Handler::Bot => "bot",
            Handler::Operator(_) => "operator",
        }
    }

    /// From the stored columns (`handler`, `operator`).
    pub fn from_columns(kind: &str, operator: Option<String>) -> Result<Self, super::UnknownValue> {
        match (kind, operator) {
            ("bot", _) => Ok(Handler::Bot),
            ("operator", Some(login)) => Ok(Handler::Operator(login)),
            ("operator", None) => Err(super::UnknownValue::new(
                "conversation handler",
                "operator without a login",
            )),
            (other, _) => Err(super::UnknownValue::new("conversation handler", other)),
        }
    }

    pub fn operator(&self) -> Option<&str> {
        match self {
            Handler::Bot => None,
            Handler::Operator(login) => Some(login),
        }
    }

    pub fn is_bot(&self) -> bool {
        *self == Handler::Bot
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_round_trips_and_an_unknown_one_is_an_error() {
        let state = ConversationState::ConfirmEscalation {
            question: "印刷できない".into(),
        };
        assert_eq!(ConversationState::from_json(&state.to_json()), Ok(state));
        assert!(ConversationState::from_json(r#"{"kind":"dancing"}"#).is_err());
        // The error says where, never what: a state holds the staff member's words.
        for json in [
            r#"{"kind":"秘密の質問"}"#,
            r#"{"kind":"confirm_escalation","question":["秘密の質問"]}"#,
            r#"{"kind":"confirm_escalation","question":"秘密の質問""#,
        ] {
            let UnreadableState(why) = ConversationState::from_json(json).unwrap_err();
            assert!(why.contains("error") && !why.contains("秘密"), "{why}");
        }
    }

    #[test]
    fn handlers_read_back_from_their_columns() {
        assert_eq!(Handler::from_columns("bot", None), Ok(Handler::Bot));
        assert_eq!(
            Handler::from_columns("operator", Some("sato".into())),
            Ok(Handler::Operator("sato".into()))
        );
        assert!(Handler::from_columns("robot", None).is_err());
        assert!(Handler::from_columns("operator", None).is_err());
    }
}

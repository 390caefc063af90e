//! The bot's own sentences: templates in `prompts/`, one file each, editable without a
//! rebuild. See `prompts/README.md` for the list and their placeholders.

pub mod replies;

use std::collections::HashMap;
use std::path::Path;

/// Every sentence the bot says on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prompt {
    Greeting,
    Thanks,
    Answer,
    Suggest,
    OtherCandidates,
    PersonChoice,
    NotUnderstood,
    Rephrase,
    Resolved,
    AskIdentity,
    IdentityRetry,
    Cancelled,
    Escalated,
    WhenOpen,
    AfterHours,
    Closed,
    AlreadyEscalated,
    HandOff,
    HandedBack,
    TicketResolved,
    ChoiceOutOfRange,
    NotifyRoom,
    NotifyMailSubject,
    NotifyMailBody,
    NotifyDepartmentUnknown,
    Unclear,
    FeedbackRetry,
    ConfirmRetry,
    TicketAppended,
    TicketWaiting,
    TicketInHand,
    TicketStaysOpen,
    NoOpenTicket,
}

/// (prompt, file stem, placeholders it may use, bundled text)
type Spec = (Prompt, &'static str, &'static [&'static str], &'static str);

const SPECS: &[Spec] = &[
    (
        Prompt::Greeting,
        "greeting",
        &[],
        include_str!("../prompts/greeting.txt"),
    ),
    (
        Prompt::Thanks,
        "thanks",
        &[],
        include_str!("../prompts/thanks.txt"),
    ),
    (
        Prompt::Answer,
        "answer",
        &["title", "answer"],
        include_str!("../prompts/answer.txt"),
    ),
    (
        Prompt::Suggest,
        "suggest",
        &["choices"],
        include_str!("../prompts/suggest.txt"),
    ),
    (
        Prompt::OtherCandidates,
        "other_candidates",
        &["choices"],
        include_str!("../prompts/other_candidates.txt"),
    ),
    (
        Prompt::PersonChoice,
        "person_choice",
        &[],
        include_str!("../prompts/person_choice.txt"),
    ),
    (
        Prompt::NotUnderstood,
        "not_understood",
        &[],
        include_str!("../prompts/not_understood.txt"),
    ),
    (
        Prompt::Rephrase,
        "rephrase",
        &[],
        include_str!("../prompts/rephrase.txt"),
    ),
    (
        Prompt::Resolved,
        "resolved",
        &[],
        include_str!("../prompts/resolved.txt"),
    ),
    (
        Prompt::AskIdentity,
        "ask_identity",
        &[],
        include_str!("../prompts/ask_identity.txt"),
    ),
    (
        Prompt::IdentityRetry,
        "identity_retry",
        &[],
        include_str!("../prompts/identity_retry.txt"),
    ),
    (
        Prompt::Cancelled,
        "cancelled",
        &[],
        include_str!("../prompts/cancelled.txt"),
    ),
    (
        Prompt::Escalated,
        "escalated",
        &["ticket", "when"],
        include_str!("../prompts/escalated.txt"),
    ),
    (
        Prompt::WhenOpen,
        "when_open",
        &[],
        include_str!("../prompts/when_open.txt"),
    ),
    (
        Prompt::AfterHours,
        "after_hours",
        &["open", "close", "reopens"],
        include_str!("../prompts/after_hours.txt"),
    ),
    (
        Prompt::Closed,
        "closed",
        &["span", "reason", "reopens"],
        include_str!("../prompts/closed.txt"),
    ),
    (
        Prompt::AlreadyEscalated,
        "already_escalated",
        &["ticket"],
        include_str!("../prompts/already_escalated.txt"),
    ),
    (
        Prompt::HandOff,
        "hand_off",
        &["operator"],
        include_str!("../prompts/hand_off.txt"),
    ),
    (
        Prompt::HandedBack,
        "handed_back",
        &[],
        include_str!("../prompts/handed_back.txt"),
    ),
    (
        Prompt::TicketResolved,
        "ticket_resolved",
        &["ticket"],
        include_str!("../prompts/ticket_resolved.txt"),
    ),
    (
        Prompt::ChoiceOutOfRange,
        "choice_out_of_range",
        &["max"],
        include_str!("../prompts/choice_out_of_range.txt"),
    ),
    (
        Prompt::NotifyRoom,
        "notify_room",
        NOTICE_SLOTS,
        include_str!("../prompts/notify_room.txt"),
    ),
    (
        Prompt::NotifyMailSubject,
        "notify_mail_subject",
        NOTICE_SLOTS,
        include_str!("../prompts/notify_mail_subject.txt"),
    ),
    (
        Prompt::NotifyMailBody,
        "notify_mail_body",
        NOTICE_SLOTS,
        include_str!("../prompts/notify_mail_body.txt"),
    ),
    (
        Prompt::NotifyDepartmentUnknown,
        "notify_department_unknown",
        &[],
        include_str!("../prompts/notify_department_unknown.txt"),
    ),
    (
        Prompt::Unclear,
        "unclear",
        &[],
        include_str!("../prompts/unclear.txt"),
    ),
    (
        Prompt::FeedbackRetry,
        "feedback_retry",
        &[],
        include_str!("../prompts/feedback_retry.txt"),
    ),
    (
        Prompt::ConfirmRetry,
        "confirm_retry",
        &[],
        include_str!("../prompts/confirm_retry.txt"),
    ),
    (
        Prompt::TicketAppended,
        "ticket_appended",
        &["ticket"],
        include_str!("../prompts/ticket_appended.txt"),
    ),
    (
        Prompt::TicketWaiting,
        "ticket_waiting",
        &["ticket", "due"],
        include_str!("../prompts/ticket_waiting.txt"),
    ),
    (
        Prompt::TicketInHand,
        "ticket_in_hand",
        &["ticket", "status", "due"],
        include_str!("../prompts/ticket_in_hand.txt"),
    ),
    (
        Prompt::TicketStaysOpen,
        "ticket_stays_open",
        &["ticket"],
        include_str!("../prompts/ticket_stays_open.txt"),
    ),
    (
        Prompt::NoOpenTicket,
        "no_open_ticket",
        &[],
        include_str!("../prompts/no_open_ticket.txt"),
    ),
];

/// What a notice of a new escalation may say (see `crate::notify`).
const NOTICE_SLOTS: &[&str] = &["ticket", "subject", "channel", "department", "due", "link"];

/// Why a prompt file cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct PromptError {
    pub file: String,
    pub reason: String,
}

/// A parsed template: literal text and placeholders, in order.
#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Slot(String),
}

/// The loaded templates.
#[derive(Debug, Clone)]
pub struct Prompts {
    templates: HashMap<Prompt, Vec<Piece>>,
}

impl Prompts {
    /// The templates compiled into the binary.
    pub fn bundled() -> Self {
        let templates = SPECS
            .iter()
            .map(|(prompt, name, slots, text)| {
                let pieces = parse(text.trim_end_matches(['\n', '\r']), slots)
                    .unwrap_or_else(|e| panic!("bundled {name}: {e}"));
                (*prompt, pieces)
            })
            .collect();
        Self { templates }
    }

    /// Reads `NAME.txt` files from `dir`; a missing file falls back to the bundled text.
    pub fn load(dir: &Path) -> Result<Self, PromptError> {
        let mut templates = HashMap::new();
        for (prompt, name, slots, bundled) in SPECS {
            let path = dir.join(format!("{name}.txt"));
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => (*bundled).to_string(),
                Err(e) => {
                    return Err(PromptError {
                        file: path.display().to_string(),
                        reason: e.to_string(),
                    })
                }
            };
            let pieces = parse(text.trim_end_matches(['\n', '\r']), slots).map_err(|reason| {
                PromptError {
                    file: path.display().to_string(),
                    reason,
                }
            })?;
            templates.insert(*prompt, pieces);
        }
        Ok(Self { templates })
    }

    /// The sentence with its placeholders filled from `values` (a placeholder without a
    /// value is left empty).
    pub fn render(&self, prompt: Prompt, values: &[(&str, &str)]) -> String {
        let mut out = String::new();
        for piece in &self.templates[&prompt] {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Slot(name) => {
                    if let Some((_, v)) = values.iter().find(|(k, _)| k == name) {
                        out.push_str(v);
                    }
                }
            }
        }
        out
    }

    /// A sentence without placeholders.
    pub fn text(&self, prompt: Prompt) -> String {
        self.render(prompt, &[])
    }
}

fn parse(text: &str, slots: &[&str]) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                literal.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                literal.push('}');
            }
            '{' => {
                let name: String = chars.by_ref().take_while(|&c| c != '}').collect();
                if !slots.contains(&name.as_str()) {
                    return Err(if slots.is_empty() {
                        format!("{{{name}}} is not a placeholder of this sentence (it has none)")
                    } else {
                        format!(
                            "{{{name}}} is not a placeholder of this sentence (use {})",
                            slots
                                .iter()
                                .map(|s| format!("{{{s}}}"))
                                .collect::<Vec<_>>()
                                .join(" ")
                        )
                    });
                }
                if !literal.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut literal)));
                }
                pieces.push(Piece::Slot(name));
            }
            '}' => return Err("a lone } (write }} for a literal brace)".into()),
            c => literal.push(c),
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Text(literal));
    }
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_prompt_parses_and_renders() {
        let prompts = Prompts::bundled();
        for (prompt, ..) in SPECS {
            assert!(!prompts.text(*prompt).is_empty());
        }
        let s = prompts.render(Prompt::Escalated, &[("ticket", "#12"), ("when", "明日")]);
        assert!(s.contains("#12") && s.contains("明日"), "{s}");
    }

    #[test]
    fn an_edited_file_is_used_and_a_missing_one_falls_back() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("greeting.txt"), "やあ {{ }}\n").unwrap();
        let prompts = Prompts::load(dir.path()).unwrap();
        assert_eq!(prompts.text(Prompt::Greeting), "やあ { }");
        assert_eq!(
            prompts.text(Prompt::Thanks),
            Prompts::bundled().text(Prompt::Thanks)
        );
    }

    #[test]
    fn an_unknown_placeholder_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("escalated.txt"), "番号 {number}").unwrap();
        let err = Prompts::load(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("escalated.txt") && err.contains("{number}") && err.contains("{ticket}"),
            "{err}"
        );
        std::fs::write(dir.path().join("escalated.txt"), "番号 }").unwrap();
        assert!(Prompts::load(dir.path()).is_err());
    }
}

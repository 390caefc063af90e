//! What the helpdesk says about loans: `prompts/loans.toml` (read from the prompts
//! folder, with the bundled copy as fallback), with `{name}` placeholders.

use std::path::Path;

use crate::requests::sentences::{load_prompt_file, KeyedSentences};

const BUNDLED: &str = include_str!("../../prompts/loans.toml");
const FILE: &str = "loans.toml";

/// Keys every file must have.
const KEYS: &[&str] = &[
    "pending",
    "return_moved",
    "approved",
    "rejected",
    "cancelled",
    "checked_out",
    "returned",
    "extended",
    "remind_day_before",
    "remind_due",
    "remind_overdue",
    "operators_daily",
    "operators_nothing",
    "chat_ask_item",
    "chat_ask_from",
    "chat_ask_to",
    "chat_ask_quantity",
    "chat_ask_purpose",
    "chat_confirm",
    "chat_unavailable",
    "chat_alternative",
    "chat_no_alternative",
    "chat_cancelled",
    "chat_unknown_requester",
    "chat_invalid",
];

/// Keys added since cities first wrote their own files: a file without them gets the
/// bundled sentences.
const ADDED: &[&str] = &["chat_form", "chat_ask_time"];

#[derive(Debug, Clone)]
pub struct LoanSentences(KeyedSentences);

impl LoanSentences {
    pub fn bundled() -> Self {
        Self::parse(BUNDLED).expect("the bundled prompts/loans.toml is valid")
    }

    /// `loans.toml` from `dir`, or the bundled one when the folder has none.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        load_prompt_file(dir, FILE, BUNDLED, Self::parse)
    }

    fn parse(text: &str) -> Result<Self, String> {
        KeyedSentences::parse(text, KEYS, ADDED, BUNDLED).map(Self)
    }

    /// Sentence `key` with its placeholders filled.
    pub fn say(&self, key: &str, values: &[(&str, &str)]) -> String {
        self.0.say(key, values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_sentences_have_every_key() {
        let s = LoanSentences::bundled();
        assert!(s.say("cancelled", &[("number", "L-1")]).contains("L-1"));
        assert!(LoanSentences::parse("[sentences]\npending = \"x\"\n").is_err());
        // A city's file written before `chat_form` was added gets the bundled one.
        let older = BUNDLED.replace("chat_form =", "# chat_form =");
        assert_eq!(
            LoanSentences::parse(&older).unwrap().say("chat_form", &[]),
            s.say("chat_form", &[])
        );
    }
}

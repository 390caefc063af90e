//! What the helpdesk says about outages: `prompts/outages.toml` (read from the prompts
//! folder, with the bundled copy as fallback), with `{name}` placeholders.

use std::path::Path;

use crate::requests::sentences::{load_prompt_file, KeyedSentences};

const BUNDLED: &str = include_str!("../../prompts/outages.toml");
const FILE: &str = "outages.toml";

/// Keys every file must have.
const KEYS: &[&str] = &["notice", "attached", "reply", "recovered"];

#[derive(Debug, Clone)]
pub struct OutageSentences(KeyedSentences);

impl OutageSentences {
    pub fn bundled() -> Self {
        Self::parse(BUNDLED).expect("the bundled prompts/outages.toml is valid")
    }

    /// `outages.toml` from `dir`, or the bundled one when the folder has none.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        load_prompt_file(dir, FILE, BUNDLED, Self::parse)
    }

    fn parse(text: &str) -> Result<Self, String> {
        KeyedSentences::parse(text, KEYS, &[], BUNDLED).map(Self)
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
        let s = OutageSentences::bundled();
        assert!(s
            .say("recovered", &[("systems", "メール")])
            .starts_with("メールの障害は復旧しました"));
        assert!(OutageSentences::parse("[sentences]\nnotice = \"x\"\n").is_err());
    }
}

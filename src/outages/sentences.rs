//! What the helpdesk says about outages: `prompts/outages.toml` (read from the prompts
//! folder, with the bundled copy as fallback), with `{name}` placeholders.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::requests::sentences::{fill, load_prompt_file};

const BUNDLED: &str = include_str!("../../prompts/outages.toml");
const FILE: &str = "outages.toml";

/// Keys every file must have.
const KEYS: &[&str] = &["notice", "attached", "reply", "recovered"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutageSentences {
    sentences: BTreeMap<String, String>,
}

impl OutageSentences {
    pub fn bundled() -> Self {
        Self::parse(BUNDLED).expect("the bundled prompts/outages.toml is valid")
    }

    /// `outages.toml` from `dir`, or the bundled one when the folder has none.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        load_prompt_file(dir, FILE, BUNDLED, Self::parse)
    }

    fn parse(text: &str) -> Result<Self, String> {
        let parsed: OutageSentences = toml::from_str(text).map_err(|e| e.to_string())?;
        match KEYS.iter().find(|k| !parsed.sentences.contains_key(**k)) {
            Some(missing) => Err(format!("[sentences] has no {missing}")),
            None => Ok(parsed),
        }
    }

    /// Sentence `key` with its placeholders filled.
    pub fn say(&self, key: &str, values: &[(&str, &str)]) -> String {
        let template = self.sentences.get(key).map_or(key, String::as_str);
        fill(template, values)
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

//! What the helpdesk says about requests: `prompts/requests.toml` (read from the prompts
//! folder, with the bundled copy as fallback), notices per state and the dialogue's
//! sentences, with `{name}` placeholders.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::domain::{RequestStatus, TextEnum};

const BUNDLED: &str = include_str!("../../prompts/requests.toml");
const FILE: &str = "requests.toml";

/// Keys of `[dialogue]` every file must have.
const DIALOGUE: &[&str] = &[
    "answer",
    "requester",
    "start",
    "ask",
    "ask_optional",
    "invalid",
    "unknown_staff",
    "unknown_department",
    "confirm",
    "confirm_again",
    "offer_again",
    "cancelled",
    "declined",
    "unknown_requester",
    "not_yours",
    "resubmit_start",
    "ask_current",
    "confirm_resubmit",
    "no_returned",
];

/// Keys of `[dialogue]` added since cities first wrote their own files: a file without
/// them gets the bundled sentences.
const DIALOGUE_ADDED: &[&str] = &["start_form", "resubmit_form"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sentences {
    notices: BTreeMap<String, String>,
    dialogue: BTreeMap<String, String>,
}

impl Sentences {
    pub fn bundled() -> Self {
        Self::parse(BUNDLED).expect("the bundled prompts/requests.toml is valid")
    }

    /// `requests.toml` from `dir`, or the bundled one when the folder has none.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        load_prompt_file(dir, FILE, BUNDLED, Self::parse)
    }

    fn parse(text: &str) -> Result<Self, String> {
        let mut parsed: Sentences = toml::from_str(text).map_err(|e| e.to_string())?;
        added_from_bundled(&mut parsed.dialogue, BUNDLED, "dialogue", DIALOGUE_ADDED);
        for status in RequestStatus::ALL {
            if !parsed.notices.contains_key(status.as_str()) {
                return Err(format!("[notices] has no {}", status.as_str()));
            }
        }
        for key in DIALOGUE {
            if !parsed.dialogue.contains_key(*key) {
                return Err(format!("[dialogue] has no {key}"));
            }
        }
        Ok(parsed)
    }

    /// The shared notice for entering `status`.
    pub fn notice(&self, status: RequestStatus) -> &str {
        &self.notices[status.as_str()]
    }

    /// A dialogue sentence with its placeholders filled.
    pub fn say(&self, key: &str, values: &[(&str, &str)]) -> String {
        let template = self.dialogue.get(key).map_or(key, String::as_str);
        fill(template, values)
    }
}

/// Prompt file `file` from `dir` read by `parse`, or `bundled` when the folder has none;
/// a file that does not parse is an error naming it.
pub fn load_prompt_file<T>(
    dir: &Path,
    file: &str,
    bundled: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> anyhow::Result<T> {
    let path = dir.join(file);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bundled.to_owned(),
        Err(e) => return Err(anyhow::anyhow!("{}: {e}", path.display())),
    };
    parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Fills in `added` keys `sentences` lacks with table `table` of the `bundled` file.
fn added_from_bundled(
    sentences: &mut BTreeMap<String, String>,
    bundled: &str,
    table: &str,
    added: &[&str],
) {
    let missing: Vec<&str> = added
        .iter()
        .copied()
        .filter(|k| !sentences.contains_key(*k))
        .collect();
    if missing.is_empty() {
        return;
    }
    let bundled: toml::Table = toml::from_str(bundled).expect("the bundled prompt file is valid");
    for key in missing {
        let sentence = bundled
            .get(table)
            .and_then(|t| t.get(key))
            .and_then(|v| v.as_str())
            .expect("the bundled prompt file has every added key");
        sentences.insert(key.to_owned(), sentence.to_owned());
    }
}

/// `{name}` replaced by its value; unknown placeholders are left empty.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                if let Some((_, v)) = values.iter().find(|(k, _)| *k == name) {
                    out.push_str(v);
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_sentences_cover_every_state_and_fill_placeholders() {
        let s = Sentences::bundled();
        let text = fill(
            s.notice(RequestStatus::Returned),
            &[("number", "R-1"), ("type", "X"), ("reason", "記入漏れ")],
        );
        assert!(text.contains("R-1") && text.contains("記入漏れ"), "{text}");
        assert_eq!(fill("{a}と{b}と{", &[("a", "1")]), "1とと{");
        assert!(Sentences::parse("[notices]\n[dialogue]\n").is_err());
    }

    #[test]
    fn a_citys_older_file_gets_the_sentences_added_since_from_the_bundled_one() {
        let mut older: toml::Table = toml::from_str(BUNDLED).unwrap();
        let dialogue = older["dialogue"].as_table_mut().unwrap();
        for key in DIALOGUE_ADDED {
            assert!(dialogue.remove(*key).is_some(), "{key} is bundled");
        }
        dialogue.insert("start".into(), "「{type}」を始めます。".into());
        let parsed = Sentences::parse(&toml::to_string(&older).unwrap()).unwrap();
        let bundled = Sentences::bundled();
        for key in DIALOGUE_ADDED {
            assert_eq!(parsed.say(key, &[]), bundled.say(key, &[]));
        }
        // The city's own sentences are kept.
        assert_eq!(parsed.say("start", &[("type", "X")]), "「X」を始めます。");
        // A required key is still required.
        older["dialogue"].as_table_mut().unwrap().remove("start");
        let error = Sentences::parse(&toml::to_string(&older).unwrap()).unwrap_err();
        assert_eq!(error, "[dialogue] has no start");
    }
}

/// A prompts file that is one `[sentences]` table of named templates, every one of
/// `keys` present (`prompts/loans.toml`, `prompts/outages.toml`).
#[derive(Debug, Clone)]
pub struct KeyedSentences {
    sentences: BTreeMap<String, String>,
}

impl KeyedSentences {
    /// The `[sentences]` of `text`, which must have every one of `keys`; the `added`
    /// keys it lacks are taken from the `bundled` file.
    pub fn parse(text: &str, keys: &[&str], added: &[&str], bundled: &str) -> Result<Self, String> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            sentences: BTreeMap<String, String>,
        }
        let mut parsed: File = toml::from_str(text).map_err(|e| e.to_string())?;
        added_from_bundled(&mut parsed.sentences, bundled, "sentences", added);
        match keys.iter().find(|k| !parsed.sentences.contains_key(**k)) {
            Some(missing) => Err(format!("[sentences] has no {missing}")),
            None => Ok(Self {
                sentences: parsed.sentences,
            }),
        }
    }

    /// Sentence `key` with its placeholders filled.
    pub fn say(&self, key: &str, values: &[(&str, &str)]) -> String {
        let template = self.sentences.get(key).map_or(key, String::as_str);
        fill(template, values)
    }
}

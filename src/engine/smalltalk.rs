//! Greetings and thanks: recognised so that they are never answered with a random FAQ.
//!
//! The phrases live in a plain file (`knowledge-base/smalltalk.txt`): one intent a line,
//! `greeting: おはよう, こんにちは, ...`. A message is small talk when nothing but such
//! phrases, politeness and punctuation remains once they are taken out.

use serde::Serialize;

use crate::analysis::{normalize, Analysis, Analyzer};

/// What kind of message the engine was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// A question (or anything else that should be searched for).
    Question,
    Greeting,
    Thanks,
    /// Nothing to search for: only symbols, emoji or whitespace.
    Empty,
}

/// The small-talk phrase list.
#[derive(Debug, Clone, Default)]
pub struct SmallTalk {
    phrases: Vec<(String, Intent)>,
}

/// Words that stay after the phrases are removed but carry no question: politeness and
/// chat fillers.
const FILLERS: &[&str] = &[
    "ございます",
    "ございました",
    "ござい",
    "です",
    "ます",
    "でした",
    "ました",
    "さん",
    "様",
    "ね",
    "よ",
    "な",
    "ー",
    "〜",
    "w",
    "笑",
    "!",
    "?",
    "。",
    "、",
    ".",
    ",",
    "♪",
    "★",
];

impl SmallTalk {
    /// Parses `intent: phrase, phrase` lines; unknown intents are an error naming the line.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut phrases = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (intent, list) = line
                .split_once([':', '：'])
                .ok_or_else(|| format!("smalltalk line {}: expected `intent: phrases`", n + 1))?;
            let intent = match intent.trim() {
                "greeting" => Intent::Greeting,
                "thanks" => Intent::Thanks,
                other => {
                    return Err(format!(
                        "smalltalk line {}: unknown intent {other:?}",
                        n + 1
                    ))
                }
            };
            for phrase in list.split([',', '、']) {
                let phrase = normalize(phrase.trim());
                if !phrase.is_empty() {
                    phrases.push((phrase, intent));
                }
            }
        }
        // Longest first, so お疲れ様でした is taken before お疲れ.
        phrases.sort_by_key(|(p, _)| std::cmp::Reverse(p.chars().count()));
        Ok(Self { phrases })
    }

    /// Classifies a message, given its analysis; `analyzer` decides whether anything
    /// searchable remains once small-talk phrases are taken out.
    pub fn classify(&self, text: &str, analysis: &Analysis, analyzer: &Analyzer) -> Intent {
        let mut rest = normalize(text);
        let mut found = None;
        for (phrase, intent) in &self.phrases {
            if rest.contains(phrase.as_str()) {
                rest = rest.replace(phrase.as_str(), " ");
                found.get_or_insert(*intent);
            }
        }
        let Some(intent) = found else {
            return if analysis.is_empty() {
                Intent::Empty
            } else {
                Intent::Question
            };
        };
        for filler in FILLERS {
            rest = rest.replace(filler, " ");
        }
        let leftover: String = rest.chars().filter(|c| c.is_alphanumeric()).collect();
        if leftover.is_empty() || analyzer.analyze(&rest).is_empty() {
            intent
        } else {
            Intent::Question
        }
    }
}

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
        let letters = bare(&rest);
        let mut found = None;
        for (phrase, intent) in &self.phrases {
            // Short phrases (ok, hi, どうも) count only as the whole message: inside a
            // longer one they are too often part of another word (outlook, はいれない).
            let short = phrase.chars().count() < 3;
            if (short && letters == *phrase) || (!short && rest.contains(phrase.as_str())) {
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
        let leftover = bare(&rest);
        if leftover.is_empty() || analyzer.analyze(&rest).is_empty() {
            intent
        } else {
            Intent::Question
        }
    }
}

/// The letters of a message without politeness and fillers.
fn bare(text: &str) -> String {
    let mut rest = text.to_string();
    for filler in FILLERS {
        rest = rest.replace(filler, " ");
    }
    rest.chars().filter(|c| c.is_alphanumeric()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Synonyms;

    fn classify(text: &str) -> Intent {
        let talk = SmallTalk::parse("greeting: おはよう, ok, hi\nthanks: ありがとう\n").unwrap();
        let analyzer = Analyzer::new(Synonyms::empty());
        talk.classify(text, &analyzer.analyze(text), &analyzer)
    }

    #[test]
    fn greetings_and_thanks_alone_are_small_talk() {
        assert_eq!(classify("おはようございます！"), Intent::Greeting);
        assert_eq!(classify("OK"), Intent::Greeting);
        assert_eq!(classify("ありがとう😊"), Intent::Thanks);
    }

    #[test]
    fn a_question_after_a_greeting_is_a_question() {
        assert_eq!(classify("おはよう、プリンタが動かない"), Intent::Question);
    }

    #[test]
    fn short_phrases_inside_words_are_not_small_talk() {
        assert_eq!(classify("outlookが開かない"), Intent::Question);
        assert_eq!(classify("okです"), Intent::Greeting);
    }

    #[test]
    fn unknown_intents_are_an_error() {
        assert!(SmallTalk::parse("farewell: さようなら")
            .unwrap_err()
            .contains("farewell"));
    }
}

//! Japanese text analysis: normalisation, synonyms, segmentation (lindera + IPADIC) and
//! the three kinds of index unit the answer engine matches on.
//!
//! - words: base forms of content words (忘れてしまいました -> 忘れる), after synonyms;
//! - grams: character bigrams of the content words, for typos and words the dictionary
//!   does not know (パスワート still shares パス, スワ, ワー with パスワード);
//! - readings: bigrams of the katakana readings, for hiragana input, wrong-kanji typos
//!   (印冊 reads インサツ like 印刷) and okurigana variants (申込 / 申し込み).

pub mod contrast;
pub mod dictionary;
pub mod normalize;
pub mod synonyms;
mod tokens;

use std::sync::Arc;

use lindera::mode::Mode;
use lindera::segmenter::Segmenter;

pub use normalize::{cut, normalize, MAX_QUESTION_CHARS};
pub use synonyms::Synonyms;
use tokens::ContentToken;

/// What one text becomes after analysis.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Analysis {
    /// The text after normalisation and synonyms, as it was segmented.
    pub normalized: String,
    /// Base forms of the content words, in order.
    pub words: Vec<String>,
    /// Character bigrams of the content words.
    pub grams: Vec<String>,
    /// Bigrams of the content words' katakana readings.
    pub readings: Vec<String>,
}

impl Analysis {
    /// True when nothing in the text could be matched against a FAQ entry.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.grams.is_empty()
    }
}

/// The analyser: one per process, shared; cheap to call from many threads.
#[derive(Clone)]
pub struct Analyzer {
    segmenter: Arc<Segmenter>,
    synonyms: Arc<Synonyms>,
}

impl Analyzer {
    /// Loads the embedded IPADIC dictionary (well under a millisecond).
    pub fn new(synonyms: Synonyms) -> Self {
        let dictionary = dictionary::load().expect("embedded IPADIC dictionary is valid");
        let segmenter = Segmenter::new(Mode::Normal, dictionary, None);
        Self {
            segmenter: Arc::new(segmenter),
            synonyms: Arc::new(synonyms),
        }
    }

    /// A copy of this analyser with another synonym dictionary (the dictionary itself is
    /// shared, not reloaded).
    pub fn with_synonyms(&self, synonyms: Synonyms) -> Self {
        Self {
            segmenter: self.segmenter.clone(),
            synonyms: Arc::new(synonyms),
        }
    }

    pub fn synonyms(&self) -> &Synonyms {
        &self.synonyms
    }

    /// The katakana reading of a word (忘れる -> ワスレル), if the dictionary knows every
    /// part of it. Used to meet hiragana spellings (わすれる) of kanji words.
    pub fn reading_of(&self, word: &str) -> Option<String> {
        tokens::reading(&self.segmenter, word)
    }

    /// Analyses one text (a question, a FAQ title or an answer body).
    pub fn analyze(&self, text: &str) -> Analysis {
        let normalized = self.synonyms.apply(&normalize(text));
        let tokens = tokens::content_tokens(&self.segmenter, &normalized);
        let readings = if mostly_kana(&normalized) {
            // Kana-only questions (ぷりんたーがうごかない) are often segmented into
            // fragments that are not content words; their whole reading is the better clue.
            whole_reading_bigrams(&normalized)
        } else {
            reading_bigrams(&tokens)
        };
        Analysis {
            words: tokens
                .iter()
                .map(|t| self.synonyms.word(&t.base).to_string())
                .collect(),
            grams: surface_bigrams(&tokens),
            readings,
            normalized,
        }
    }
}

/// Character bigrams over runs of Japanese content words; an ASCII word is one unit.
fn surface_bigrams(tokens: &[ContentToken]) -> Vec<String> {
    let mut grams = Vec::new();
    let mut run: Vec<char> = Vec::new();
    for token in tokens {
        if token.surface.is_ascii() {
            flush_bigrams(&mut run, &mut grams);
            grams.push(token.surface.clone());
        } else {
            run.extend(token.surface.chars());
        }
    }
    flush_bigrams(&mut run, &mut grams);
    grams
}

/// True when the text has no kanji and most of its letters are hiragana.
pub(crate) fn mostly_kana(text: &str) -> bool {
    let (mut hiragana, mut letters) = (0, 0);
    for c in text.chars() {
        if normalize::is_kanji(c) {
            return false;
        }
        if c.is_alphanumeric() {
            letters += 1;
            hiragana += usize::from(normalize::is_hiragana(c));
        }
    }
    letters > 0 && hiragana * 2 > letters
}

/// Reading bigrams of a whole kana text: katakana-folded, long vowels dropped, small
/// kana enlarged; ASCII words as whole units.
fn whole_reading_bigrams(text: &str) -> Vec<String> {
    let mut grams = Vec::new();
    let mut run: Vec<char> = Vec::new();
    for word in text.split(|c: char| !c.is_alphanumeric() && c != 'ー') {
        if word.is_ascii() {
            flush_bigrams(&mut run, &mut grams);
            if !word.is_empty() {
                grams.push(word.to_string());
            }
            continue;
        }
        for c in normalize::to_katakana(word).chars() {
            if normalize::is_katakana(c) {
                if c != 'ー' {
                    run.push(enlarge_kana(c));
                }
            } else {
                flush_bigrams(&mut run, &mut grams);
            }
        }
        flush_bigrams(&mut run, &mut grams);
    }
    flush_bigrams(&mut run, &mut grams);
    grams
}

/// Bigrams of the readings, with long-vowel marks dropped and small kana enlarged on both
/// sides, so that ぷりんたー, プリンタ and プリンター all read プリンタ.
fn reading_bigrams(tokens: &[ContentToken]) -> Vec<String> {
    let mut grams = Vec::new();
    let mut run: Vec<char> = Vec::new();
    for token in tokens {
        match &token.reading {
            Some(reading) => run.extend(reading.chars().filter(|&c| c != 'ー').map(enlarge_kana)),
            None => {
                flush_bigrams(&mut run, &mut grams);
                // ASCII words (pdf, teams) have no reading but are their own sound.
                if token.surface.is_ascii() {
                    grams.push(token.surface.clone());
                }
            }
        }
    }
    flush_bigrams(&mut run, &mut grams);
    grams
}

fn flush_bigrams(run: &mut Vec<char>, out: &mut Vec<String>) {
    match run.len() {
        0 => {}
        1 => out.push(run[0].to_string()),
        _ => out.extend(run.windows(2).map(|w| w.iter().collect::<String>())),
    }
    run.clear();
}

fn enlarge_kana(c: char) -> char {
    match c {
        'ァ' | 'ィ' | 'ゥ' | 'ェ' | 'ォ' | 'ッ' | 'ャ' | 'ュ' | 'ョ' | 'ヮ' => {
            char::from_u32(c as u32 + 1).unwrap_or(c)
        }
        _ => c,
    }
}

#[cfg(test)]
mod tests;

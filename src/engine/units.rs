//! Index units: the analysed terms of a text, tagged by kind, and their weights.
//!
//! A unit is `w:` + a word, `g:` + a character bigram or `r:` + a reading bigram (see
//! [`crate::analysis`]). The same units are what tantivy indexes (through
//! [`UnitTokenizer`]) and what the ranker compares.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::analysis::{Analysis, Analyzer};

/// How much one kind of unit counts, relative to a word.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UnitWeights {
    pub word: f32,
    pub gram: f32,
    pub reading: f32,
}

impl Default for UnitWeights {
    fn default() -> Self {
        Self {
            word: 1.0,
            gram: 0.45,
            reading: 0.35,
        }
    }
}

/// Which units a text contributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitSet {
    /// Words, grams and readings: for questions and their alternatives.
    All,
    /// Words only: for answer bodies, where bigrams would only add noise.
    Words,
}

/// The units of an analysis, deduplicated, in first-seen order.
pub fn units(analysis: &Analysis, set: UnitSet) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |u: String| {
        if !out.contains(&u) {
            out.push(u);
        }
    };
    for w in &analysis.words {
        push(format!("w:{w}"));
    }
    if set == UnitSet::All {
        for g in &analysis.grams {
            push(format!("g:{g}"));
        }
        for r in &analysis.readings {
            push(format!("r:{r}"));
        }
    }
    out
}

/// The weight of a unit's kind.
pub fn kind_weight(unit: &str, weights: &UnitWeights) -> f32 {
    match unit.as_bytes().first() {
        Some(b'w') => weights.word,
        Some(b'g') => weights.gram,
        _ => weights.reading,
    }
}

/// tantivy tokenizer that runs the Japanese [`Analyzer`] and emits units.
#[derive(Clone)]
pub struct UnitTokenizer {
    analyzer: Analyzer,
    set: UnitSet,
    buffer: Vec<Token>,
}

impl UnitTokenizer {
    pub fn new(analyzer: Analyzer, set: UnitSet) -> Self {
        Self {
            analyzer,
            set,
            buffer: Vec::new(),
        }
    }
}

impl Tokenizer for UnitTokenizer {
    type TokenStream<'a> = UnitStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> UnitStream<'a> {
        self.buffer.clear();
        let analysis = self.analyzer.analyze(text);
        for (position, unit) in units(&analysis, self.set).into_iter().enumerate() {
            self.buffer.push(Token {
                offset_from: 0,
                offset_to: text.len(),
                position,
                text: unit,
                position_length: 1,
            });
        }
        UnitStream {
            tokens: &mut self.buffer,
            at: None,
        }
    }
}

pub struct UnitStream<'a> {
    tokens: &'a mut [Token],
    at: Option<usize>,
}

impl TokenStream for UnitStream<'_> {
    fn advance(&mut self) -> bool {
        let next = self.at.map_or(0, |i| i + 1);
        self.at = Some(next);
        next < self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.at.unwrap_or(0)]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.at.unwrap_or(0)]
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{TokenStream, Tokenizer};

    use super::*;
    use crate::analysis::Synonyms;

    #[test]
    fn the_tantivy_tokenizer_emits_the_same_units_as_the_analysis() {
        let analyzer = Analyzer::new(Synonyms::empty());
        let text = "プリンターで印刷できません";
        let expected = units(&analyzer.analyze(text), UnitSet::All);
        let mut tokenizer = UnitTokenizer::new(analyzer, UnitSet::All);
        let mut stream = tokenizer.token_stream(text);
        let mut emitted = Vec::new();
        while stream.advance() {
            emitted.push(stream.token().text.clone());
        }
        assert_eq!(emitted, expected);
        assert!(emitted.contains(&"w:印刷".to_string()));
        assert!(emitted.iter().any(|u| u.starts_with("r:")));
    }
}

//! The console's "try a question" box: how the helpdesk would read and answer a question,
//! step by step, without recording it (nothing is logged, no statistics change).

use serde::Serialize;

use super::KnowledgeBase;
use crate::analysis::{cut, normalize};
use crate::engine::{Candidate, Decision, Intent, Reason, Thresholds};

/// Everything the engine did with one question.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The question as analysed: cut to the analysis limit.
    pub question: String,
    /// True when the question was longer than the limit and was cut.
    pub truncated: bool,
    /// After normalisation (NFKC: half-width katakana and full-width letters; lower
    /// case; long vowels), before synonyms.
    pub normalized: String,
    /// After synonyms too: the text that was segmented.
    pub with_synonyms: String,
    /// Base forms of the content words.
    pub words: Vec<String>,
    /// Character bigrams of the content words.
    pub grams: Vec<String>,
    /// Bigrams of the readings.
    pub readings: Vec<String>,
    /// The units the search used (`w:` word, `g:` bigram, `r:` reading bigram), after
    /// spelling correction against the entries' vocabulary; empty for small talk.
    pub units: Vec<String>,
    pub intent: Intent,
    /// Ranked, best first, with scores (0..1) and the question variant that matched.
    pub candidates: Vec<Candidate>,
    pub decision: Decision,
    pub reason: Reason,
    /// The thresholds the decision was taken with.
    pub thresholds: Thresholds,
    /// The top score, and its lead over the second (the whole top score when alone).
    pub top_score: Option<f32>,
    pub lead: Option<f32>,
}

impl KnowledgeBase {
    /// How the helpdesk would answer `question` now: normalisation, tokens, ranked
    /// candidates and the decision with its thresholds. Not recorded anywhere.
    pub fn explain(&self, question: &str) -> Explanation {
        let trace = self.engine.trace(question);
        let outcome = trace.outcome;
        let top_score = outcome.candidates.first().map(|c| c.score);
        let second = outcome.candidates.get(1).map_or(0.0, |c| c.score);
        let question = cut(question);
        Explanation {
            question: question.to_owned(),
            truncated: outcome.truncated,
            normalized: normalize(question),
            with_synonyms: trace.analysis.normalized,
            words: trace.analysis.words,
            grams: trace.analysis.grams,
            readings: trace.analysis.readings,
            units: trace.units,
            intent: outcome.intent,
            candidates: outcome.candidates,
            decision: outcome.decision,
            reason: outcome.reason,
            thresholds: self.engine.config().thresholds,
            top_score,
            lead: top_score.map(|top| top - second),
        }
    }
}

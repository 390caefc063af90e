//! The answer engine: given a question as staff type it, rank the FAQ entries and decide
//! whether to answer, suggest or escalate.
//!
//! Ranking is two steps. tantivy (BM25 over the analysed units of every way an entry's
//! question is asked, and over the answer bodies) retrieves candidates; each candidate is
//! then scored on a 0..1 scale that means the same for every question, so that one set
//! of thresholds can decide:
//!
//! - question similarity: the best, over the entry's title, alternatives and keywords,
//!   of a blend of idf-weighted cosine and the share of the question's weight the
//!   variant covers (words, character bigrams and reading bigrams, see
//!   [`crate::analysis`]);
//! - body coverage: the share of the question's word weight found in the answer.

mod adapter;
mod collector;
mod decision;
mod dense;
mod fusion;
mod index;
mod kana;
mod semantic;
mod smalltalk;
mod units;
mod vectors;

use std::sync::Arc;

use arc_swap::ArcSwap;
use serde::{Deserialize, Serialize};

pub use adapter::{AdapterSource, InEffect, QueryAdapter};
pub use decision::{Calibration, Decision, Reason, Signals, Thresholds};
pub use dense::{DenseIndex, DenseScores, EntryVectors};
pub use fusion::Fusion;
pub use index::FaqIndex;
pub use semantic::{entry_texts, from_bytes, text_hash, to_bytes, Semantic};
pub use smalltalk::{Intent, SmallTalk};
pub use units::{UnitTokenizer, UnitWeights};

use crate::analysis::{
    contrast, cut, normalize::normalize, Analysis, Analyzer, Synonyms, MAX_QUESTION_CHARS,
};
use crate::kb::FaqEntry;
use units::{units, UnitSet};
use vectors::{UnitVec, READING, WORD};

/// How many candidates the engine scores and how many it returns; of those scored, how
/// many more the dense side adds (entries lexical retrieval did not find).
const SCORED_CANDIDATES: usize = 40;
const DENSE_CANDIDATES: usize = 20;
const RETURNED_CANDIDATES: usize = 10;

/// Tunable parts of the ranking; defaults are the calibrated values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EngineConfig {
    pub thresholds: Thresholds,
    pub weights: UnitWeights,
    /// Share of question similarity that is coverage of the question (the rest is cosine).
    pub coverage_share: f32,
    /// Weight of answer-body coverage relative to question similarity.
    pub body_weight: f32,
    /// Discount of the reading-bigram-only comparison (hiragana questions).
    pub reading_view: f32,
    /// Weight of the share of the question covered by all of an entry's question
    /// variants together (words spread over several alternatives).
    pub entry_weight: f32,
    /// How lexical and dense similarity combine (when the encoder is loaded).
    pub fusion: Fusion,
    /// The decision when the encoder is loaded (else `thresholds` decide).
    pub calibration: Calibration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            thresholds: Thresholds::default(),
            weights: UnitWeights::default(),
            coverage_share: 0.5,
            body_weight: 0.25,
            reading_view: 0.8,
            entry_weight: 1.0,
            fusion: Fusion::default(),
            calibration: Calibration::default(),
        }
    }
}

/// A ranked FAQ entry.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub id: String,
    pub title: String,
    pub category: String,
    /// 0..1; comparable across questions.
    pub score: f32,
    /// The title or alternative question that matched best.
    pub matched: String,
    /// The signals the score came from: lexical similarity (0..1), and the cosine of
    /// the question with the entry's nearest question and with its question + answer
    /// (0 without the encoder).
    pub lexical: f32,
    pub dense: f32,
    pub passage: f32,
    /// Share of the question's units (words, readings and the like, by weight) that the
    /// entry's own questions (title, alternatives, keywords) hold together: a signal of the
    /// decision (not in the API's answer).
    #[serde(skip)]
    pub coverage: f32,
}

/// The engine's verdict on one question.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub decision: Decision,
    pub reason: Reason,
    pub intent: Intent,
    /// Best first; empty for small talk.
    pub candidates: Vec<Candidate>,
    /// True when the question was longer than [`MAX_QUESTION_CHARS`] and was cut.
    pub truncated: bool,
    /// The calibrated probability that the top candidate is right (hybrid engine only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f32>,
}

/// How the engine came to an [`Outcome`]: what the question became, what it searched for.
#[derive(Debug, Clone, Serialize)]
pub struct Trace {
    /// The question after normalisation and synonyms, and its words, grams and readings.
    pub analysis: Analysis,
    /// The units searched for (`w:` word, `g:` character bigram, `r:` reading bigram),
    /// after spelling correction against the index's vocabulary; empty for small talk.
    pub units: Vec<String>,
    pub outcome: Outcome,
}

impl Outcome {
    /// The entry to reply with, when the decision is to answer.
    pub fn answer(&self) -> Option<&Candidate> {
        (self.decision == Decision::Answer)
            .then(|| self.candidates.first())
            .flatten()
    }
}

/// The engine. Cheap to share; `reload` swaps the index (and the analyser it was built
/// with, and the query adapter decided for its entries) without blocking readers.
pub struct AnswerEngine {
    smalltalk: SmallTalk,
    /// The sentence encoder, when its model was found: questions are then encoded and
    /// compared with the entries' stored vectors too.
    semantic: Option<Arc<Semantic>>,
    /// Which query adapter moves a question's vector before it is compared: the one in
    /// effect is decided from it over the live entries at every (re)build, and kept in the
    /// index ([`FaqIndex::adapter`]).
    adapter_source: AdapterSource,
    config: EngineConfig,
    index: ArcSwap<FaqIndex>,
    /// Held while an index is built, so two reloads cannot swap in each other's analyser.
    reloading: std::sync::Mutex<()>,
}

impl AnswerEngine {
    /// A lexical-only engine over the published `entries`.
    pub fn new(
        analyzer: Analyzer,
        smalltalk: SmallTalk,
        config: EngineConfig,
        entries: &[FaqEntry],
    ) -> tantivy::Result<Self> {
        Self::hybrid(
            analyzer,
            smalltalk,
            config,
            entries,
            None,
            None,
            AdapterSource::Off,
        )
    }

    /// An engine with the sentence encoder, its index built with the entries' stored
    /// vectors (lexical only when either is missing), questions moved by the query adapter
    /// `adapter_source` puts in effect over the published entries.
    pub fn hybrid(
        analyzer: Analyzer,
        smalltalk: SmallTalk,
        config: EngineConfig,
        entries: &[FaqEntry],
        semantic: Option<Arc<Semantic>>,
        vectors: Option<&EntryVectors>,
        adapter_source: AdapterSource,
    ) -> tantivy::Result<Self> {
        let mut index = FaqIndex::build(entries, &analyzer, config.weights)?.with_dense(vectors);
        let decided = adapter_in_effect(semantic.as_deref(), &adapter_source, &index.entries);
        log_adapter_decision(None, &decided);
        index.adapter = decided.adapter;
        Ok(Self {
            smalltalk,
            semantic,
            adapter_source,
            config,
            index: ArcSwap::from_pointee(index),
            reloading: std::sync::Mutex::new(()),
        })
    }

    /// Decides the query adapter for `index`'s entries and swaps both in together (the
    /// caller holds `reloading`); a change of decision is logged once, with counts only.
    fn swap_in(&self, mut index: FaqIndex) {
        let decided = adapter_in_effect(
            self.semantic.as_deref(),
            &self.adapter_source,
            &index.entries,
        );
        log_adapter_decision(Some(self.index.load().adapter.is_some()), &decided);
        index.adapter = decided.adapter;
        self.index.store(Arc::new(index));
    }

    /// Rebuilds the index from the live entries and swaps it in; questions being
    /// answered meanwhile finish on the old one. Lexical only: the index has no vectors
    /// afterwards (the knowledge base reloads with [`AnswerEngine::reload_with`]).
    pub fn reload(&self, entries: &[FaqEntry]) -> tantivy::Result<()> {
        let _turn = self.reloading.lock().unwrap_or_else(|e| e.into_inner());
        let analyzer = self.index.load().analyzer.clone();
        let index = FaqIndex::build(entries, &analyzer, self.config.weights)?;
        self.swap_in(index);
        Ok(())
    }

    /// Rebuilds the index from the live entries with another synonym dictionary, and
    /// swaps both in together: from then on questions are analysed with `synonyms`.
    /// Lexical only, like [`AnswerEngine::reload`].
    pub fn reload_with_synonyms(
        &self,
        synonyms: Synonyms,
        entries: &[FaqEntry],
    ) -> tantivy::Result<()> {
        let _turn = self.reloading.lock().unwrap_or_else(|e| e.into_inner());
        let analyzer = self.index.load().analyzer.with_synonyms(synonyms);
        let index = FaqIndex::build(entries, &analyzer, self.config.weights)?;
        self.swap_in(index);
        Ok(())
    }

    /// Whether questions are moved by a query adapter before they are compared, now.
    pub fn adapts_questions(&self) -> bool {
        self.index.load().adapter.is_some()
    }

    /// The query adapter in effect now, as `/healthz` names it (`built-in`, or the file's
    /// path); `None` when questions are compared as encoded.
    pub fn query_adapter(&self) -> Option<String> {
        self.adapts_questions()
            .then(|| self.adapter_source.describe())
    }

    /// The sentence encoder, when loaded.
    pub fn semantic(&self) -> Option<&Arc<Semantic>> {
        self.semantic.as_ref()
    }

    /// How many stored vectors the index compares questions with (0: lexical only).
    pub fn vector_count(&self) -> usize {
        self.index.load().dense.as_ref().map_or(0, DenseIndex::len)
    }

    /// Rebuilds the index from the live entries and their stored vectors, with another
    /// synonym dictionary when given, and swaps it in.
    pub fn reload_with(
        &self,
        synonyms: Option<Synonyms>,
        entries: &[FaqEntry],
        vectors: Option<&EntryVectors>,
    ) -> tantivy::Result<()> {
        let _turn = self.reloading.lock().unwrap_or_else(|e| e.into_inner());
        let analyzer = match synonyms {
            Some(synonyms) => self.index.load().analyzer.with_synonyms(synonyms),
            None => self.index.load().analyzer.clone(),
        };
        let index = FaqIndex::build(entries, &analyzer, self.config.weights)?.with_dense(vectors);
        self.swap_in(index);
        Ok(())
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The analyser questions are analysed with now (cheap to clone).
    pub fn analyzer(&self) -> Analyzer {
        self.index.load().analyzer.clone()
    }

    /// Number of published entries the engine answers from.
    pub fn entry_count(&self) -> usize {
        self.index.load().entries.len()
    }

    /// (id, title) of every published entry, ordered by id.
    pub fn titles(&self) -> Vec<(String, String)> {
        let index = self.index.load();
        let mut titles: Vec<(String, String)> = index
            .entries
            .iter()
            .map(|e| (e.id.clone(), e.title.clone()))
            .collect();
        titles.sort();
        titles
    }

    /// A published entry by id.
    pub fn entry(&self, id: &str) -> Option<FaqEntry> {
        self.index.load().entry(id).cloned()
    }

    /// How a question is analysed (for the console's test box and `madoguchi ask -v`).
    pub fn explain(&self, text: &str) -> Analysis {
        self.index.load().analyzer.analyze(cut(text))
    }

    /// Ranks the entries for a question and decides what to do.
    pub fn ask(&self, text: &str) -> Outcome {
        self.trace(text).outcome
    }

    /// [`AnswerEngine::ask`], showing its work: the analysis and the units searched for.
    pub fn trace(&self, text: &str) -> Trace {
        let index = self.index.load();
        let truncated = text.chars().count() > MAX_QUESTION_CHARS;
        let text = cut(text);
        let analysis = index.analyzer.analyze(text);
        let mut intent = self.smalltalk.classify(text, &analysis, &index.analyzer);
        // A number, a lone kana or punctuation has nothing to search for (「2」 once
        // matched 「2画面にしたい」).
        if intent == Intent::Question && crate::domain::content::is_content_free(text) {
            intent = Intent::Empty;
        }
        let mut trace = Trace {
            analysis,
            units: Vec::new(),
            outcome: Outcome {
                decision: Decision::Escalate,
                reason: Reason::Empty,
                intent,
                candidates: Vec::new(),
                truncated,
                confidence: None,
            },
        };
        if intent != Intent::Question {
            let reason = match intent {
                Intent::Greeting => Reason::Greeting,
                Intent::Thanks => Reason::Thanks,
                _ => Reason::Empty,
            };
            trace.outcome.reason = reason;
            return trace;
        }
        let chars = text.chars().count();
        // Words the question sets aside (「上書きじゃなくて」) are not searched for.
        let normalized = normalize(text);
        let focused = contrast::without_set_aside(&normalized);
        let text = focused.as_deref().unwrap_or(text);
        // A kana question is read in the entries' words (じょうみゃく → 静脈) by both sides.
        let spelt = (index.vocabulary.sounds).spell_out(focused.as_deref().unwrap_or(&normalized));
        if let Some(rewritten) = spelt.as_ref().or(focused.as_ref()) {
            trace.analysis = index.analyzer.analyze(rewritten);
        }
        let text = spelt.as_deref().unwrap_or(text);
        trace.units = index.correct_spelling(units(&trace.analysis, UnitSet::All));
        // The question's vector as encoded, and as compared (moved by the adapter).
        let (dense, raw) = match (&self.semantic, &index.dense) {
            (Some(semantic), Some(vectors)) if !vectors.is_empty() => {
                let raw = semantic.encode_query(text);
                match index.adapter.as_ref().map(|a| a.apply(&raw)) {
                    Some(adapted) => (Some(vectors.scores(&adapted)), Some(raw)),
                    None => (Some(vectors.scores(&raw)), None),
                }
            }
            _ => (None, None),
        };
        let (candidates, ordinals) = self.rank(&index, &trace.units, dense.as_ref());
        let top = candidates.first().map(|c| c.score);
        let second = candidates.get(1).map(|c| c.score);
        let (decision, reason) = if let Some(d) = &dense {
            // Cosines of the question as encoded with each candidate's own questions:
            // what tells a repeated question (the adapter moves it off its copy).
            let said: Vec<f32> = match &raw {
                Some(raw) => ordinals
                    .iter()
                    .map(|&o| d.question_cosine(raw, o))
                    .collect(),
                None => candidates.iter().map(|c| c.dense).collect(),
            };
            let signals = candidates.first().map(|c| {
                let best_other =
                    |of: fn(&Candidate) -> f32| candidates[1..].iter().map(of).fold(0.0, f32::max);
                Signals {
                    said: said[0],
                    other_said: said[1..].iter().copied().fold(0.0, f32::max),
                    top: c.score,
                    second: second.unwrap_or(0.0),
                    lexical: c.lexical,
                    other_lexical: best_other(|c| c.lexical),
                    cosine: c.dense,
                    other_cosine: best_other(|c| c.dense),
                    passage: c.passage,
                    other_passage: best_other(|c| c.passage),
                    coverage: c.coverage,
                    chars,
                }
            });
            let (decision, reason, p) = self.config.calibration.decide(signals.as_ref());
            trace.outcome.confidence = p.map(|p| (p * 10_000.0).round() / 10_000.0);
            (decision, reason)
        } else {
            self.config.thresholds.decide(top, second)
        };
        trace.outcome.decision = decision;
        trace.outcome.reason = reason;
        trace.outcome.candidates = candidates;
        trace
    }

    fn rank(
        &self,
        index: &FaqIndex,
        query_units: &[String],
        dense: Option<&DenseScores<'_>>,
    ) -> (Vec<Candidate>, Vec<u32>) {
        let (query, unknown_sq) = index.query_vector(query_units);
        let query_sq: [f32; 3] = std::array::from_fn(|k| query.norm_sq[k] + unknown_sq[k]);
        let lexical = query_sq.iter().sum::<f32>() > 0.0 && !query.is_empty();
        let mut ordinals = if lexical {
            index.candidates(query_units, SCORED_CANDIDATES)
        } else {
            Vec::new()
        };
        let fusion = &self.config.fusion;
        if let Some(d) = dense {
            let nearest = d.nearest(DENSE_CANDIDATES, &ordinals, |q, p| fusion.dense_part(q, p));
            ordinals.extend(nearest);
        }
        let mut scored: Vec<(f32, u32, u32, [f32; 4])> = ordinals
            .into_iter()
            .map(|faq| {
                let (similarity, best, coverage) = if lexical {
                    self.lexical_score(index, faq, &query, &query_sq)
                } else {
                    (
                        0.0,
                        index.variants_of[faq as usize]
                            .first()
                            .copied()
                            .unwrap_or(0),
                        0.0,
                    )
                };
                let (dq, dp) = dense.map_or((0.0, 0.0), |d| d.of(faq));
                let score = match dense {
                    Some(_) => fusion.score(similarity, dq, dp),
                    None => similarity,
                };
                (score, faq, best, [similarity, dq, dp, coverage])
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let round = |x: f32| (x.clamp(0.0, 1.0) * 10_000.0).round() / 10_000.0;
        scored.truncate(RETURNED_CANDIDATES);
        let ordinals = scored.iter().map(|s| s.1).collect();
        let candidates = scored
            .into_iter()
            .map(|(score, faq, best, signals)| {
                let entry = &index.entries[faq as usize];
                Candidate {
                    id: entry.id.clone(),
                    title: entry.title.clone(),
                    category: entry.category.clone(),
                    score: round(score),
                    matched: index
                        .variants
                        .get(best as usize)
                        .filter(|v| v.faq == faq)
                        .map_or_else(|| entry.title.clone(), |v| v.text.clone()),
                    lexical: round(signals[0]),
                    dense: round(signals[1]),
                    passage: round(signals[2]),
                    coverage: round(signals[3]),
                }
            })
            .collect();
        (candidates, ordinals)
    }

    /// The lexical score of entry `faq` (0..1), its best-matching variant, and how much
    /// of the question all its variants together cover: question similarity blended
    /// with that coverage and the answer body's.
    fn lexical_score(
        &self,
        index: &FaqIndex,
        faq: u32,
        query: &UnitVec,
        query_sq: &[f32; 3],
    ) -> (f32, u32, f32) {
        let all_sq: f32 = query_sq.iter().sum();
        let (similarity, best) = self.question_similarity(index, faq, query, query_sq);
        let words = query.overlap(&index.bodies[faq as usize])[WORD];
        let body = if query_sq[WORD] > 0.0 {
            words / query_sq[WORD]
        } else {
            0.0
        };
        let entry = index.questions[faq as usize]
            .overlap(query)
            .iter()
            .sum::<f32>()
            / all_sq;
        let (bw, ew) = (self.config.body_weight, self.config.entry_weight);
        let score = (similarity + bw * body + ew * entry) / (1.0 + bw + ew);
        (score.min(1.0), best, entry.min(1.0))
    }

    /// Best similarity over the entry's variants, and which variant gave it. Each variant
    /// is compared on all units and on reading bigrams alone (discounted), so a question
    /// typed in hiragana still meets its kanji FAQ.
    fn question_similarity(
        &self,
        index: &FaqIndex,
        faq: u32,
        query: &UnitVec,
        query_sq: &[f32; 3],
    ) -> (f32, u32) {
        let variants = &index.variants_of[faq as usize];
        let mut best = (0.0f32, variants.first().copied().unwrap_or(0));
        for &v in variants {
            let weight = index.variants[v as usize].weight;
            let variant = &index.variants[v as usize].vector;
            let overlap = query.overlap(variant);
            let all = self.similarity(
                overlap.iter().sum(),
                query_sq.iter().sum(),
                variant.norm_sq.iter().sum(),
            );
            let reading = self.config.reading_view
                * self.similarity(
                    overlap[READING],
                    query_sq[READING],
                    variant.norm_sq[READING],
                );
            let similarity = weight * all.max(reading);
            if similarity > best.0 {
                best = (similarity, v);
            }
        }
        best
    }

    /// Blend of cosine and coverage of the query, from the overlap and squared norms.
    fn similarity(&self, overlap: f32, query_sq: f32, variant_sq: f32) -> f32 {
        if overlap <= 0.0 || query_sq <= 0.0 || variant_sq <= 0.0 {
            return 0.0;
        }
        let share = self.config.coverage_share;
        (1.0 - share) * overlap / (query_sq * variant_sq).sqrt() + share * overlap / query_sq
    }
}

/// The query adapter `source` puts in effect for `semantic`'s encoder over the published
/// `entries` (none without the encoder).
fn adapter_in_effect(
    semantic: Option<&Semantic>,
    source: &AdapterSource,
    entries: &[FaqEntry],
) -> InEffect {
    let Some(semantic) = semantic else {
        return InEffect::default();
    };
    source.in_effect(
        semantic.model_id(),
        semantic.dim(),
        entries.iter().map(|e| e.id.as_str()),
    )
}

/// Logs, with counts only, that the built-in adapter is not used at start (`was` none)
/// or that it stopped or started being used at a rebuild (`was`: whether it was).
fn log_adapter_decision(was: Option<bool>, decided: &InEffect) {
    let Some(known) = decided.known else {
        return;
    };
    let (fitted_on, entries) = (known.known, known.total);
    match (was, decided.adapter.is_some()) {
        (None, false) if !known.is_enough() => tracing::info!(
            fitted_on,
            entries,
            "built-in query adapter not used: it was fitted on the bundled knowledge base \
             and most entries are the city's own (scripts/refit fits one for them)"
        ),
        (Some(false), true) => tracing::info!(
            fitted_on,
            entries,
            "built-in query adapter used again: at least half of the live entries are the \
             bundled ones it was fitted on"
        ),
        (Some(true), false) => tracing::info!(
            fitted_on,
            entries,
            "built-in query adapter no longer used: most live entries are now the city's \
             own (scripts/refit fits one for them)"
        ),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn kb_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge-base")
    }

    fn bundled() -> Vec<FaqEntry> {
        crate::kb::files::load_dir(&kb_dir()).unwrap()
    }

    /// The bundled entries, their ids changed: a city's own entries, as the built-in
    /// adapter sees them.
    fn citys_own(entries: &[FaqEntry]) -> Vec<FaqEntry> {
        entries
            .iter()
            .map(|e| FaqEntry {
                id: format!("city-{}", e.id),
                ..e.clone()
            })
            .collect()
    }

    fn built(
        entries: &[FaqEntry],
        semantic: Option<Arc<Semantic>>,
        source: AdapterSource,
    ) -> AnswerEngine {
        AnswerEngine::hybrid(
            crate::lexicon::analyzer(&kb_dir()).unwrap(),
            crate::lexicon::load_smalltalk(&kb_dir()).unwrap(),
            EngineConfig::default(),
            entries,
            semantic,
            None,
            source,
        )
        .unwrap()
    }

    #[test]
    fn without_the_encoder_no_adapter_is_ever_in_effect() {
        let bundled = bundled();
        let engine = built(&bundled, None, AdapterSource::BuiltIn);
        assert!(!engine.adapts_questions());
        assert_eq!(engine.query_adapter(), None);
        engine.reload(&citys_own(&bundled)).unwrap();
        engine.reload(&bundled).unwrap();
        assert_eq!(engine.query_adapter(), None);
    }

    #[test]
    fn the_built_in_adapter_is_decided_again_at_every_rebuild_over_the_published_entries() {
        let Some(semantic) = semantic::tests::model() else {
            return;
        };
        let bundled = bundled();
        let own = citys_own(&bundled);
        let engine = built(&bundled, Some(semantic.clone()), AdapterSource::BuiltIn);
        let built_in = Some("built-in".to_owned());
        assert_eq!(engine.query_adapter(), built_in);
        // Most entries replaced by the city's own: the bundled ones unpublished beside
        // them (still stored, no longer live), through each way of rebuilding.
        let mut replaced: Vec<FaqEntry> = bundled.clone();
        for entry in replaced.iter_mut().skip(bundled.len() / 4) {
            entry.published = false;
        }
        replaced.extend(own.iter().cloned());
        engine.reload_with(None, &replaced, None).unwrap();
        assert_eq!(engine.query_adapter(), None);
        assert!(!engine.adapts_questions());
        // The bundled ones back beside the city's own: half of the live entries.
        let back: Vec<FaqEntry> = bundled.iter().chain(&own).cloned().collect();
        engine.reload_with(None, &back, None).unwrap();
        assert_eq!(engine.query_adapter(), built_in);
        engine.reload(&own).unwrap();
        assert_eq!(engine.query_adapter(), None);
        let synonyms = engine.analyzer().synonyms().clone();
        engine
            .reload_with_synonyms(synonyms.clone(), &bundled)
            .unwrap();
        assert_eq!(engine.query_adapter(), built_in);
        engine.reload_with(Some(synonyms), &own, None).unwrap();
        assert_eq!(engine.query_adapter(), None);
        // Built over the city's own from the start: not in effect until the bundled ones
        // are most of the live entries again.
        let city = built(&own, Some(semantic.clone()), AdapterSource::BuiltIn);
        assert_eq!(city.query_adapter(), None);
        city.reload_with(None, &bundled, None).unwrap();
        assert_eq!(city.query_adapter(), built_in);

        // Off stays off, whatever the entries.
        let off = built(&bundled, Some(semantic), AdapterSource::Off);
        assert_eq!(off.query_adapter(), None);
        off.reload_with(None, &own, None).unwrap();
        off.reload_with(None, &bundled, None).unwrap();
        assert_eq!(off.query_adapter(), None);
    }
}

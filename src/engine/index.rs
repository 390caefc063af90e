//! The searchable form of the live FAQ entries: a tantivy index for candidate retrieval
//! and the unit vectors the ranker compares. Built in memory from the database in well
//! under a second, and swapped whole when an entry changes.

use std::sync::Arc;

use super::adapter::QueryAdapter;
use super::collector::BestPerFaq;
use super::dense::{DenseIndex, EntryVectors};
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED,
};
use tantivy::tokenizer::{PreTokenizedString, Token};
use tantivy::{Index, ReloadPolicy, Searcher, TantivyDocument, Term};

use super::units::{kind_weight, units, UnitSet, UnitTokenizer, UnitWeights};
use super::vectors::{kind_of, UnitVec, Vocabulary};
use crate::analysis::Analyzer;
use crate::kb::FaqEntry;

const QUESTION_TOKENIZER: &str = "ja_units";
const BODY_TOKENIZER: &str = "ja_words";

/// At most this many of a question's units (the rarest) retrieve candidates, and at
/// least this many when the question has them, however common they are.
const RETRIEVAL_UNITS: usize = 12;
const MIN_RETRIEVAL_UNITS: usize = 4;
const ALTERNATIVE_WEIGHT: f32 = 0.95;
const KEYWORDS_WEIGHT: f32 = 0.85;

/// One way of asking an entry's question: its title, an alternative, or its keywords.
#[derive(Debug)]
pub struct Variant {
    pub faq: u32,
    pub text: String,
    /// How much a match on this variant counts: the title fully, alternatives a little
    /// less, the keyword bag less again (it is not a question anyone asked).
    pub weight: f32,
    pub vector: UnitVec,
    units: Vec<String>,
}

/// The index over the published entries.
pub struct FaqIndex {
    pub entries: Vec<FaqEntry>,
    /// Entry ordinals by id.
    by_id: std::collections::HashMap<String, u32>,
    pub variants: Vec<Variant>,
    /// Per entry, the indexes of its variants.
    pub variants_of: Vec<Vec<u32>>,
    /// Per entry, the word units of its answer body.
    pub bodies: Vec<UnitVec>,
    /// Per entry, the union of the units of all its question variants.
    pub questions: Vec<UnitVec>,
    pub vocabulary: Vocabulary,
    pub weights: UnitWeights,
    /// The analyser the index was built with, which questions against it must use too
    /// (its synonyms can change at run time: a new dictionary builds a new index).
    pub analyzer: Analyzer,
    /// The entries' sentence vectors, when the encoder is loaded and they are stored.
    pub dense: Option<DenseIndex>,
    /// The query adapter in effect over these entries (decided by the engine each time it
    /// builds an index, so that a reader never sees an index with another one's choice).
    pub adapter: Option<Arc<QueryAdapter>>,
    /// The index never changes once built (a change builds a new one), so one searcher
    /// and the `faq` column of each segment serve every question.
    searcher: Searcher,
    faq_columns: Vec<Column<u64>>,
    question_field: Field,
    body_field: Field,
}

/// Every text of the entries, analysed once: the question variants (entry ordinal, text,
/// weight, units) and the bodies' word units.
struct Analysed {
    variants: Vec<(u32, String, f32, Vec<String>)>,
    bodies: Vec<Vec<String>>,
}

impl Analysed {
    fn of(entries: &[FaqEntry], analyzer: &Analyzer) -> Self {
        let mut variants = Vec::new();
        let mut bodies = Vec::with_capacity(entries.len());
        for (ordinal, entry) in entries.iter().enumerate() {
            for (text, weight) in question_texts(entry) {
                let u = units(&analyzer.analyze(&text), UnitSet::All);
                if !u.is_empty() {
                    variants.push((ordinal as u32, text, weight, u));
                }
            }
            bodies.push(units(&analyzer.analyze(&entry.body), UnitSet::Words));
        }
        Self { variants, bodies }
    }

    /// The vocabulary of every unit, with document frequencies per entry.
    fn vocabulary(&self, analyzer: &Analyzer) -> Vocabulary {
        let mut per_entry: Vec<Vec<&str>> = self
            .bodies
            .iter()
            .map(|b| b.iter().map(String::as_str).collect())
            .collect();
        for (faq, _, _, u) in &self.variants {
            per_entry[*faq as usize].extend(u.iter().map(String::as_str));
        }
        let mut vocabulary = Vocabulary::build(per_entry.into_iter());
        vocabulary.learn_readings(
            |word| analyzer.reading_of(word),
            analyzer.synonyms().variants(),
        );
        vocabulary
    }
}

/// The tantivy index of the variants and bodies (pre-tokenized: the texts were analysed
/// already, so the registered, identical tokenizer does not run a second time), and what
/// searches read from it.
fn write_index(
    analyzer: &Analyzer,
    entries: &[FaqEntry],
    bodies: &[Vec<String>],
    variants: &[Variant],
    variants_of: &[Vec<u32>],
) -> tantivy::Result<(Searcher, Vec<Column<u64>>, Field, Field)> {
    let (index, question_field, body_field, faq_field) = tantivy_index(analyzer)?;
    let mut writer = index.writer_with_num_threads(1, 15_000_000)?;
    for (ordinal, body) in bodies.iter().enumerate() {
        for &v in &variants_of[ordinal] {
            let variant = &variants[v as usize];
            let mut doc = TantivyDocument::new();
            doc.add_pre_tokenized_text(
                question_field,
                pre_tokenized(&variant.text, &variant.units),
            );
            doc.add_u64(faq_field, ordinal as u64);
            writer.add_document(doc)?;
        }
        let mut doc = TantivyDocument::new();
        doc.add_pre_tokenized_text(body_field, pre_tokenized(&entries[ordinal].body, body));
        doc.add_u64(faq_field, ordinal as u64);
        writer.add_document(doc)?;
    }
    writer.commit()?;
    let reader: tantivy::IndexReader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    let searcher = reader.searcher();
    let faq_columns = searcher
        .segment_readers()
        .iter()
        .map(|segment| segment.fast_fields().u64("faq"))
        .collect::<tantivy::Result<Vec<_>>>()?;
    Ok((searcher, faq_columns, question_field, body_field))
}

impl FaqIndex {
    /// Builds the index over the published entries of `entries`.
    pub fn build(
        entries: &[FaqEntry],
        analyzer: &Analyzer,
        weights: UnitWeights,
    ) -> tantivy::Result<Self> {
        let entries: Vec<FaqEntry> = entries.iter().filter(|e| e.published).cloned().collect();
        let analysed = Analysed::of(&entries, analyzer);
        let vocabulary = analysed.vocabulary(analyzer);
        let vector = |u: &[String]| {
            UnitVec::new(
                u.iter()
                    .filter_map(|unit| {
                        let id = vocabulary.id(unit)?;
                        let w = kind_weight(unit, &weights) * vocabulary.idf(id);
                        Some((id, w, kind_of(unit) as u8))
                    })
                    .collect(),
            )
        };
        let mut variants = Vec::with_capacity(analysed.variants.len());
        let mut variants_of = vec![Vec::new(); entries.len()];
        let mut question_units: Vec<Vec<String>> = vec![Vec::new(); entries.len()];
        for (faq, text, weight, u) in &analysed.variants {
            variants_of[*faq as usize].push(variants.len() as u32);
            question_units[*faq as usize].extend(u.iter().cloned());
            variants.push(Variant {
                faq: *faq,
                text: text.clone(),
                weight: *weight,
                vector: vector(u),
                units: u.clone(),
            });
        }
        let bodies = analysed.bodies.iter().map(|b| vector(b)).collect();
        let questions = question_units.iter().map(|u| vector(u)).collect();
        let (searcher, faq_columns, question_field, body_field) = write_index(
            analyzer,
            &entries,
            &analysed.bodies,
            &variants,
            &variants_of,
        )?;
        let by_id = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i as u32))
            .collect();
        Ok(Self {
            entries,
            by_id,
            variants,
            variants_of,
            bodies,
            questions,
            vocabulary,
            weights,
            analyzer: analyzer.clone(),
            dense: None,
            adapter: None,
            searcher,
            faq_columns,
            question_field,
            body_field,
        })
    }

    /// The index with the entries' stored sentence vectors (none: lexical only).
    pub fn with_dense(mut self, vectors: Option<&EntryVectors>) -> Self {
        self.dense = vectors.map(|v| DenseIndex::build(&self.entries, v));
        self
    }

    /// The query's units as a vector, and the squared weight per kind of the units no
    /// entry contains. Unknown units get the highest idf, so an unknown word (住民票)
    /// lowers every similarity instead of being ignored.
    pub fn query_vector(&self, query_units: &[String]) -> (UnitVec, [f32; 3]) {
        let mut known = Vec::new();
        let mut unknown_sq = [0.0f32; 3];
        for unit in query_units {
            let kind = kind_of(unit);
            let w = kind_weight(unit, &self.weights);
            match self.vocabulary.id(unit) {
                Some(id) => known.push((id, w * self.vocabulary.idf(id), kind as u8)),
                None => unknown_sq[kind] += (w * self.vocabulary.unknown_idf()).powi(2),
            }
        }
        (UnitVec::new(known), unknown_sq)
    }

    /// A published entry by id.
    pub fn entry(&self, id: &str) -> Option<&FaqEntry> {
        self.by_id.get(id).map(|&i| &self.entries[i as usize])
    }

    /// Replaces misspelt katakana and ASCII words the index does not know by the known
    /// word one edit away (パスワート -> パスワード), and hiragana words by the known word
    /// read the same (わすれる -> 忘れる). Once a word was restored from its reading, the
    /// unknown character bigrams with hiragana in them are dropped too: they are the kana
    /// spelling of the restored word (ドわ, わす, すれ), not words the entries lack, and
    /// would otherwise lower every similarity the restored word raised.
    pub fn correct_spelling(&self, units: Vec<String>) -> Vec<String> {
        let mut restored = false;
        let units: Vec<(String, bool)> = units
            .into_iter()
            .map(|unit| match self.vocabulary.id(&unit) {
                Some(_) => (unit, true),
                None => {
                    if let Some(word) = self.vocabulary.word_by_reading(&unit) {
                        restored = true;
                        (word.to_string(), true)
                    } else {
                        let known = self.vocabulary.closest_word(&unit);
                        let found = known.is_some();
                        (known.map(str::to_string).unwrap_or(unit), found)
                    }
                }
            })
            .collect();
        units
            .into_iter()
            .filter(|(unit, known)| {
                !(restored
                    && !known
                    && unit.strip_prefix("g:").is_some_and(|gram| {
                        gram.chars().any(crate::analysis::normalize::is_hiragana)
                    }))
            })
            .map(|(unit, _)| unit)
            .collect()
    }

    /// Entries (ordinals) whose questions or bodies share units with the query, best
    /// BM25 first, without duplicates.
    pub fn candidates(&self, query_units: &[String], limit: usize) -> Vec<u32> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // Retrieval looks for the rarest units only: units most entries share (common
        // bigrams) find nothing the rarer ones do not, but cost the most to score. They are
        // left out of retrieval, not of scoring.
        let mut known: Vec<(f32, &String)> = query_units
            .iter()
            .filter_map(|u| Some((self.vocabulary.idf(self.vocabulary.id(u)?), u)))
            .collect();
        known.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        let common = self.vocabulary.common_idf();
        let rare = known.iter().take_while(|(idf, _)| *idf > common).count();
        let retrieve = known
            .iter()
            .take(rare.clamp(MIN_RETRIEVAL_UNITS, RETRIEVAL_UNITS))
            .map(|(_, u)| *u);
        for unit in retrieve {
            let term = Term::from_field_text(self.question_field, unit);
            clauses.push((
                Occur::Should,
                Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
            ));
            if unit.starts_with("w:") {
                let term = Term::from_field_text(self.body_field, unit);
                clauses.push((
                    Occur::Should,
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
                ));
            }
        }
        if clauses.is_empty() {
            return Vec::new();
        }
        let query = BooleanQuery::new(clauses);
        let collector = BestPerFaq {
            columns: self.faq_columns.clone(),
        };
        let Ok(best) = self.searcher.search(&query, &collector) else {
            return Vec::new();
        };
        best.into_iter().take(limit).map(|(faq, _)| faq).collect()
    }
}

/// The texts that ask an entry's question: title, alternatives, and the keywords as one.
fn pre_tokenized(text: &str, units: &[String]) -> PreTokenizedString {
    let tokens = units
        .iter()
        .enumerate()
        .map(|(position, unit)| Token {
            offset_from: 0,
            offset_to: text.len(),
            position,
            text: unit.clone(),
            position_length: 1,
        })
        .collect();
    PreTokenizedString {
        text: text.to_string(),
        tokens,
    }
}

fn question_texts(entry: &FaqEntry) -> Vec<(String, f32)> {
    let mut texts = vec![(entry.title.clone(), 1.0)];
    for alternative in entry.alternatives.iter().filter(|a| !a.trim().is_empty()) {
        texts.push((alternative.clone(), ALTERNATIVE_WEIGHT));
    }
    if !entry.keywords.is_empty() {
        texts.push((entry.keywords.join(" "), KEYWORDS_WEIGHT));
    }
    texts
}

fn tantivy_index(analyzer: &Analyzer) -> tantivy::Result<(Index, Field, Field, Field)> {
    let mut schema = Schema::builder();
    let text = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqs),
        )
    };
    let question = schema.add_text_field("question", text(QUESTION_TOKENIZER));
    let body = schema.add_text_field("body", text(BODY_TOKENIZER));
    let faq = schema.add_u64_field("faq", INDEXED | FAST);
    let index = Index::create_in_ram(schema.build());
    index.tokenizers().register(
        QUESTION_TOKENIZER,
        UnitTokenizer::new(analyzer.clone(), UnitSet::All),
    );
    index.tokenizers().register(
        BODY_TOKENIZER,
        UnitTokenizer::new(analyzer.clone(), UnitSet::Words),
    );
    Ok((index, question, body, faq))
}

//! The dense side of retrieval: the stored sentence vectors of the published entries in
//! one flat array, compared with the question's vector by cosine (every vector is
//! L2-normalised, so a dot product). Built from stored vectors only: nothing is encoded
//! when the index is built.

use std::collections::HashMap;
use std::sync::Arc;

use super::semantic::{entry_texts, Semantic};
use crate::domain::VectorKind;
use crate::kb::FaqEntry;

/// One entry's vectors: which text each encodes.
pub type Vectors = Vec<(VectorKind, Arc<[f32]>)>;

/// The vectors of entries, by entry id, as read from the database (or encoded for an
/// evaluation run).
#[derive(Debug, Clone, Default)]
pub struct EntryVectors {
    pub dim: usize,
    pub by_entry: HashMap<String, Vectors>,
}

impl EntryVectors {
    /// Encodes every text of `entries` (the evaluation's path; the helpdesk stores them).
    pub fn encode(
        semantic: &Semantic,
        entries: &[FaqEntry],
        progress: impl FnMut(usize, usize),
    ) -> Self {
        let mut keys = Vec::new();
        let mut texts = Vec::new();
        for entry in entries {
            for (kind, _, text) in entry_texts(entry) {
                keys.push((entry.id.clone(), kind));
                texts.push(text);
            }
        }
        let vectors = semantic.encode_all(&texts, progress);
        let mut by_entry: HashMap<String, Vectors> = HashMap::new();
        for ((id, kind), v) in keys.into_iter().zip(vectors) {
            by_entry.entry(id).or_default().push((kind, v));
        }
        Self {
            dim: semantic.dim(),
            by_entry,
        }
    }

    /// How many vectors there are.
    pub fn len(&self) -> usize {
        self.by_entry.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The vectors of the index's entries, flat.
pub struct DenseIndex {
    dim: usize,
    data: Vec<f32>,
    /// Per row: the entry ordinal, and whether it is a question (else question + answer).
    rows: Vec<(u32, bool)>,
    entries: usize,
}

/// Per entry ordinal: the best cosine to one of its questions, and to its question with
/// answer (0 when it has none).
#[derive(Debug, Clone)]
pub struct DenseScores {
    pub question: Vec<f32>,
    pub passage: Vec<f32>,
}

impl DenseIndex {
    /// The index of `vectors` for `entries` (in the index's order); entries without
    /// vectors get none.
    pub fn build(entries: &[FaqEntry], vectors: &EntryVectors) -> Self {
        let mut data = Vec::new();
        let mut rows = Vec::new();
        for (ordinal, entry) in entries.iter().enumerate() {
            for (kind, v) in vectors.by_entry.get(&entry.id).into_iter().flatten() {
                if v.len() == vectors.dim {
                    data.extend_from_slice(v);
                    rows.push((ordinal as u32, kind.is_question()));
                }
            }
        }
        Self {
            dim: vectors.dim,
            data,
            rows,
            entries: entries.len(),
        }
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    /// How many vectors the index holds.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Cosines of `query` with every entry.
    pub fn scores(&self, query: &[f32]) -> DenseScores {
        let mut scores = DenseScores {
            question: vec![0.0; self.entries],
            passage: vec![0.0; self.entries],
        };
        if query.len() != self.dim {
            return scores;
        }
        for (row, &(ordinal, is_question)) in self.data.chunks_exact(self.dim).zip(&self.rows) {
            let cosine = dot(row, query);
            let best = if is_question {
                &mut scores.question[ordinal as usize]
            } else {
                &mut scores.passage[ordinal as usize]
            };
            if cosine > *best {
                *best = cosine;
            }
        }
        scores
    }
}

/// Dot product in eight lanes (the compiler vectorises it).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str) -> FaqEntry {
        FaqEntry {
            id: id.into(),
            title: id.into(),
            category: "c".into(),
            keywords: vec![],
            alternatives: vec![],
            related: vec![],
            body: "b".into(),
            published: true,
        }
    }

    #[test]
    fn scores_take_the_best_question_and_the_passage_apart() {
        let unit = |i: usize| -> Arc<[f32]> {
            let mut v = vec![0.0; 9];
            v[i] = 1.0;
            v.into()
        };
        let mut vectors = EntryVectors {
            dim: 9,
            ..Default::default()
        };
        vectors.by_entry.insert(
            "a".into(),
            vec![
                (VectorKind::Question, unit(0)),
                (VectorKind::Alternative, unit(1)),
                (VectorKind::QuestionAnswer, unit(2)),
            ],
        );
        let index = DenseIndex::build(&[entry("a"), entry("b")], &vectors);
        assert_eq!(index.len(), 3);
        let s = index.scores(&unit(1));
        assert_eq!((s.question[0], s.passage[0]), (1.0, 0.0));
        assert_eq!((s.question[1], s.passage[1]), (0.0, 0.0));
        let s = index.scores(&unit(2));
        assert_eq!((s.question[0], s.passage[0]), (0.0, 1.0));
    }
}

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

/// The vectors of the index's entries, flat, in entry order, and the same quantised to
/// one signed byte a component (one scale a row) for a fast first pass.
///
/// Comparing a question with 10,000 entries (about 30,000 vectors, 61 MB of f32) by
/// reading every f32 took 20 ms or more on the project's machine: the scan is bound by
/// memory, not by arithmetic. The first pass reads a quarter of the bytes and gives every
/// cosine with a proven bound on its error; only the entries that could be among those
/// asked for are then compared exactly, with the f32 vectors, by the same arithmetic as a
/// full scan. Results are identical to comparing every vector exactly.
pub struct DenseIndex {
    dim: usize,
    data: Vec<f32>,
    /// Per row: the entry ordinal, and whether it is a question (else question + answer).
    rows: Vec<(u32, bool)>,
    entries: usize,
    /// The rows of entry `o` are `first[o]..first[o + 1]`.
    first: Vec<u32>,
    /// Per row, `dim` codes: component ≈ code × the row's scale.
    codes: Vec<i8>,
    /// Per row: (scale, sum of |code|), for the error bound.
    scales: Vec<(f32, f32)>,
}

/// The cosines of one question with the index's entries: approximate for all of them (with
/// a bound), exact on demand.
pub struct DenseScores<'a> {
    index: &'a DenseIndex,
    query: Vec<f32>,
    /// Per entry ordinal: the approximate best cosine to one of its questions and to its
    /// question with answer, and how far each may be from the exact value.
    question: Vec<(f32, f32)>,
    passage: Vec<(f32, f32)>,
}

/// Added to every error bound: the exact cosine is itself an f32 sum of 512 products,
/// off from the true value by far less than this.
const ROUNDING_MARGIN: f32 = 1e-3;

impl DenseIndex {
    /// The index of `vectors` for `entries` (in the index's order); entries without
    /// vectors get none.
    pub fn build(entries: &[FaqEntry], vectors: &EntryVectors) -> Self {
        let mut data = Vec::new();
        let mut rows = Vec::new();
        let mut first = Vec::with_capacity(entries.len() + 1);
        for (ordinal, entry) in entries.iter().enumerate() {
            first.push(rows.len() as u32);
            for (kind, v) in vectors.by_entry.get(&entry.id).into_iter().flatten() {
                if v.len() == vectors.dim {
                    data.extend_from_slice(v);
                    rows.push((ordinal as u32, kind.is_question()));
                }
            }
        }
        first.push(rows.len() as u32);
        let mut codes = Vec::with_capacity(data.len());
        let mut scales = Vec::with_capacity(rows.len());
        if vectors.dim > 0 {
            for row in data.chunks_exact(vectors.dim) {
                let (scale, l1) = quantise(row, &mut codes);
                scales.push((scale, l1));
            }
        }
        Self {
            dim: vectors.dim,
            data,
            rows,
            entries: entries.len(),
            first,
            codes,
            scales,
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

    /// Cosines of `query` with every entry (see [`DenseScores`]).
    pub fn scores(&self, query: &[f32]) -> DenseScores<'_> {
        let mut scores = DenseScores {
            index: self,
            query: query.to_vec(),
            question: vec![(0.0, 0.0); self.entries],
            passage: vec![(0.0, 0.0); self.entries],
        };
        if query.len() != self.dim || self.dim == 0 {
            scores.query.clear();
            return scores;
        }
        let mut q_codes = Vec::with_capacity(self.dim);
        let (q_scale, _) = quantise(query, &mut q_codes);
        let q_l1: f32 = query.iter().map(|x| x.abs()).sum();
        let simd = simd_available();
        for ((codes, &(ordinal, is_question)), &(scale, l1)) in self
            .codes
            .chunks_exact(self.dim)
            .zip(&self.rows)
            .zip(&self.scales)
        {
            let sum = dot_i8(codes, &q_codes, simd);
            let cosine = scale * q_scale * sum as f32;
            // |v·q - ṽ·q̃| <= Σ|v-ṽ||q| + Σ|ṽ||q-q̃| <= scale/2 ||q||₁ + q_scale/2 ||ṽ||₁,
            // with ||ṽ||₁ = scale × Σ|code|.
            let error = 0.5 * scale * (q_l1 + q_scale * l1) + ROUNDING_MARGIN;
            let best = if is_question {
                &mut scores.question[ordinal as usize]
            } else {
                &mut scores.passage[ordinal as usize]
            };
            // As the exact scan: the best of 0 and the rows' cosines; the bound of a
            // maximum is the largest bound.
            best.0 = best.0.max(cosine);
            best.1 = best.1.max(error);
        }
        scores
    }

    /// The exact best cosines of `query` with entry `ordinal`'s questions and its
    /// question with answer: the best of 0 and each row's f32 dot product.
    fn exact(&self, query: &[f32], ordinal: u32) -> (f32, f32) {
        let mut best = (0.0f32, 0.0f32);
        if query.len() != self.dim {
            return best;
        }
        let o = ordinal as usize;
        if o + 1 >= self.first.len() {
            return best;
        }
        for r in self.first[o] as usize..self.first[o + 1] as usize {
            let row = &self.data[r * self.dim..(r + 1) * self.dim];
            let cosine = dot(row, query);
            let slot = if self.rows[r].1 {
                &mut best.0
            } else {
                &mut best.1
            };
            if cosine > *slot {
                *slot = cosine;
            }
        }
        best
    }
}

impl DenseScores<'_> {
    /// How many entries there are (ordinals are `0..entries()`).
    pub fn entries(&self) -> usize {
        self.question.len()
    }

    /// The exact cosine with entry `ordinal`'s nearest question and with its question +
    /// answer (0 when it has none).
    pub fn of(&self, ordinal: u32) -> (f32, f32) {
        self.index.exact(&self.query, ordinal)
    }

    /// The exact best cosine of another vector of the question (`query`, the same
    /// width) with entry `ordinal`'s questions.
    pub fn question_cosine(&self, query: &[f32], ordinal: u32) -> f32 {
        self.index.exact(query, ordinal).0
    }

    /// The `n` entries, not in `exclude`, with the highest `part(question, passage)`
    /// (ties: the lower ordinal first), exactly as ranking every entry by its exact
    /// cosines would give. `part` must not decrease when either cosine grows.
    ///
    /// Every entry's part is bounded from the approximate cosines; the `n`-th highest
    /// lower bound is a threshold no entry of the result falls below, so only the
    /// entries whose upper bound reaches it are compared exactly.
    pub fn nearest(&self, n: usize, exclude: &[u32], part: impl Fn(f32, f32) -> f32) -> Vec<u32> {
        if n == 0 {
            return Vec::new();
        }
        let mut excluded = vec![false; self.entries()];
        for &o in exclude {
            if let Some(slot) = excluded.get_mut(o as usize) {
                *slot = true;
            }
        }
        let open: Vec<u32> = (0..self.entries() as u32)
            .filter(|&o| !excluded[o as usize])
            .collect();
        let bound = |o: u32, sign: f32| {
            let (q, eq) = self.question[o as usize];
            let (p, ep) = self.passage[o as usize];
            part(q + sign * eq, p + sign * ep)
        };
        let threshold = if open.len() > n {
            let mut lows: Vec<f32> = open.iter().map(|&o| bound(o, -1.0)).collect();
            let (_, nth, _) = lows.select_nth_unstable_by(n - 1, |a, b| b.total_cmp(a));
            *nth
        } else {
            f32::NEG_INFINITY
        };
        let mut exact: Vec<(f32, u32)> = open
            .into_iter()
            .filter(|&o| bound(o, 1.0) >= threshold)
            .map(|o| {
                let (q, p) = self.of(o);
                (part(q, p), o)
            })
            .collect();
        exact.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        exact.into_iter().take(n).map(|(_, o)| o).collect()
    }
}

/// Appends the codes of `v` (round(v / scale), scale = max |v| / 127) to `codes`;
/// returns (scale, Σ|code|).
fn quantise(v: &[f32], codes: &mut Vec<i8>) -> (f32, f32) {
    let max = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
    let mut l1 = 0.0;
    for x in v {
        let c = (x / scale).round().clamp(-127.0, 127.0);
        l1 += c.abs();
        codes.push(c as i8);
    }
    (scale, l1)
}

fn simd_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Integer dot product of two code rows (exact, so the same whatever the instructions).
fn dot_i8(a: &[i8], b: &[i8], simd: bool) -> i32 {
    #[cfg(target_arch = "x86_64")]
    if simd {
        // SAFETY: `simd` is true only when the CPU reported AVX2.
        return unsafe { dot_i8_avx2(a, b) };
    }
    let _ = simd;
    dot_i8_body(a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dot_i8_avx2(a: &[i8], b: &[i8]) -> i32 {
    dot_i8_body(a, b)
}

#[inline(always)]
fn dot_i8_body(a: &[i8], b: &[i8]) -> i32 {
    let mut lanes = [0i32; 16];
    let (ca, cb) = (a.chunks_exact(16), b.chunks_exact(16));
    let tail: i32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(&x, &y)| x as i32 * y as i32)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..16 {
            lanes[i] += x[i] as i32 * y[i] as i32;
        }
    }
    lanes.iter().sum::<i32>() + tail
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
        assert_eq!((s.of(0), s.of(1)), ((1.0, 0.0), (0.0, 0.0)));
        let s = index.scores(&unit(2));
        assert_eq!(s.of(0), (0.0, 1.0));
    }

    /// Random unit vectors of `dim` from a fixed xorshift seed.
    fn random_vectors(count: usize, dim: usize, seed: u64) -> Vec<Arc<[f32]>> {
        let mut x = seed;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f32 / (1u64 << 53) as f32 - 0.5
        };
        (0..count)
            .map(|_| {
                let v: Vec<f32> = (0..dim).map(|_| next()).collect();
                let norm = v.iter().map(|a| a * a).sum::<f32>().sqrt();
                v.iter().map(|a| a / norm).collect()
            })
            .collect()
    }

    /// The first pass must not change which entries are nearest nor their cosines:
    /// compared with ranking every entry by exact cosines, over many random questions,
    /// with entries excluded, entries without vectors, and near-duplicate vectors (ties
    /// within the quantisation error).
    #[test]
    fn nearest_entries_are_those_of_an_exact_scan() {
        let dim = 64;
        let base = random_vectors(300, dim, 7);
        let mut vectors = EntryVectors {
            dim,
            ..Default::default()
        };
        let entries: Vec<FaqEntry> = (0..120).map(|i| entry(&format!("e{i}"))).collect();
        for (i, e) in entries.iter().enumerate().skip(1) {
            let mut rows = vec![
                (VectorKind::Question, base[i].clone()),
                (VectorKind::QuestionAnswer, base[i + 120].clone()),
            ];
            if i % 3 == 0 {
                rows.push((
                    VectorKind::Alternative,
                    base[i + 240 - 120 * (i / 60)].clone(),
                ));
            }
            if i % 10 == 5 {
                // Almost the vector of the entry before: cosines within the error bound.
                let near: Vec<f32> = base[i - 1].iter().map(|x| x * 0.9999).collect();
                rows.push((VectorKind::Alternative, near.into()));
            }
            vectors.by_entry.insert(e.id.clone(), rows);
        }
        let index = DenseIndex::build(&entries, &vectors);
        let part = |q: f32, p: f32| {
            let stretch = |c: f32| ((c - 0.1) / 0.5).clamp(0.0, 1.0);
            0.10 * stretch(q) + 0.05 * stretch(p)
        };
        let exact_scan = |query: &[f32]| -> Vec<(f32, f32)> {
            let mut best = vec![(0.0f32, 0.0f32); entries.len()];
            for (row, &(o, is_q)) in index.data.chunks_exact(dim).zip(&index.rows) {
                let c = dot(row, query);
                let slot = if is_q {
                    &mut best[o as usize].0
                } else {
                    &mut best[o as usize].1
                };
                if c > *slot {
                    *slot = c;
                }
            }
            best
        };
        for (k, query) in random_vectors(200, dim, 99).iter().enumerate() {
            // Some questions are an entry's own vector (cosine 1 with it).
            let query: Vec<f32> = if k % 4 == 0 {
                base[k % 120 + 1].to_vec()
            } else {
                query.to_vec()
            };
            let exclude: Vec<u32> = (0..(k % 7) as u32).map(|i| i * 11 + 3).collect();
            let scores = index.scores(&query);
            let truth = exact_scan(&query);
            for o in 0..entries.len() as u32 {
                assert_eq!(scores.of(o), truth[o as usize], "entry {o}");
            }
            let mut expected: Vec<u32> = (0..entries.len() as u32)
                .filter(|o| !exclude.contains(o))
                .collect();
            let of = |o: &u32| part(truth[*o as usize].0, truth[*o as usize].1);
            expected.sort_by(|a, b| of(b).total_cmp(&of(a)).then(a.cmp(b)));
            for n in [1, 5, 20, 200] {
                let got = scores.nearest(n, &exclude, part);
                let want: Vec<u32> = expected.iter().copied().take(n).collect();
                assert_eq!(got, want, "question {k}, n {n}");
            }
        }
    }

    #[test]
    fn a_question_of_another_length_scores_nothing() {
        let mut vectors = EntryVectors {
            dim: 4,
            ..Default::default()
        };
        vectors.by_entry.insert(
            "a".into(),
            vec![(VectorKind::Question, Arc::from(vec![1.0, 0.0, 0.0, 0.0]))],
        );
        let index = DenseIndex::build(&[entry("a")], &vectors);
        let s = index.scores(&[1.0, 0.0]);
        assert_eq!(s.of(0), (0.0, 0.0));
        assert_eq!(s.nearest(1, &[], |q, p| q + p), vec![0]);
    }
}

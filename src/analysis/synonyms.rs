//! The synonym dictionary (表記ゆれ and in-house words).
//!
//! A plain text file an administrator can edit without rebuilding: one group a line,
//! comma-separated, the first word is the canonical form, e.g.
//! `メールアドレス, メアド, メルアド`. Lines starting with `#` are comments. Every variant is
//! rewritten to its canonical form in normalised text, on both the FAQ side and the
//! question side, before segmentation; so multi-word variants (共有フォルダ) work too.

use aho_corasick::{AhoCorasick, MatchKind};

use super::normalize::{is_hiragana, normalize, to_katakana};

/// A compiled synonym dictionary.
#[derive(Clone, Debug)]
pub struct Synonyms {
    matcher: Option<AhoCorasick>,
    canonical: Vec<String>,
    /// Single-word variants by their normalised form, for base forms after segmentation
    /// (固まった is segmented to the base form 固まる, which then maps to フリーズ).
    words: std::collections::HashMap<String, String>,
    /// Per pattern: must it start / end at a word boundary (ASCII and katakana words).
    bounded: Vec<(bool, bool)>,
    groups: usize,
}

/// The groups of a dictionary text: (index of the line, its normalised words), comments
/// and blank lines skipped.
fn lines(text: &str) -> impl Iterator<Item = (usize, Vec<String>)> + '_ {
    text.lines().enumerate().filter_map(|(n, raw)| {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let words = line
            .split([',', '、', '，'])
            .map(|w| normalize(w.trim()).trim().to_string())
            .filter(|w| !w.is_empty())
            .collect();
        Some((n, words))
    })
}

/// A line of the synonym file that cannot be used.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("synonyms line {line}: {reason}")]
pub struct SynonymError {
    pub line: usize,
    pub reason: String,
}

impl Synonyms {
    pub fn empty() -> Self {
        Self::parse("").expect("empty synonyms")
    }

    /// Parses the file format described in the module documentation.
    pub fn parse(text: &str) -> Result<Self, SynonymError> {
        let mut patterns = Vec::new();
        let mut canonical = Vec::new();
        let mut word_map = std::collections::HashMap::new();
        let mut bounded = Vec::new();
        let mut groups = 0;
        for (n, words) in lines(text) {
            if words.len() < 2 {
                return Err(SynonymError {
                    line: n + 1,
                    reason: "a group needs a canonical word and at least one variant".into(),
                });
            }
            groups += 1;
            // The canonical word is a pattern too, mapping to itself, so that a variant
            // inside it (ip in ipアドレス) never fires.
            for variant in &words {
                if patterns.contains(variant) {
                    continue;
                }
                let first = variant.chars().next().map(word_class);
                let last = variant.chars().last().map(word_class);
                bounded.push((
                    first != Some(WordClass::Other),
                    last != Some(WordClass::Other),
                ));
                patterns.push(to_katakana(variant));
                canonical.push(words[0].clone());
                if !variant.contains(' ') {
                    word_map.insert(variant.clone(), words[0].clone());
                }
            }
        }
        let matcher = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&patterns)
                    .map_err(|e| SynonymError {
                        line: 0,
                        reason: e.to_string(),
                    })?,
            )
        };
        Ok(Self {
            matcher,
            canonical,
            words: word_map,
            bounded,
            groups,
        })
    }

    /// Every problem of a dictionary text, with its line: a group without a variant, or a
    /// word already in a group of another canonical word (which the parser would
    /// silently leave in the first). A canonical word may start more than one line.
    /// Empty when [`Synonyms::parse`] would accept the text as meant.
    pub fn check(text: &str) -> Vec<SynonymError> {
        let mut errors = Vec::new();
        // Each word's canonical word and the line that first gave it.
        let mut seen: std::collections::HashMap<String, (String, usize)> = Default::default();
        for (n, words) in lines(text) {
            if words.len() < 2 {
                errors.push(SynonymError {
                    line: n + 1,
                    reason: "a group needs a canonical word and at least one variant".into(),
                });
                continue;
            }
            let canonical = to_katakana(&words[0]);
            for word in &words {
                let (first, at) = seen
                    .entry(to_katakana(word))
                    .or_insert_with(|| (canonical.clone(), n + 1));
                if *first != canonical {
                    errors.push(SynonymError {
                        line: n + 1,
                        reason: format!("「{word}」 is already in another group, on line {at}"),
                    });
                }
            }
        }
        errors
    }

    /// The canonical form of a single word (a base form after segmentation), if it is a
    /// variant in some group.
    pub fn word<'a>(&'a self, base: &'a str) -> &'a str {
        self.words.get(base).map_or(base, String::as_str)
    }

    /// Every (variant, canonical word) pair of the single-word groups.
    pub fn variants(&self) -> impl Iterator<Item = (&str, &str)> {
        self.words.iter().map(|(v, c)| (v.as_str(), c.as_str()))
    }

    /// Number of synonym groups.
    pub fn len(&self) -> usize {
        self.groups
    }

    pub fn is_empty(&self) -> bool {
        self.groups == 0
    }

    /// Rewrites every variant in already-normalised text to its canonical form. Variants
    /// that begin or end with ASCII or katakana only match at a word edge, so `pw` does
    /// not fire inside `pwd`, nor `パスワ` inside `パスワード`.
    pub fn apply(&self, text: &str) -> String {
        let Some(matcher) = &self.matcher else {
            return text.to_string();
        };
        // Matching runs on a kana-folded copy (hiragana as katakana; both are three bytes in
        // UTF-8, so offsets are the same), so めーる and ぱそこん meet メール and パソコン.
        let folded = to_katakana(text);
        let mut out = String::with_capacity(text.len() + 16);
        let mut last = 0;
        for m in matcher.find_iter(&folded) {
            let id = m.pattern().as_usize();
            let (start_bounded, end_bounded) = self.bounded[id];
            let matched = &text[m.start()..m.end()];
            // Two hiragana are too short to be sure they are the word (ぱす in すぱすぱ).
            if matched.chars().any(is_hiragana) && matched.chars().count() < 3 {
                continue;
            }
            // A variant that begins (ends) with katakana or ASCII must not continue a word of
            // the same script in the text.
            let pattern = &folded[m.start()..m.end()];
            if start_bounded {
                let before = text[..m.start()].chars().next_back().map(word_class);
                if before.is_some() && before == pattern.chars().next().map(word_class) {
                    continue;
                }
            }
            if end_bounded {
                let after = text[m.end()..].chars().next().map(word_class);
                if after.is_some() && after == pattern.chars().next_back().map(word_class) {
                    continue;
                }
            }
            if matched == self.canonical[id] {
                continue;
            }
            out.push_str(&text[last..m.start()]);
            // Keep canonical words apart from neighbouring ASCII so tokens stay separate.
            out.push(' ');
            out.push_str(&self.canonical[id]);
            out.push(' ');
            last = m.end();
        }
        out.push_str(&text[last..]);
        out
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum WordClass {
    Ascii,
    Katakana,
    Other,
}

fn word_class(c: char) -> WordClass {
    if c.is_ascii_alphanumeric() {
        WordClass::Ascii
    } else if super::normalize::is_katakana(c) {
        WordClass::Katakana
    } else {
        WordClass::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dict() -> Synonyms {
        Synonyms::parse(
            "# comment\nメールアドレス, メアド, メルアド\nログイン, サインイン\nパスワード, pw, パスワ\nファイルサーバ, 共有フォルダ, 共有フォルダー\n",
        )
        .unwrap()
    }

    #[test]
    fn variants_become_canonical() {
        let s = dict();
        assert_eq!(s.apply("メアド").trim(), "メールアドレス");
        assert!(s
            .apply(&normalize("サインインできない"))
            .contains("ログイン"));
        assert!(s
            .apply(&normalize("共有フォルダー"))
            .contains("ファイルサーバ"));
    }

    #[test]
    fn ascii_variants_match_whole_words_only() {
        let s = dict();
        assert!(s.apply("pw忘れた").contains("パスワード"));
        assert!(!s.apply("pwd").contains("パスワード"));
    }

    #[test]
    fn katakana_variants_do_not_fire_inside_longer_words() {
        let s = dict();
        assert_eq!(s.apply("パスワードを"), "パスワードを");
        assert!(s.apply("パスワを").contains("パスワード"));
    }

    #[test]
    fn hiragana_spellings_meet_katakana_variants() {
        let s = Synonyms::parse("メール, eメール\npdf, ピーディーエフ\n").unwrap();
        assert!(s.apply("めーるがとどかない").contains("メール"));
        assert!(s.apply("ぴーでぃーえふ").contains("pdf"));
        let ip = Synonyms::parse("ipアドレス, ip\n").unwrap();
        assert_eq!(ip.apply("ipアドレス").trim(), "ipアドレス");
    }

    #[test]
    fn a_group_without_variant_is_an_error() {
        let err = Synonyms::parse("ok, fine\nひとつだけ\n").unwrap_err();
        assert_eq!(err.line, 2);
    }

    #[test]
    fn check_names_every_bad_line() {
        let text = "# 辞書\nメール, mail\nひとつだけ\nメイル, メール\nok, fine, オーケー\n";
        let lines: Vec<usize> = Synonyms::check(text).iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4]);
        assert!(Synonyms::check(text)[1].to_string().contains("line 2"));
        assert!(Synonyms::check("メール, mail, mail\nメール, eメール\n").is_empty());
    }

    #[test]
    fn counts_groups() {
        assert_eq!(dict().len(), 4);
        assert!(Synonyms::empty().is_empty());
    }
}

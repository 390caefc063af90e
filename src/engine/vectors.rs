//! Sparse unit vectors, the vocabulary with its idf, and fuzzy lookup of unknown words.

use std::collections::HashMap;

/// Unit kinds, as indexes into per-kind arrays: words, character bigrams, reading bigrams.
pub const WORD: usize = 0;
pub const GRAM: usize = 1;
pub const READING: usize = 2;

/// The kind of a unit from its prefix (`w:`, `g:`, `r:`).
pub fn kind_of(unit: &str) -> usize {
    match unit.as_bytes().first() {
        Some(b'w') => WORD,
        Some(b'g') => GRAM,
        _ => READING,
    }
}

/// A sparse vector of (unit id, weight, kind), sorted by id, with its squared norm per kind.
#[derive(Debug, Clone, Default)]
pub struct UnitVec {
    pub entries: Vec<(u32, f32, u8)>,
    pub norm_sq: [f32; 3],
}

impl UnitVec {
    pub fn new(mut entries: Vec<(u32, f32, u8)>) -> Self {
        entries.sort_by_key(|e| e.0);
        entries.dedup_by_key(|e| e.0);
        let mut norm_sq = [0.0; 3];
        for e in &entries {
            norm_sq[e.2 as usize] += e.1 * e.1;
        }
        Self { entries, norm_sq }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Per kind, the sum of weight products of the units both vectors hold. A unit's
    /// weight is the same in every vector, so this is the matched share of the mass.
    pub fn overlap(&self, other: &UnitVec) -> [f32; 3] {
        let (mut i, mut j) = (0, 0);
        let mut sum = [0.0; 3];
        let (a, b) = (&self.entries, &other.entries);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    sum[a[i].2 as usize] += a[i].1 * b[j].1;
                    i += 1;
                    j += 1;
                }
            }
        }
        sum
    }
}

/// A known word as characters, with its unit.
type SpelledWord = (Vec<char>, String);

/// Unit vocabulary and inverse document frequencies (documents are FAQ entries).
#[derive(Debug, Default)]
pub struct Vocabulary {
    ids: HashMap<String, u32>,
    idf: Vec<f32>,
    unknown_idf: f32,
    common_idf: f32,
    /// Known katakana and ASCII words by (script, character length), for fuzzy lookup of
    /// misspelt words.
    words_by_len: HashMap<(bool, usize), Vec<SpelledWord>>,
    /// Katakana readings of known words with kanji or in katakana (ワスレル -> w:忘れる,
    /// パソコン -> w:パソコン).
    by_reading: HashMap<String, String>,
    /// Known words with kanji or in katakana by their reading, to spell out kana questions.
    pub sounds: super::kana::Sounds,
}

impl Vocabulary {
    /// Builds the vocabulary from the set of units of each FAQ entry.
    pub fn build<'a>(entries: impl Iterator<Item = Vec<&'a str>>) -> Self {
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut df: Vec<u32> = Vec::new();
        let mut n = 0u32;
        for mut units in entries {
            n += 1;
            units.sort_unstable();
            units.dedup();
            for unit in units {
                let next = ids.len() as u32;
                let id = *ids.entry(unit.to_string()).or_insert(next);
                if id as usize == df.len() {
                    df.push(0);
                }
                df[id as usize] += 1;
            }
        }
        let mut words_by_len: HashMap<(bool, usize), Vec<SpelledWord>> = HashMap::new();
        for unit in ids.keys().filter(|u| u.starts_with("w:")) {
            let chars: Vec<char> = unit[2..].chars().collect();
            if let Some(ascii) = fuzzy_script(&chars) {
                let key = (ascii, chars.len());
                words_by_len
                    .entry(key)
                    .or_default()
                    .push((chars, unit.clone()));
            }
        }
        for list in words_by_len.values_mut() {
            list.sort();
        }
        let n = n as f32;
        let idf = df.iter().map(|&d| bm25_idf(n, d as f32)).collect();
        Self {
            ids,
            idf,
            unknown_idf: bm25_idf(n, 0.0),
            common_idf: bm25_idf(n, (n / 8.0).max(8.0)),
            words_by_len,
            by_reading: HashMap::new(),
            sounds: super::kana::Sounds::default(),
        }
    }

    /// Records the readings of the known words that contain kanji, using `reading_of`,
    /// and of the katakana words (their own reading).
    /// When two words read the same (異動 / 移動), the more common one wins, so the
    /// choice does not depend on hash order. `variants` (variant, canonical word) are the
    /// synonym dictionary's words: a variant of a known word (送る for 送信) is spelt too,
    /// as common as its canonical word, so a kana question (おくれない) meets it. Only the
    /// kanji and katakana words are kept as readings ([`Self::word_by_reading`]); the
    /// spelling ([`super::kana::Sounds`]) also knows the hiragana words.
    pub fn learn_readings<'a>(
        &mut self,
        reading_of: impl Fn(&str) -> Option<String>,
        variants: impl Iterator<Item = (&'a str, &'a str)>,
    ) {
        let readable = |word: &str| {
            use crate::analysis::normalize::{is_kanji, is_katakana};
            if word.chars().any(is_kanji) {
                reading_of(word)
            } else if word.chars().all(is_katakana) {
                Some(word.to_string())
            } else {
                None
            }
        };
        // Words the entries write in hiragana (つながる) are spelt as written: a kana
        // question is not moved to a kanji form (繋がる) the entries use less.
        let mut best: HashMap<String, (f32, String)> = HashMap::new();
        let mut hiragana = Vec::new();
        for (unit, &id) in self.ids.iter().filter(|(u, _)| u.starts_with("w:")) {
            let (word, idf) = (&unit[2..], self.idf[id as usize]);
            if let Some(reading) = readable(word) {
                keep_commoner(&mut best, reading, (idf, word.to_string()));
            } else if word.chars().all(crate::analysis::normalize::is_hiragana) {
                let reading = crate::analysis::normalize::to_katakana(word);
                hiragana.push((reading, (idf, word.to_string())));
            }
        }
        let mut spelt = best.clone();
        for (reading, word) in hiragana {
            keep_commoner(&mut spelt, reading, word);
        }
        for (variant, canonical) in variants {
            let (Some(&id), Some(reading)) =
                (self.ids.get(&format!("w:{canonical}")), readable(variant))
            else {
                continue;
            };
            keep_commoner(
                &mut spelt,
                reading,
                (self.idf[id as usize], variant.to_string()),
            );
        }
        // The more common words first: where two verbs lend a stem of the same reading
        // (送る → 送れ, 遅れる → 遅れ), the more common one keeps it.
        let mut by_use: Vec<_> = spelt.into_iter().collect();
        by_use.sort_by(|a, b| a.1 .0.total_cmp(&b.1 .0).then_with(|| a.1 .1.cmp(&b.1 .1)));
        self.sounds = super::kana::Sounds::new(by_use.into_iter().map(|(r, (_, word))| (r, word)));
        self.by_reading = best
            .into_iter()
            .map(|(r, (_, word))| (r, format!("w:{word}")))
            .collect();
    }

    /// The known kanji word a hiragana word reads as (w:わすれる -> w:忘れる).
    pub fn word_by_reading(&self, unit: &str) -> Option<&str> {
        let word = unit.strip_prefix("w:")?;
        if word.chars().count() < 3 || !word.chars().all(crate::analysis::normalize::is_hiragana) {
            return None;
        }
        let reading = crate::analysis::normalize::to_katakana(word);
        self.by_reading.get(&reading).map(String::as_str)
    }

    pub fn id(&self, unit: &str) -> Option<u32> {
        self.ids.get(unit).copied()
    }

    pub fn idf(&self, id: u32) -> f32 {
        self.idf[id as usize]
    }

    /// The idf of a unit that one entry in eight contains: below it, a unit is too
    /// common to help find candidates.
    pub fn common_idf(&self) -> f32 {
        self.common_idf
    }

    /// The idf a unit no FAQ entry contains would have.
    pub fn unknown_idf(&self) -> f32 {
        self.unknown_idf
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// For an unknown katakana or ASCII word of three characters or more, the known word
    /// one edit away (two for seven characters or more), as in パスワート -> パスワード or
    /// zooom -> zoom. Kanji words are left to the reading bigrams.
    pub fn closest_word(&self, unit: &str) -> Option<&str> {
        let word: Vec<char> = unit.strip_prefix("w:")?.chars().collect();
        let ascii = fuzzy_script(&word)?;
        if word.len() < 3 {
            return None;
        }
        let max = if word.len() >= 7 { 2 } else { 1 };
        let mut best: Option<(usize, &str)> = None;
        for len in word.len().saturating_sub(max)..=word.len() + max {
            for (chars, known) in self.words_by_len.get(&(ascii, len)).into_iter().flatten() {
                let d = edit_distance(&word, chars, max);
                if d <= max && best.is_none_or(|(bd, _)| d < bd) {
                    best = Some((d, known.as_str()));
                }
            }
        }
        best.map(|(_, w)| w)
    }
}

/// Whether a word is all ASCII (Some(true)) or all katakana (Some(false)); other words
/// are not corrected by spelling (kanji typos are caught by their readings).
fn fuzzy_script(word: &[char]) -> Option<bool> {
    if word.iter().all(|c| c.is_ascii_alphanumeric()) {
        Some(true)
    } else if word
        .iter()
        .all(|&c| crate::analysis::normalize::is_katakana(c))
    {
        Some(false)
    } else {
        None
    }
}

fn bm25_idf(n: f32, df: f32) -> f32 {
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// Damerau-Levenshtein (optimal string alignment) distance, giving up above `max`.
fn edit_distance(a: &[char], b: &[char], max: usize) -> usize {
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (i, row) in d.chunks_mut(w).enumerate() {
        row[0] = i;
    }
    for (j, cell) in d.iter_mut().take(w).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        let mut row_min = usize::MAX;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return max + 1;
        }
    }
    d[a.len() * w + b.len()]
}

/// Keeps, for a reading, the more common word (lower idf; then the first in order).
fn keep_commoner(
    best: &mut HashMap<String, (f32, String)>,
    reading: String,
    candidate: (f32, String),
) {
    match best.get(&reading) {
        Some(current) if (current.0, &current.1) <= (candidate.0, &candidate.1) => {}
        _ => {
            best.insert(reading, candidate);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_sums_shared_weights_per_kind() {
        let a = UnitVec::new(vec![(1, 2.0, 0), (3, 1.0, 1), (5, 1.0, 2)]);
        let b = UnitVec::new(vec![(3, 1.0, 1), (4, 9.0, 0), (5, 1.0, 2)]);
        assert_eq!(a.overlap(&b), [0.0, 1.0, 1.0]);
        assert_eq!(a.norm_sq, [4.0, 1.0, 1.0]);
    }

    #[test]
    fn rare_units_weigh_more() {
        let v = Vocabulary::build(
            vec![vec!["w:a", "w:b"], vec!["w:a"], vec!["w:a", "w:c"]].into_iter(),
        );
        let common = v.idf(v.id("w:a").unwrap());
        let rare = v.idf(v.id("w:b").unwrap());
        assert!(rare > common);
        assert!(v.unknown_idf() > rare);
    }

    #[test]
    fn misspelt_katakana_and_ascii_words_find_the_known_word() {
        let v = Vocabulary::build(
            vec![vec!["w:パスワード", "w:zoom", "w:teams", "w:印刷"]].into_iter(),
        );
        assert_eq!(v.closest_word("w:パスワート"), Some("w:パスワード"));
        assert_eq!(v.closest_word("w:zooom"), Some("w:zoom"));
        assert_eq!(v.closest_word("w:temas"), Some("w:teams"));
        assert_eq!(v.closest_word("w:印冊"), None);
        assert_eq!(v.closest_word("w:ab"), None);
        assert_eq!(v.closest_word("w:まったく別"), None);
    }

    #[test]
    fn kana_questions_are_spelt_with_the_known_words_their_synonyms_and_hiragana_words() {
        let mut v = Vocabulary::build(
            vec![
                vec!["w:送信", "w:印刷", "w:つながる"],
                vec!["w:送信", "w:繋がる"],
                vec!["w:つながる"],
            ]
            .into_iter(),
        );
        let readings = |word: &str| match word {
            "送信" => Some("ソウシン".to_string()),
            "送る" => Some("オクル".to_string()),
            "印刷" => Some("インサツ".to_string()),
            "繋がる" => Some("ツナガル".to_string()),
            _ => None,
        };
        v.learn_readings(readings, [("送る", "送信"), ("届く", "不明")].into_iter());
        // A synonym's variant of a known word is spelt (and then read as its canonical
        // word by the analyser); the entries' own hiragana spelling, commoner here, wins
        // over the kanji one.
        assert_eq!(
            v.sounds.spell_out("いんさつがおくれない").as_deref(),
            Some("印刷が送れない")
        );
        assert_eq!(v.sounds.spell_out("つながらない"), None);
        // Readings lead hiragana words to known kanji words only.
        assert_eq!(v.word_by_reading("w:いんさつ"), Some("w:印刷"));
        assert_eq!(v.word_by_reading("w:つながる"), Some("w:繋がる"));
        assert_eq!(
            v.word_by_reading("w:おくる"),
            None,
            "a variant is not a unit"
        );
    }

    #[test]
    fn edit_distance_counts_transpositions_once() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(edit_distance(&c("teams"), &c("temas"), 2), 1);
        assert_eq!(edit_distance(&c("abc"), &c("abc"), 1), 0);
        assert!(edit_distance(&c("abcdef"), &c("uvwxyz"), 1) > 1);
    }
}

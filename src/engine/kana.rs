//! Kana questions spelt back in the knowledge base's own words. A question typed all in
//! hiragana (じょうみゃくにんしょうのとうろく) shares no character with its entry and
//! means little to the sentence encoder; read against the katakana readings of the words
//! the entries use, it becomes 静脈認証のとうろく → 静脈認証の登録, which both sides
//! understand. Katakana typed beside hiragana (パスワードわすれた) is read too, from the
//! start of each hiragana run only. Only the index's own vocabulary is used, so a city's
//! entries bring their own words.

use std::collections::HashMap;

use crate::analysis::mostly_kana;
use crate::analysis::normalize::{is_hiragana, is_katakana, to_katakana};

/// All kana, with at least [`MIN_READING`] hiragana (ﾊﾟｽﾜｰﾄﾞわすれた after normalising):
/// katakana words typed beside a hiragana spelling of the rest.
fn kana_with_hiragana(text: &str) -> bool {
    let letters = text.chars().filter(|c| c.is_alphanumeric());
    let mut hiragana = 0;
    for c in letters {
        if is_hiragana(c) {
            hiragana += 1;
        } else if !is_katakana(c) {
            return false;
        }
    }
    hiragana >= MIN_READING
}

/// Readings shorter than this are not matched: two kana (かい, いく) read as too many
/// words to guess from.
const MIN_READING: usize = 3;

/// How well a span is spelt out: kana covered by known words, and minus the words used
/// (more kana first, then fewer words).
type Cover = (usize, isize);

/// Known words by their katakana reading.
#[derive(Debug, Default)]
pub struct Sounds {
    words: HashMap<Vec<char>, String>,
    longest: usize,
}

impl Sounds {
    /// From (reading, word) pairs, one word a reading.
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut words = HashMap::new();
        let mut longest = 0;
        for (reading, word) in pairs {
            let reading: Vec<char> = reading.chars().collect();
            if reading.len() < MIN_READING {
                continue;
            }
            longest = longest.max(reading.len());
            words.insert(reading, word);
        }
        Self { words, longest }
    }

    /// The text with the known words its kana spell written as the knowledge base writes
    /// them, or `None` when the text is not a kana question or nothing was found. The
    /// spans are chosen to cover as many kana as possible with as few words as possible.
    pub fn spell_out(&self, text: &str) -> Option<String> {
        if self.words.is_empty() {
            return None;
        }
        if !mostly_kana(text) {
            return kana_with_hiragana(text)
                .then(|| self.spell_run_starts(text))
                .flatten();
        }
        let chars: Vec<char> = text.chars().collect();
        let sound: Vec<char> = to_katakana(text).chars().collect();
        let n = chars.len();
        // best[i]: (kana covered, -words used) for chars[i..], and the word taken at i.
        let mut best: Vec<(Cover, Option<(usize, &str)>)> = vec![((0, 0), None); n + 1];
        for i in (0..n).rev() {
            let mut here = (best[i + 1].0, None);
            for len in MIN_READING..=self.longest.min(n - i) {
                if let Some(word) = self.words.get(&sound[i..i + len]) {
                    let (covered, used) = best[i + len].0;
                    let option = (covered + len, used - 1);
                    if option > here.0 {
                        here = (option, Some((len, word.as_str())));
                    }
                }
            }
            best[i] = here;
        }
        let mut out = String::with_capacity(text.len());
        let mut changed = false;
        let mut i = 0;
        while i < n {
            match best[i].1 {
                Some((len, word)) => {
                    changed |= chars[i..i + len].iter().collect::<String>() != word;
                    out.push_str(word);
                    i += len;
                }
                None => {
                    out.push(chars[i]);
                    i += 1;
                }
            }
        }
        changed.then_some(out)
    }

    /// Katakana words typed beside hiragana (ﾊﾟｽﾜｰﾄﾞわすれた, normalised): each hiragana
    /// run is read only from its start, as the longest known word there (わすれた → 忘れた),
    /// so that kana inside a run are never taken for a word they merely sound like
    /// (ダウンロードできない does not become ダウンロードで機内).
    fn spell_run_starts(&self, text: &str) -> Option<String> {
        let chars: Vec<char> = text.chars().collect();
        let mut out = String::with_capacity(text.len());
        let mut changed = false;
        let mut i = 0;
        while i < chars.len() {
            if !is_hiragana(chars[i]) {
                out.push(chars[i]);
                i += 1;
                continue;
            }
            let end = (i..chars.len())
                .find(|&j| !is_hiragana(chars[j]))
                .unwrap_or(chars.len());
            let run: String = chars[i..end].iter().collect();
            let sound: Vec<char> = to_katakana(&run).chars().collect();
            let known = (MIN_READING..=self.longest.min(sound.len()))
                .rev()
                .find_map(|len| self.words.get(&sound[..len]).map(|word| (len, word)));
            let mut rest = i;
            if let Some((len, word)) = known {
                out.push_str(word);
                changed = true;
                rest = i + len;
            }
            out.extend(&chars[rest..end]);
            i = end;
        }
        changed.then_some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sounds() -> Sounds {
        Sounds::new(
            [
                ("ジョウミャク", "静脈"),
                ("ニンショウ", "認証"),
                ("トウロク", "登録"),
                ("パソコン", "パソコン"),
                ("カイ", "会"),
                ("ワスレ", "忘れ"),
                ("キナイ", "機内"),
                ("パスワード", "パスワード"),
            ]
            .map(|(r, w)| (r.to_string(), w.to_string())),
        )
    }

    #[test]
    fn a_hiragana_question_is_spelt_in_the_entries_words() {
        let s = sounds();
        assert_eq!(
            s.spell_out("じょうみゃくにんしょうのとうろく").as_deref(),
            Some("静脈認証の登録")
        );
        assert_eq!(
            s.spell_out("ぱそこんがかいしゃで").as_deref(),
            Some("パソコンがかいしゃで"),
            "two-kana readings are not guessed"
        );
    }

    #[test]
    fn katakana_beside_hiragana_is_read_from_the_start_of_each_hiragana_run() {
        let s = sounds();
        assert_eq!(
            s.spell_out("パスワードわすれた").as_deref(),
            Some("パスワード忘れた")
        );
        assert_eq!(
            s.spell_out("ダウンロードできない"),
            None,
            "きない inside できない is not 機内"
        );
        assert_eq!(
            s.spell_out("パスワードを"),
            None,
            "too few hiragana to read"
        );
    }

    #[test]
    fn other_questions_are_left_alone() {
        let s = sounds();
        assert_eq!(s.spell_out("静脈認証のとうろく"), None, "has kanji");
        assert_eq!(
            s.spell_out("パソコンがうごかない"),
            None,
            "no word starts its kana"
        );
        assert_eq!(s.spell_out("なにもしらないことば"), None, "no known word");
        assert_eq!(Sounds::default().spell_out("とうろく"), None);
    }
}

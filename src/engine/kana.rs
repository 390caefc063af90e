//! Kana questions spelt back in the knowledge base's own words. A question typed all in
//! hiragana (じょうみゃくにんしょうのとうろく) shares no character with its entry and
//! means little to the sentence encoder; read against the katakana readings of the words
//! the entries use, it becomes 静脈認証のとうろく → 静脈認証の登録, which both sides
//! understand. Verbs are read in the form they were typed in (うごかない → 動かない, from
//! 動く), and helping verbs are kept whole (できない), so that no word is read inside
//! them. Katakana typed beside hiragana (パスワードわすれた) is read too, from the start of
//! each hiragana run only (or past a particle opening it). Only the index's own vocabulary
//! (and the synonym dictionary's variants of it) is used, so a city's entries bring their
//! own words.

use std::collections::HashMap;

use crate::analysis::mostly_kana;
use crate::analysis::normalize::{is_hiragana, is_katakana, to_hiragana, to_katakana};

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

/// Particles that may open a hiragana run after a katakana word (パソコンが…, メールを…, メールの…),
/// read past when no known word starts the run. で is not one of them: できない, でんげん
/// start with it, and キナイ read after it would be 機内.
const OPENING_PARTICLES: [char; 6] = ['が', 'を', 'は', 'も', 'に', 'の'];

/// The helping verbs and endings every kana question is written with, kept as they are
/// typed so that no word is read inside them (いんさつできない is 印刷できない, not
/// 印刷で機内; ろぐいんできません is not ログインで切ません). Grammar, not vocabulary: a
/// helping verb wins over an entry's word that sounds the same (ほぞんしないで is 保存しないで,
/// not 保存市内で; どうしよう is not どう使用), since in a question typed in kana the
/// helping verb is by far the likelier reading.
const GRAMMAR: [&str; 45] = [
    "できない",
    "できません",
    "できなかった",
    "できます",
    "できました",
    "できる",
    "できた",
    "できて",
    "しない",
    "しないで",
    "しなかった",
    "しません",
    "します",
    "しました",
    "したい",
    "したら",
    "しても",
    "している",
    "しています",
    "しよう",
    "しましょう",
    "しちゃった",
    "しちゃう",
    "しちゃいました",
    "してしまった",
    "してしまいました",
    "される",
    "された",
    "されない",
    "すると",
    "ください",
    "ありません",
    "あります",
    "いません",
    "います",
    "なりません",
    "なります",
    "なった",
    "なって",
    "なくなった",
    "なくなりました",
    "しまった",
    "しまいました",
    "ちゃった",
    "じゃった",
];

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
    /// From (reading, word) pairs, one word a reading, the more common words first. A verb
    /// also lends its inflected forms ([`verb_forms`]: 動く → 動かない, 動か; 忘れる →
    /// 忘れた), so that a kana question (うごかない) is read in the form it was typed in; a
    /// word of its own reading wins over a form, and of two verbs' forms the first verb's.
    /// A helping verb ([`GRAMMAR`]) wins over both.
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut forms = Vec::new();
        // Helping verbs first: they win over a word or a form that sounds the same.
        let mut words: HashMap<Vec<char>, String> = GRAMMAR
            .iter()
            .map(|w| (to_katakana(w).chars().collect(), w.to_string()))
            .collect();
        for (reading, word) in pairs {
            let reading: Vec<char> = reading.chars().collect();
            forms.extend(verb_forms(&reading, &word));
            words.entry(reading).or_insert(word);
        }
        for (reading, word) in forms {
            words.entry(reading).or_insert(word);
        }
        words.retain(|reading, _| reading.len() >= MIN_READING);
        let longest = words.keys().map(Vec::len).max().unwrap_or(0);
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
            // A word at the run's start; else one after a particle that opens it
            // (パソコンがうごかない: が, then 動かない).
            let read = |from: usize| {
                (MIN_READING..=self.longest.min(sound.len() - from))
                    .rev()
                    .find_map(|len| {
                        self.words
                            .get(&sound[from..from + len])
                            .map(|w| (from, len, w))
                    })
            };
            let known = read(0).or_else(|| {
                (sound.len() > MIN_READING && OPENING_PARTICLES.contains(&chars[i]))
                    .then(|| read(1))
                    .flatten()
            });
            let mut rest = i;
            if let Some((from, len, word)) = known {
                out.extend(&chars[i..i + from]);
                out.push_str(word);
                changed |= chars[i + from..i + from + len].iter().collect::<String>() != *word;
                rest = i + from + len;
            }
            out.extend(&chars[rest..end]);
            i = end;
        }
        changed.then_some(out)
    }
}

/// The forms a verb's kana questions are typed in, by its reading and its written form
/// (ウゴク 動く → ウゴカナイ 動かない, ウゴキマセン 動きません, ウゴイタ 動いた, and the bare
/// stems 動か, 動き, 動け, 動こ for what follows them): the godan forms of its last kana,
/// and for a verb in る the ichidan ones too (忘れる → 忘れた, 忘れ). The whole forms
/// cover more kana than a word that merely sounds like their tail (うごかない is not
/// うご課内). A hiragana verb (できる) lends its forms as written, so できない stays one
/// word. Words that do not end in the kana their reading ends in give none.
fn verb_forms(reading: &[char], word: &str) -> Vec<(Vec<char>, String)> {
    // Last kana: the a-, i-, e- and o-stems, then the te- and ta-forms.
    const GODAN: [(char, [&str; 6]); 9] = [
        ('ウ', ["ワ", "イ", "エ", "オ", "ッテ", "ッタ"]),
        ('ク', ["カ", "キ", "ケ", "コ", "イテ", "イタ"]),
        ('グ', ["ガ", "ギ", "ゲ", "ゴ", "イデ", "イダ"]),
        ('ス', ["サ", "シ", "セ", "ソ", "シテ", "シタ"]),
        ('ツ', ["タ", "チ", "テ", "ト", "ッテ", "ッタ"]),
        ('ヌ', ["ナ", "ニ", "ネ", "ノ", "ンデ", "ンダ"]),
        ('ブ', ["バ", "ビ", "ベ", "ボ", "ンデ", "ンダ"]),
        ('ム', ["マ", "ミ", "メ", "モ", "ンデ", "ンダ"]),
        ('ル', ["ラ", "リ", "レ", "ロ", "ッテ", "ッタ"]),
    ];
    const NEGATIVE: [&str; 2] = ["ナイ", "ナカッタ"];
    const POLITE: [&str; 4] = ["マス", "マセン", "マシタ", "タイ"];
    let (Some(&last), Some(written)) = (reading.last(), word.chars().last()) else {
        return Vec::new();
    };
    if !is_hiragana(written) || to_katakana(&written.to_string()) != last.to_string() {
        return Vec::new();
    }
    let stem_reading = &reading[..reading.len() - 1];
    let stem_word = &word[..word.len() - written.len_utf8()];
    let mut endings: Vec<String> = Vec::new();
    if let Some((_, [a, i, e, o, te, ta])) = GODAN.iter().find(|(end, _)| *end == last) {
        endings.extend([a, i, e, o, te, ta].map(|s| s.to_string()));
        endings.extend(NEGATIVE.map(|n| format!("{a}{n}")));
        endings.extend(POLITE.map(|p| format!("{i}{p}")));
        // The potential: 送れない, 送れる, 送れません.
        endings.extend(["ナイ", "ル", "マセン"].map(|x| format!("{e}{x}")));
    }
    if last == 'ル' {
        endings.push(String::new());
        endings.extend(NEGATIVE.iter().chain(&POLITE).map(|x| x.to_string()));
        endings.extend(["テ", "タ", "ラレナイ"].map(String::from));
    }
    // The colloquial perfective from the ta-form: 消した → 消しちゃった, 読んだ →
    // 読んじゃった, 送った → 送っちゃった (and ちゃう, じゃう); for a verb in る also the
    // ichidan one (閉じる → 閉じちゃった).
    if let Some((_, [.., ta])) = GODAN.iter().find(|(end, _)| *end == last) {
        let (stem, cha) = match ta.strip_suffix('ダ') {
            Some(stem) => (stem, "ジャ"),
            None => (ta.strip_suffix('タ').unwrap_or(ta), "チャ"),
        };
        endings.extend([format!("{stem}{cha}ッタ"), format!("{stem}{cha}ウ")]);
        if last == 'ル' {
            endings.extend(["チャッタ", "チャウ"].map(String::from));
        }
    }
    endings
        .into_iter()
        .map(|ending| {
            let mut r = stem_reading.to_vec();
            r.extend(ending.chars());
            (r, format!("{stem_word}{}", to_hiragana(&ending)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(r, w)| (r.to_string(), w.to_string()))
            .collect()
    }

    fn sounds() -> Sounds {
        Sounds::new(pairs(&[
            ("ジョウミャク", "静脈"),
            ("ニンショウ", "認証"),
            ("トウロク", "登録"),
            ("パソコン", "パソコン"),
            ("カイ", "会"),
            ("ワスレル", "忘れる"),
            ("キナイ", "機内"),
            ("カナイ", "課内"),
            ("ウゴク", "動く"),
            ("パスワード", "パスワード"),
        ]))
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
    fn verbs_are_read_in_the_form_they_were_typed_in() {
        let s = sounds();
        assert_eq!(
            s.spell_out("ぱそこんがうごかない").as_deref(),
            Some("パソコンが動かない"),
            "not うご課内"
        );
        assert_eq!(
            s.spell_out("ぱすわーどをわすれました").as_deref(),
            Some("パスワードを忘れました")
        );
        assert_eq!(
            s.spell_out("とうろくできない").as_deref(),
            Some("登録できない"),
            "できない is kept whole, not で機内"
        );
    }

    #[test]
    fn of_two_verbs_that_sound_alike_the_first_given_lends_its_forms() {
        let both = [("オクル", "送る"), ("オクレル", "遅れる")];
        let s = Sounds::new(pairs(&both));
        assert_eq!(
            s.spell_out("めーるがおくれない").as_deref(),
            Some("めーるが送れない")
        );
        let s = Sounds::new(pairs(&both).into_iter().rev());
        assert_eq!(
            s.spell_out("めーるがおくれない").as_deref(),
            Some("めーるが遅れない")
        );
        let s = Sounds::new(pairs(&[("オクレ", "遅れ"), ("オクル", "送る")]));
        assert_eq!(
            s.spell_out("おくれ").as_deref(),
            Some("遅れ"),
            "a word of its own reading wins over a form"
        );
    }

    #[test]
    fn verb_forms_follow_the_last_kana() {
        let forms = |reading: &str, word: &str| -> Vec<String> {
            let reading: Vec<char> = reading.chars().collect();
            verb_forms(&reading, word)
                .into_iter()
                .map(|(_, w)| w)
                .collect()
        };
        let move_ = forms("ウゴク", "動く");
        for form in [
            "動かない",
            "動きません",
            "動いた",
            "動けない",
            "動か",
            "動いちゃった",
        ] {
            assert!(move_.contains(&form.to_string()), "{form}: {move_:?}");
        }
        let forget = forms("ワスレル", "忘れる");
        for form in ["忘れた", "忘れ", "忘れない", "忘れました", "忘れちゃった"]
        {
            assert!(forget.contains(&form.to_string()), "{form}: {forget:?}");
        }
        assert!(forms("パソコン", "パソコン").is_empty());
        assert!(forms("ニンショウ", "認証").is_empty());
        assert!(
            forms("ウゴク", "動").is_empty(),
            "the written word must end in the kana its reading ends in"
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
            "きない inside できない is not 機内, and で is not read past"
        );
        assert_eq!(
            s.spell_out("ノートパソコンがうごかない").as_deref(),
            Some("ノートパソコンが動かない"),
            "read past the particle that opens the run"
        );
        assert_eq!(
            s.spell_out("ノートパソコンでうごかない"),
            None,
            "で is not read past"
        );
        assert_eq!(
            s.spell_out("パスワードを"),
            None,
            "too few hiragana to read"
        );
    }

    #[test]
    fn a_helping_verb_wins_over_a_word_that_sounds_the_same() {
        let s = Sounds::new(pairs(&[
            ("ホゾン", "保存"),
            ("シナイ", "市内"),
            ("シヨウ", "使用"),
            ("ソウシン", "送信"),
            ("トジル", "閉じる"),
            ("ケス", "消す"),
        ]));
        assert_eq!(
            s.spell_out("ほぞんしないでとじちゃった").as_deref(),
            Some("保存しないで閉じちゃった"),
            "not 保存市内で, and 閉じる in its colloquial perfective"
        );
        assert_eq!(
            s.spell_out("そうしんしちゃった どうしよう").as_deref(),
            Some("送信しちゃった どうしよう"),
            "not どう使用"
        );
        assert_eq!(s.spell_out("けしちゃった").as_deref(), Some("消しちゃった"));
    }

    #[test]
    fn other_questions_are_left_alone() {
        let s = sounds();
        assert_eq!(s.spell_out("静脈認証のとうろく"), None, "has kanji");
        assert_eq!(s.spell_out("なにもしらないことば"), None, "no known word");
        assert_eq!(Sounds::default().spell_out("とうろく"), None);
    }
}

//! Segmentation with lindera and the choice of content words.

use std::borrow::Cow;
use std::cell::RefCell;

use lindera::segmenter::Segmenter;
use lindera_dictionary::viterbi::Lattice;

use super::normalize::{is_hiragana, is_katakana, to_katakana};

/// A content word: its base form, its surface in the text and its katakana reading.
#[derive(Debug, Clone)]
pub(crate) struct ContentToken {
    pub base: String,
    pub surface: String,
    pub reading: Option<String>,
}

/// Verbs, nouns and adjectives that carry no meaning in a helpdesk question
/// (「〜できません」「〜してください」「〜方法を教えて」).
const STOP_WORDS: &[&str] = &[
    "する",
    "できる",
    "ある",
    "いる",
    "なる",
    "いう",
    "やる",
    "くる",
    "来る",
    "いく",
    "おる",
    "もらう",
    "くれる",
    "いただく",
    "くださる",
    "ください",
    "下さる",
    "思う",
    "教える",
    "知る",
    "わかる",
    "分かる",
    "困る",
    "方法",
    "仕方",
    "やり方",
    "方",
    "こと",
    "もの",
    "よう",
    "ため",
    "場合",
    "件",
    "感じ",
    "ところ",
    "とき",
    "時",
    "何",
    "なに",
    "どう",
    "どこ",
    "いつ",
    "誰",
    "お願い",
    "願う",
    "さん",
    "様",
    "ちゃん",
    "みたい",
    "的",
    "ない",
    "なし",
    "いい",
    "よい",
    "良い",
    "ほしい",
    "欲しい",
    "たい",
    "です",
    "ます",
    "の",
    "ん",
    "それ",
    "これ",
    "あれ",
];

/// Segments normalised text and keeps its content words.
pub(crate) fn content_tokens(segmenter: &Segmenter, text: &str) -> Vec<ContentToken> {
    thread_local! {
        // The lattice is large; reusing it per thread saves most of segmentation's allocations.
        static LATTICE: RefCell<Lattice> = RefCell::new(Lattice::default());
    }
    LATTICE.with_borrow_mut(|lattice| {
        let Ok(mut tokens) = segmenter.segment_with_lattice(Cow::Borrowed(text), lattice) else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(tokens.len());
        for token in tokens.iter_mut() {
            if let Some(t) = content_token(token) {
                out.push(t);
            }
        }
        out
    })
}

/// The concatenated readings of every token of `text`, or None if one has none.
pub(crate) fn reading(segmenter: &Segmenter, text: &str) -> Option<String> {
    let mut tokens = segmenter.segment(Cow::Borrowed(text)).ok()?;
    let mut out = String::new();
    for token in tokens.iter_mut() {
        let r = token
            .get_detail(7)
            .filter(|r| *r != "*" && r.chars().all(is_katakana))?;
        out.push_str(r);
    }
    (!out.is_empty()).then_some(out)
}

fn content_token(token: &mut lindera::token::Token) -> Option<ContentToken> {
    let surface = token.surface.trim().to_string();
    if surface.is_empty() || !surface.chars().any(char::is_alphanumeric) {
        return None;
    }
    let pos = token.get_detail(0).unwrap_or("UNK").to_string();
    let sub = token.get_detail(1).unwrap_or("*");
    if !is_content(&pos, sub) {
        return None;
    }
    let base = match token.get_detail(6) {
        Some(b) if b != "*" && !b.is_empty() => b.to_string(),
        _ => surface.clone(),
    };
    if STOP_WORDS.contains(&base.as_str()) {
        return None;
    }
    let reading = match token.get_detail(7) {
        Some(r) if r != "*" && r.chars().all(is_katakana) => Some(r.to_string()),
        _ if surface.chars().all(|c| is_katakana(c) || is_hiragana(c)) => {
            Some(to_katakana(&surface))
        }
        _ => None,
    };
    Some(ContentToken {
        base,
        surface,
        reading,
    })
}

fn is_content(pos: &str, sub: &str) -> bool {
    match pos {
        "名詞" => !matches!(sub, "非自立" | "代名詞" | "特殊" | "接続詞的" | "副詞可能"),
        "動詞" | "形容詞" => sub == "自立",
        "UNK" => true,
        _ => false,
    }
}

//! Messages that carry no question: a number, a lone kana, punctuation, emoji. They never
//! get an FAQ answer (「2」 once matched 「2画面にしたい」). And the few ways staff ask how
//! their ticket is doing: 「まだですか」「どうなりましたか」.

use crate::analysis::normalize;

/// True when `text` has no content word: once normalised, nothing but digits,
/// punctuation, symbols and whitespace, or a single kana.
pub fn is_content_free(text: &str) -> bool {
    let normalized = normalize::normalize(text);
    let letters: Vec<char> = normalized
        .chars()
        .filter(|c| c.is_alphanumeric() && !c.is_numeric())
        .collect();
    match letters.as_slice() {
        [] => true,
        [c] => is_kana(*c),
        _ => false,
    }
}

fn is_kana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{309F}' | '\u{30A0}'..='\u{30FF}')
}

/// How staff ask after their ticket. Matched on the text without punctuation and
/// politeness, so 「まだですか？」「どうなりましたでしょうか」 count too.
const STATUS_QUESTIONS: &[&str] = &[
    "まだ",
    "まだか",
    "まだかな",
    "まだですか",
    "まだでしょうか",
    "まだかかりますか",
    "どうなりましたか",
    "どうなりました",
    "どうなった",
    "どうなっていますか",
    "どうなってますか",
    "どうなってる",
    "どうなりましたでしょうか",
    "進捗は",
    "進捗",
    "進捗どうですか",
    "状況は",
    "状況を教えて",
    "対応状況",
    "対応状況は",
    "対応状況を教えて",
    "いつ頃になりますか",
    "いつごろになりますか",
    "いつになりますか",
    "返事まだ",
    "返事はまだですか",
    "連絡まだ",
    "連絡はまだですか",
    "回答はまだですか",
];

/// True when `text` asks how the staff member's ticket is doing.
pub fn asks_about_ticket(text: &str) -> bool {
    let mut folded = normalize::normalize(text);
    folded.retain(|c| c.is_alphanumeric());
    for ending in ["ください", "下さい", "ね", "よ"] {
        if folded.len() > ending.len() && folded.ends_with(ending) {
            folded.truncate(folded.len() - ending.len());
        }
    }
    STATUS_QUESTIONS.iter().any(|q| {
        let mut q = normalize::normalize(q);
        q.retain(|c| c.is_alphanumeric());
        q == folded
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_lone_kana_and_punctuation_are_content_free() {
        for text in [
            "2",
            "12",
            "２",
            "あ",
            "ア",
            "ｱ",
            "？",
            "?!",
            "。。。",
            " ",
            "👍",
            "3.",
            "ー",
        ] {
            assert!(is_content_free(text), "{text}");
        }
        for text in [
            "PC",
            "VPN",
            "印刷",
            "パスワード忘れた",
            "2画面にしたい",
            "ああ、メールが送れない",
        ] {
            assert!(!is_content_free(text), "{text}");
        }
    }

    #[test]
    fn status_questions_are_recognised_and_questions_are_not() {
        for text in [
            "まだですか",
            "まだですか？",
            "どうなりましたか",
            "どうなりましたか。",
            "進捗は？",
        ] {
            assert!(asks_about_ticket(text), "{text}");
        }
        for text in [
            "まだパスワードが変えられない",
            "VPNがどうなったか分からない",
            "はい",
        ] {
            assert!(!asks_about_ticket(text), "{text}");
        }
    }
}

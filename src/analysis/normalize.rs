//! Character-level normalisation of what staff type, before segmentation.
//!
//! Everything here is applied identically to FAQ text at index time and to questions at
//! ask time, so that both meet in the same form.

use unicode_normalization::UnicodeNormalization;

/// Questions longer than this (in characters) are cut before analysis. Nobody types a
/// helpdesk question of more than a few sentences; the cut keeps every request fast.
pub const MAX_QUESTION_CHARS: usize = 400;

/// Normalises text: NFKC (half-width katakana to full-width, full-width letters and digits
/// to ASCII), lower case, control characters to spaces, hyphen-like marks after katakana to
/// the long-vowel mark, and the trailing long vowel of katakana words dropped
/// (プリンター -> プリンタ, サーバー -> サーバ).
pub fn normalize(text: &str) -> String {
    let mut chars: Vec<char> = Vec::with_capacity(text.len());
    for c in text.nfkc() {
        let c = if c.is_control() || is_invisible(c) {
            ' '
        } else {
            c
        };
        for lower in c.to_lowercase() {
            chars.push(lower);
        }
    }
    // Hyphens typed in place of the long-vowel mark: プリンタ- / プリンタ－ / ｰ.
    for i in 1..chars.len() {
        if is_dash(chars[i]) && is_katakana(chars[i - 1]) {
            chars[i] = 'ー';
        }
    }
    drop_trailing_long_vowels(&chars)
}

/// Cuts text to [`MAX_QUESTION_CHARS`] characters, on a character boundary.
pub fn cut(text: &str) -> &str {
    match text.char_indices().nth(MAX_QUESTION_CHARS) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// Hiragana to katakana; everything else unchanged.
pub fn to_katakana(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'ぁ'..='ゖ' | 'ゝ' | 'ゞ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Katakana to hiragana; everything else unchanged.
pub fn to_hiragana(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'ァ'..='ヶ' | 'ヽ' | 'ヾ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            _ => c,
        })
        .collect()
}

pub fn is_katakana(c: char) -> bool {
    matches!(c, 'ァ'..='ヺ' | 'ー' | 'ヽ' | 'ヾ')
}

pub fn is_hiragana(c: char) -> bool {
    matches!(c, 'ぁ'..='ゖ' | 'ゝ' | 'ゞ')
}

pub fn is_kanji(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '々' | '〆' | 'ヶ')
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '‐' | '‑' | '–' | '—' | '―' | '−' | '~' | '〜')
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}')
}

/// Drops the final 'ー' of katakana runs of four or more characters, as JIS Z 8301 and
/// most Japanese search engines do, so that プリンター and プリンタ meet.
fn drop_trailing_long_vowels(chars: &[char]) -> String {
    let mut out = String::with_capacity(chars.len() * 3);
    let mut i = 0;
    while i < chars.len() {
        if is_katakana(chars[i]) {
            let start = i;
            while i < chars.len() && is_katakana(chars[i]) {
                i += 1;
            }
            let run = &chars[start..i];
            let keep = if run.len() >= 4 && run[run.len() - 1] == 'ー' {
                &run[..run.len() - 1]
            } else {
                run
            };
            out.extend(keep);
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_width_katakana_becomes_full_width() {
        assert_eq!(normalize("ﾊﾟｽﾜｰﾄﾞ"), "パスワード");
    }

    #[test]
    fn full_width_letters_become_lower_ascii() {
        assert_eq!(normalize("ＶＰＮ"), "vpn");
        assert_eq!(normalize("TEAMS"), normalize("teams"));
    }

    #[test]
    fn long_vowel_variants_meet() {
        assert_eq!(normalize("プリンター"), normalize("プリンタ"));
        assert_eq!(normalize("サーバー"), "サーバ");
        assert_eq!(normalize("プリンタ-が"), "プリンタが");
        // Short words keep their long vowel: データ is not デタ.
        assert_eq!(normalize("データ"), "データ");
    }

    #[test]
    fn control_characters_become_spaces() {
        assert_eq!(normalize("a\u{0}b\u{7}c\u{200B}d"), "a b c d");
    }

    #[test]
    fn cut_keeps_character_boundaries() {
        let long = "あ".repeat(MAX_QUESTION_CHARS + 10);
        assert_eq!(cut(&long).chars().count(), MAX_QUESTION_CHARS);
        assert_eq!(cut("短い"), "短い");
    }

    #[test]
    fn hiragana_to_katakana() {
        assert_eq!(to_katakana("ぱすわーど"), "パスワード");
    }
}

//! Text files as Excel reads and writes them: UTF-8 with a byte-order mark, or Shift_JIS.
//!
//! Shift_JIS here is Windows' CP932 (Microsoft's Shift_JIS with the NEC and IBM
//! extensions: ①, Ⅰ, ㈱, ～, －), which is what Excel on a Japanese Windows saves as
//! "CSV (コンマ区切り)"; `encoding_rs::SHIFT_JIS` is the WHATWG encoding of that name,
//! which is CP932.
//!
//! A few characters have two Unicode forms in Japanese text, a JIS one (typed on a Mac,
//! common on the web) and a CP932 one (typed on Windows): 〜 and ～, − and －, and so on.
//! CP932 holds only the second; text is written with it, as Windows itself does
//! ([`to_cp932_forms`]).

use std::borrow::Cow;

use encoding_rs::SHIFT_JIS;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The encodings a spreadsheet file is read in and written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpreadsheetEncoding {
    /// UTF-8 with a byte-order mark (Excel needs the mark to read UTF-8 as UTF-8).
    Utf8,
    /// Shift_JIS (CP932).
    ShiftJis,
}

/// Bytes that are neither UTF-8 nor Shift_JIS.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the file is neither UTF-8 nor Shift_JIS (CP932) text")]
pub struct NotText;

/// A character that Shift_JIS (CP932) cannot hold, or cannot hold as itself.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("「{character}」 (U+{:04X}) cannot be written in Shift_JIS (CP932)", u32::from(*.character))]
pub struct Unencodable {
    pub character: char,
}

/// The JIS forms CP932 lacks, and the CP932 character that looks the same.
const CP932_FORMS: [(char, char); 9] = [
    ('\u{301C}', '\u{FF5E}'), // 〜 wave dash -> ～ fullwidth tilde
    ('\u{2016}', '\u{2225}'), // ‖ -> ∥
    ('\u{2212}', '\u{FF0D}'), // − minus -> － fullwidth hyphen-minus
    ('\u{2014}', '\u{2015}'), // — em dash -> ― horizontal bar
    ('\u{00A2}', '\u{FFE0}'), // ¢ -> ￠
    ('\u{00A3}', '\u{FFE1}'), // £ -> ￡
    ('\u{00AC}', '\u{FFE2}'), // ¬ -> ￢
    ('\u{00A5}', '\u{FFE5}'), // ¥ -> ￥ (plain Shift_JIS would write a backslash)
    ('\u{203E}', '\u{FFE3}'), // ‾ -> ￣ (plain Shift_JIS would write a tilde)
];

/// `text` with the JIS forms CP932 lacks replaced by their CP932 look-alikes.
pub fn to_cp932_forms(text: &str) -> Cow<'_, str> {
    let jis = |c: char| CP932_FORMS.iter().find(|(from, _)| *from == c);
    if !text.chars().any(|c| jis(c).is_some()) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| jis(c).map_or(c, |&(_, to)| to))
            .collect(),
    )
}

/// Detects the encoding and decodes: a BOM means UTF-8 (the BOM is dropped), valid UTF-8
/// is UTF-8, anything else must be valid Shift_JIS.
pub fn decode(bytes: &[u8]) -> Result<(String, SpreadsheetEncoding), NotText> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_owned(), SpreadsheetEncoding::Utf8));
    }
    match SHIFT_JIS.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok((text.into_owned(), SpreadsheetEncoding::ShiftJis)),
        None => Err(NotText),
    }
}

/// Encodes `text` as Excel reads it in `encoding` (Shift_JIS: in [`to_cp932_forms`]).
pub fn encode(text: &str, encoding: SpreadsheetEncoding) -> Result<Vec<u8>, Unencodable> {
    match encoding {
        SpreadsheetEncoding::Utf8 => {
            let mut out = BOM.to_vec();
            out.extend_from_slice(text.as_bytes());
            Ok(out)
        }
        SpreadsheetEncoding::ShiftJis => {
            let text = to_cp932_forms(text);
            check_shift_jis(&text)?;
            Ok(SHIFT_JIS.encode(&text).0.into_owned())
        }
    }
}

/// Checks that `text` survives Shift_JIS unchanged: every character can be written, and
/// reads back as itself (the encoder silently writes ¥ as \ and − as －, for instance).
pub fn check_shift_jis(text: &str) -> Result<(), Unencodable> {
    if round_trips(text) {
        return Ok(());
    }
    let mut buf = [0u8; 4];
    for character in text.chars() {
        if !round_trips(character.encode_utf8(&mut buf)) {
            return Err(Unencodable { character });
        }
    }
    Ok(())
}

fn round_trips(text: &str) -> bool {
    let (bytes, _, unmappable) = SHIFT_JIS.encode(text);
    !unmappable
        && SHIFT_JIS
            .decode_without_bom_handling_and_without_replacement(&bytes)
            .is_some_and(|back| back == text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cp932_characters_survive_shift_jis() {
        let text = "①～－㈱Ⅳ髙﨑 ﾊﾟｽﾜｰﾄﾞ \\ ￥";
        let bytes = encode(text, SpreadsheetEncoding::ShiftJis).unwrap();
        assert_eq!(
            decode(&bytes).unwrap(),
            (text.to_owned(), SpreadsheetEncoding::ShiftJis)
        );
    }

    #[test]
    fn characters_shift_jis_lacks_or_changes_are_named() {
        for (text, bad) in [
            ("吉野𠮷", '𠮷'),
            ("価格¥100", '¥'),
            ("絵🙏", '🙏'),
            ("〜", '〜'),
        ] {
            let err = check_shift_jis(text).unwrap_err();
            assert_eq!(err.character, bad, "{text}");
            assert!(err.to_string().contains(bad), "{err}");
        }
    }

    #[test]
    fn jis_forms_are_written_as_their_cp932_look_alikes() {
        let text = "8:30〜17:15 −5 ‖ — ¢£¬ ¥100 ‾";
        let bytes = encode(text, SpreadsheetEncoding::ShiftJis).unwrap();
        let (back, _) = decode(&bytes).unwrap();
        assert_eq!(back, "8:30～17:15 －5 ∥ ― ￠￡￢ ￥100 ￣");
        assert_eq!(to_cp932_forms(&back), back);
        assert!(matches!(to_cp932_forms("①～"), Cow::Borrowed(_)));
    }

    #[test]
    fn utf8_is_written_with_a_bom_and_read_with_or_without_it() {
        let bytes = encode("𠮷🙏", SpreadsheetEncoding::Utf8).unwrap();
        assert!(bytes.starts_with(BOM));
        assert_eq!(decode(&bytes).unwrap().0, "𠮷🙏");
        assert_eq!(decode("𠮷".as_bytes()).unwrap().0, "𠮷");
    }

    #[test]
    fn bytes_that_are_no_text_are_refused() {
        assert_eq!(decode(b"\x82\xa0\xff\xfe"), Err(NotText));
    }
}

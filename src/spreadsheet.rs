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

/// Bytes that are neither UTF-8 nor Shift_JIS, or Shift_JIS with lines in UTF-8 (a row
/// pasted from elsewhere: decoded as Shift_JIS it would be stored as mojibake, and some
/// UTF-8 bytes are valid Shift_JIS, so nothing else would say so).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{}", describe(.utf8_lines))]
pub struct NotText {
    /// The lines (from 1) written in UTF-8 in an otherwise Shift_JIS file; empty when
    /// the file is neither.
    pub utf8_lines: Vec<u64>,
}

impl NotText {
    fn neither() -> Self {
        NotText {
            utf8_lines: Vec::new(),
        }
    }
}

fn describe(utf8_lines: &[u64]) -> String {
    if utf8_lines.is_empty() {
        return "the file is neither UTF-8 nor Shift_JIS (CP932) text".into();
    }
    let lines: Vec<String> = utf8_lines.iter().map(u64::to_string).collect();
    format!(
        "lines {} are UTF-8 in a Shift_JIS (CP932) file: save it in one encoding",
        lines.join(", ")
    )
}

/// What a line written in UTF-8 in a Shift_JIS file is told, for the operator.
pub const UTF8_LINE: &str =
    "この行だけ UTF-8 です（ほかの行は Shift_JIS）。文字コードをそろえてください。";

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
/// is UTF-8, anything else must be valid Shift_JIS with no line in UTF-8.
pub fn decode(bytes: &[u8]) -> Result<(String, SpreadsheetEncoding), NotText> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_owned(), SpreadsheetEncoding::Utf8));
    }
    let utf8_lines = utf8_lines(bytes);
    if !utf8_lines.is_empty() {
        return Err(NotText { utf8_lines });
    }
    match SHIFT_JIS.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok((text.into_owned(), SpreadsheetEncoding::ShiftJis)),
        None => Err(NotText::neither()),
    }
}

/// The lines (from 1) of a file that is not UTF-8 as a whole that are UTF-8 with
/// something beyond ASCII.
fn utf8_lines(bytes: &[u8]) -> Vec<u64> {
    let utf8 = |line: &[u8]| !line.is_ascii() && std::str::from_utf8(line).is_ok();
    bytes
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, line)| utf8(line))
        .map(|(i, _)| i as u64 + 1)
        .collect()
}

/// What a cell whose opening quote is never closed is told, for the operator.
pub const UNCLOSED_QUOTE: &str = "この行で始まるセルの引用符（\"）が閉じていません。\
     ここから後ろがすべて一つのセルとして読まれてしまうため、読み込みませんでした。";

/// The line (from 1) where a quoted cell opens that the file never closes, if any.
///
/// The csv reader ends such a cell quietly at the end of the file: every row after it
/// would become part of one cell, and an import would take the file as shorter than it
/// is. This reads `text` (with LF line ends) as the reader does: a quote opens a quoted
/// cell only as a cell's first character, `""` inside one is a quote, and after the
/// closing quote the rest of the cell is plain text.
pub fn unclosed_quote(text: &str) -> Option<u64> {
    enum State {
        CellStart,
        Plain,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::CellStart;
    let (mut line, mut opened) = (1, 1);
    for c in text.chars() {
        state = match (state, c) {
            (State::Quoted, '"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, '"') => State::Quoted,
            (State::CellStart, '"') => {
                opened = line;
                State::Quoted
            }
            (_, ',' | '\n') => State::CellStart,
            _ => State::Plain,
        };
        if c == '\n' {
            line += 1;
        }
    }
    matches!(state, State::Quoted).then_some(opened)
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
    fn a_quote_never_closed_is_found_where_its_cell_opens() {
        // Closed, escaped, quoted line breaks, quotes inside plain cells: all fine.
        for text in [
            "a,b\n1,2\n",
            "a,\"b,\"\"c\"\"\"\n1,\"two\nlines\"\n",
            "a,5\"inch\n\"x\"y,2\n",
            "",
        ] {
            assert_eq!(unclosed_quote(text), None, "{text:?}");
        }
        assert_eq!(unclosed_quote("a,b\n1,\"open\n3,4\n5,6\n"), Some(2));
        assert_eq!(unclosed_quote("\"a"), Some(1));
        // An escaped quote at the end does not close the cell.
        assert_eq!(unclosed_quote("a\n\"x\"\""), Some(2));
        // The csv reader agrees: it folds every later row into the open cell.
        let text = "a,b\n1,\"open\n3,4\n";
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(
            rows.len(),
            2,
            "the reader says nothing and returns two rows"
        );
        assert_eq!(&rows[1][1], "open\n3,4\n");
    }

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
        assert_eq!(decode(b"\x82\xa0\xff\xfe"), Err(NotText::neither()));
        // A row pasted in UTF-8 into a Shift_JIS file: 富士 in UTF-8 is also valid
        // Shift_JIS (蟇誌), so only its line being UTF-8 tells.
        let mut mixed = encode(
            "名前,所属\r\n沼津,市民課\r\n",
            SpreadsheetEncoding::ShiftJis,
        )
        .unwrap();
        mixed.extend_from_slice("富士,税務課\r\n".as_bytes());
        assert!(SHIFT_JIS
            .decode_without_bom_handling_and_without_replacement(&mixed)
            .is_some());
        let refused = decode(&mixed).unwrap_err();
        assert_eq!(refused.utf8_lines, [3]);
        assert!(
            refused.to_string().contains("lines 3 are UTF-8"),
            "{refused}"
        );
    }
}

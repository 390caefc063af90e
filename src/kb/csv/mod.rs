//! FAQ entries as CSV, for staff who maintain them in Excel.
//!
//! One entry a row, under a header row in Japanese (what a city-hall Excel user reads);
//! the English names are accepted on import too, in any order:
//!
//! | column | English | holds |
//! | --- | --- | --- |
//! | ID | id | the entry's id (`a-z`, `0-9`, `-`, `_`); required |
//! | タイトル | title | the question; required |
//! | カテゴリ | category | |
//! | キーワード | keywords | one a line within the cell (Alt+Enter in Excel) |
//! | 別の聞き方 | alternatives | one a line |
//! | 関連FAQ | related | ids of related entries, one a line |
//! | 本文 | body | the answer, Markdown; required |
//! | 公開 | published | 公開 or 非公開 (also true/false, 1/0, yes/no); default 公開 |
//!
//! Files are written as UTF-8 with a BOM or as Shift_JIS (CP932), rows ending in CRLF; on
//! import the encoding is detected (see [`crate::spreadsheet::decode`]). Shift_JIS writes
//! the JIS forms CP932 lacks as their look-alikes (〜 as ～, − as －; see
//! [`crate::spreadsheet::to_cp932_forms`]); [`keep_stored_forms`] puts the stored form back
//! where an imported text differs from the stored one only by them. A cell that
//! starts with `=`, `+`, `-`, `@` or `'` is written with a `'` in front, so Excel keeps
//! it as text instead of reading a formula (a Markdown list `- 手順` would become
//! `#NAME?`); one leading `'` is dropped from every cell on import.
//!
//! Import checks the whole file first and reports every problem with its line, naming
//! columns but never repeating cell values; an import with any problem writes nothing.
//! A cell may not hold a control character (U+0000 and the like) other than a tab, nor a
//! line break except in a list cell or 本文.

mod read;

use super::FaqEntry;
use crate::spreadsheet::{self, SpreadsheetEncoding, Unencodable};
pub use read::{read_csv, CsvFaqs, CsvImportError, CsvProblem};

/// The columns, in the order they are written: (Japanese header, English header).
pub const COLUMNS: [(&str, &str); 8] = [
    ("ID", "id"),
    ("タイトル", "title"),
    ("カテゴリ", "category"),
    ("キーワード", "keywords"),
    ("別の聞き方", "alternatives"),
    ("関連FAQ", "related"),
    ("本文", "body"),
    ("公開", "published"),
];
const ID: usize = 0;
const TITLE: usize = 1;
const BODY: usize = 6;
const PUBLISHED: usize = 7;
const REQUIRED: [usize; 3] = [ID, TITLE, BODY];

/// An entry that Shift_JIS cannot hold: which entry, which column, which character.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("entry {id}, column {column}: {source}; export as UTF-8 (csv) instead")]
pub struct CsvExportError {
    pub id: String,
    pub column: &'static str,
    pub source: Unencodable,
}

/// Writes `entries` as a CSV file in `encoding`. Shift_JIS fails on the first character
/// it cannot hold, naming the entry and column, rather than writing `?`.
pub fn write_csv(
    entries: &[FaqEntry],
    encoding: SpreadsheetEncoding,
) -> Result<Vec<u8>, CsvExportError> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let header = COLUMNS.map(|(japanese, _)| japanese);
    writer.write_record(header).expect("writing to memory");
    for entry in entries {
        let cells = cells(entry);
        if encoding == SpreadsheetEncoding::ShiftJis {
            for (cell, (column, _)) in cells.iter().zip(COLUMNS) {
                let cell = spreadsheet::to_cp932_forms(cell);
                spreadsheet::check_shift_jis(&cell).map_err(|source| CsvExportError {
                    id: entry.id.clone(),
                    column,
                    source,
                })?;
            }
        }
        writer
            .write_record(cells.iter().map(|c| as_text(c).into_owned()))
            .expect("writing to memory");
    }
    let bytes = writer.into_inner().expect("flushing to memory");
    let text = String::from_utf8(bytes).expect("CSV of strings is UTF-8");
    Ok(spreadsheet::encode(&text, encoding).expect("checked above"))
}

fn cells(entry: &FaqEntry) -> [String; 8] {
    let published = if entry.published {
        "公開"
    } else {
        "非公開"
    };
    [
        entry.id.clone(),
        entry.title.clone(),
        entry.category.clone(),
        entry.keywords.join("\n"),
        entry.alternatives.join("\n"),
        entry.related.join("\n"),
        entry.body.clone(),
        published.to_owned(),
    ]
}

/// Keeps the stored text of each field of `imported` that differs from `stored` only by
/// the look-alikes Shift_JIS writes (see [`crate::spreadsheet::to_cp932_forms`]), so that
/// exporting to Shift_JIS and importing back changes nothing.
pub fn keep_stored_forms(imported: &mut FaqEntry, stored: &FaqEntry) {
    fn keep(imported: &mut String, stored: &str) {
        if *imported != stored && spreadsheet::to_cp932_forms(stored) == imported.as_str() {
            *imported = stored.to_owned();
        }
    }
    keep(&mut imported.title, &stored.title);
    keep(&mut imported.category, &stored.category);
    keep(&mut imported.body, &stored.body);
    for (imported, stored) in [
        (&mut imported.keywords, &stored.keywords),
        (&mut imported.alternatives, &stored.alternatives),
    ] {
        if imported.len() == stored.len() {
            for (item, stored) in imported.iter_mut().zip(stored) {
                keep(item, stored);
            }
        }
    }
}

/// A cell Excel would take for a formula, marked as text.
fn as_text(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\'']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod tests;

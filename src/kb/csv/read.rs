//! Reading a CSV file of entries: the whole file is checked before anything is used.

use std::collections::{HashMap, HashSet};

use unicode_normalization::UnicodeNormalization;

use super::{BODY, COLUMNS, ID, PUBLISHED, REQUIRED, TITLE};
use crate::kb::FaqEntry;
use crate::spreadsheet::{self, NotText, SpreadsheetEncoding};

/// Why a CSV file cannot be imported. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum CsvImportError {
    #[error(transparent)]
    NotText(#[from] NotText),
    #[error("{}件の問題があり、何も取り込んでいません:\n{}", .0.len(), list(.0))]
    Problems(Vec<CsvProblem>),
}

/// One problem in an imported file: its line, and the entry and column when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvProblem {
    /// The line of the file the row starts on (1 is the header).
    pub line: u64,
    pub id: Option<String>,
    pub column: Option<&'static str>,
    pub reason: String,
}

impl std::fmt::Display for CsvProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}行目", self.line)?;
        if let Some(id) = &self.id {
            write!(f, "（ID {id}）")?;
        }
        if let Some(column) = self.column {
            write!(f, "「{column}」")?;
        }
        write!(f, ": {}", self.reason)
    }
}

fn list(problems: &[CsvProblem]) -> String {
    let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
    lines.join("\n")
}

/// What a CSV file held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvFaqs {
    pub entries: Vec<FaqEntry>,
    /// The encoding the file was read in.
    pub encoding: SpreadsheetEncoding,
}

/// Reads a CSV file of entries (see the module documentation). `known_ids` are the
/// entries already stored, which 関連FAQ may name besides the file's own; a new entry may
/// not take an id the console reserves ([`crate::kb::RESERVED_IDS`]).
pub fn read_csv(bytes: &[u8], known_ids: &HashSet<String>) -> Result<CsvFaqs, CsvImportError> {
    let (text, encoding) = spreadsheet::decode(bytes)?;
    // Excel ends rows with CRLF; the csv reader then numbers the rows after the first
    // one line too low. Line breaks inside cells are LF in Excel, and kept as LF anyway.
    let text = text.replace("\r\n", "\n");
    let problem = |line, id: Option<&str>, column, reason: String| CsvProblem {
        line,
        id: id.map(str::to_owned),
        column,
        reason,
    };
    if let Some(line) = spreadsheet::unclosed_quote(&text) {
        let open = problem(line, None, None, spreadsheet::UNCLOSED_QUOTE.to_owned());
        return Err(CsvImportError::Problems(vec![open]));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(header)) => header,
        Some(Err(e)) => return Err(CsvImportError::Problems(vec![csv_problem(&e)])),
        None => {
            let reason = "ファイルが空です（見出し行がありません）。".to_owned();
            return Err(CsvImportError::Problems(vec![problem(
                1, None, None, reason,
            )]));
        }
    };
    let (columns, mut problems) = header_columns(&header);
    if !problems.is_empty() {
        return Err(CsvImportError::Problems(problems));
    }
    let mut rows = Vec::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                problems.push(csv_problem(&e));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue; // Excel leaves rows of empty cells behind
        }
        if record.len() != header.len() {
            let reason = format!(
                "この行のセルは {} 個で、見出しは {} 個です。",
                record.len(),
                header.len()
            );
            problems.push(problem(line, None, None, reason));
            continue;
        }
        let entry = read_row(&record, &columns, line, &mut first_line, &mut problems);
        rows.push((line, entry));
    }
    // What the console's editor refuses: a new entry taking a reserved id, 関連FAQ naming
    // the entry itself or no entry (stored or in this file).
    let read: Vec<FaqEntry> = rows.iter().map(|(_, entry)| entry.clone()).collect();
    for p in crate::kb::batch_problems(&read, known_ids) {
        let (line, entry) = &rows[p.index];
        let id = crate::kb::valid_id(&entry.id).then_some(entry.id.as_str());
        problems.push(problem(*line, id, Some(p.column), p.reason));
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        return Err(CsvImportError::Problems(problems));
    }
    let entries = rows.into_iter().map(|(_, entry)| entry).collect();
    Ok(CsvFaqs { entries, encoding })
}

/// One row as an entry; its problems (each with the line and column) go to `problems`,
/// and its ID to `first_line`, for the next rows' duplicate check.
fn read_row(
    record: &csv::StringRecord,
    columns: &[Option<usize>; 8],
    line: u64,
    first_line: &mut HashMap<String, u64>,
    problems: &mut Vec<CsvProblem>,
) -> FaqEntry {
    let problem = |id: Option<&str>, column: &'static str, reason: String| CsvProblem {
        line,
        id: id.map(str::to_owned),
        column: Some(column),
        reason,
    };
    let cell = |i: usize| columns[i].map_or("", |c| unmark(&record[c]));
    let id = cell(ID).trim().to_owned();
    let shown_id = crate::kb::valid_id(&id).then_some(id.as_str());
    for required in REQUIRED {
        if cell(required).trim().is_empty() {
            problems.push(problem(shown_id, COLUMNS[required].0, "空です。".into()));
        }
    }
    if !id.is_empty() && shown_id.is_none() {
        let reason = "半角の英小文字・数字・-・_ で1〜80文字です。".to_owned();
        problems.push(problem(None, "ID", reason));
    }
    if let Some(id) = shown_id {
        if let Some(first) = first_line.insert(id.to_owned(), line) {
            let reason = format!("{first}行目と同じIDです。");
            problems.push(problem(shown_id, "ID", reason));
        }
    }
    let published = match columns[PUBLISHED].map(|_| cell(PUBLISHED)) {
        None => Some(true),
        Some(value) => parse_published(value),
    };
    if published.is_none() {
        let reason = "公開 か 非公開 です。".to_owned();
        problems.push(problem(shown_id, "公開", reason));
    }
    let entry = FaqEntry {
        id,
        title: cell(TITLE).trim().to_owned(),
        category: cell(2).trim().to_owned(),
        keywords: lines(cell(3)),
        alternatives: lines(cell(4)),
        related: lines(cell(5)),
        body: cell(BODY).trim().to_owned(),
        published: published.unwrap_or(true),
    };
    // The ID's own characters are checked above.
    let shown_id = crate::kb::valid_id(&entry.id).then_some(entry.id.as_str());
    for (column, c) in entry.control_characters() {
        if column != "ID" {
            let reason = format!("制御文字（{}）は使えません。", crate::kb::code_point(c));
            problems.push(problem(shown_id, column, reason));
        }
    }
    entry
}

/// Where each known column is in the file, and the header's problems.
fn header_columns(header: &csv::StringRecord) -> ([Option<usize>; 8], Vec<CsvProblem>) {
    let mut columns = [None; 8];
    let mut problems = Vec::new();
    let header_problem = |reason: String| CsvProblem {
        line: 1,
        id: None,
        column: None,
        reason,
    };
    let fold = |s: &str| s.trim().nfkc().collect::<String>().to_lowercase();
    for (position, name) in header.iter().enumerate() {
        let name = name.trim_start_matches('\u{feff}');
        let found = COLUMNS
            .iter()
            .position(|(ja, en)| fold(name) == fold(ja) || fold(name) == fold(en));
        match found {
            Some(i) if columns[i].is_some() => problems.push(header_problem(format!(
                "「{}」の列が二つあります。",
                COLUMNS[i].0
            ))),
            Some(i) => columns[i] = Some(position),
            None => {
                let known: Vec<&str> = COLUMNS.iter().map(|(ja, _)| *ja).collect();
                problems.push(header_problem(format!(
                    "「{}」は知らない列です（列は {} です）。",
                    name.trim(),
                    known.join("・")
                )));
            }
        }
    }
    for required in REQUIRED {
        if columns[required].is_none() {
            let (ja, en) = COLUMNS[required];
            problems.push(header_problem(format!(
                "見出しに「{ja}」（{en}）の列がありません。"
            )));
        }
    }
    (columns, problems)
}

fn csv_problem(error: &csv::Error) -> CsvProblem {
    CsvProblem {
        line: error.position().map_or(0, |p| p.line()),
        id: None,
        column: None,
        reason: "CSVとして読めません（引用符が閉じていない？）。".to_owned(),
    }
}

/// A cell without the `'` that marks it as text for Excel.
fn unmark(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

/// The items of a list cell: one a line, trimmed, blank lines dropped.
fn lines(cell: &str) -> Vec<String> {
    cell.lines()
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

fn parse_published(value: &str) -> Option<bool> {
    let value: String = value.trim().nfkc().collect::<String>().to_lowercase();
    match value.as_str() {
        "公開" | "true" | "1" | "yes" => Some(true),
        "非公開" | "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

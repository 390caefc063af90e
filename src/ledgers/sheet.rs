//! The ledgers' CSV files, the way the city keeps them in Excel: UTF-8 with a BOM or
//! Shift_JIS (CP932), one item a row under a Japanese header (English names accepted,
//! other columns ignored). Reading lists every problem by line and column (never by
//! value: ledgers name people); writing marks formula-like cells as text and refuses a
//! character Shift_JIS cannot hold, naming the item and column.

use serde::Serialize;

use crate::spreadsheet::{self, SpreadsheetEncoding};

/// One problem in a file: its line (1 is the header), and the column when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CsvProblem {
    pub line: u64,
    pub column: Option<&'static str>,
    pub reason: String,
}

impl CsvProblem {
    pub fn new(line: u64, column: Option<&'static str>, reason: impl Into<String>) -> Self {
        Self {
            line,
            column,
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for CsvProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}行目", self.line)?;
        if let Some(column) = self.column {
            write!(f, "「{column}」")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Why a ledger file was not imported (or exported). Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum LedgerCsvError {
    #[error("ファイルが UTF-8 でも Shift_JIS でもありません。")]
    NotText,
    #[error("{}件の問題があり、何も取り込んでいません:\n{}", .0.len(), list(.0))]
    Problems(Vec<CsvProblem>),
}

fn list(problems: &[CsvProblem]) -> String {
    let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
    lines.join("\n")
}

/// A data row: its line in the file and its cells, in the order of the columns asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetRow {
    pub line: u64,
    cells: Vec<Option<String>>,
}

impl SheetRow {
    /// Column `column`'s cell: trimmed, without the `'` Excel's text marker, `None` when
    /// empty or when the file has no such column.
    pub fn cell(&self, column: usize) -> Option<String> {
        self.cells.get(column).cloned().flatten()
    }
}

/// A file's data rows (blank rows skipped) and the encoding it was read in.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub rows: Vec<SheetRow>,
    pub encoding: SpreadsheetEncoding,
    /// Which of the columns the header has (a column it lacks reads as empty on every
    /// row: an import must not take that for "empty it", see [`Sheet::absent`]).
    pub present: Vec<bool>,
}

impl Sheet {
    /// The columns (by index) the file's header lacks.
    pub fn absent(&self) -> Vec<usize> {
        (0..self.present.len())
            .filter(|c| !self.present[*c])
            .collect()
    }
}

/// Why a row cannot be taken although it reads: the file lacks column `label`, and
/// taking the row would empty (or reset to its default) what the register holds there.
pub fn would_empty(label: &str) -> String {
    format!(
        "ファイルに「{label}」の列がないため、この行を取り込むと台帳の{label}が書き換わります\
         （空または既定の値になります）。列を加えてください（書き出したファイルには全部の列が\
         あります）。"
    )
}

/// Reads a file whose header names `columns` (Japanese, English): the rows that read,
/// and the problems of those that do not. `Err` only when the file is not text or its
/// header lacks one of the `required` columns.
pub fn read_sheet(
    bytes: &[u8],
    columns: &[(&'static str, &'static str)],
    required: &[usize],
) -> Result<(Sheet, Vec<CsvProblem>), LedgerCsvError> {
    let (text, encoding) = spreadsheet::decode(bytes).map_err(|e| {
        if e.utf8_lines.is_empty() {
            return LedgerCsvError::NotText;
        }
        let lines = e.utf8_lines.iter();
        LedgerCsvError::Problems(
            lines
                .map(|line| CsvProblem::new(*line, None, spreadsheet::UTF8_LINE))
                .collect(),
        )
    })?;
    // Excel ends rows with CRLF; the csv reader would number later rows one too low.
    let text = text.replace("\r\n", "\n");
    if let Some(line) = spreadsheet::unclosed_quote(&text) {
        let open = CsvProblem::new(line, None, spreadsheet::UNCLOSED_QUOTE);
        return Err(LedgerCsvError::Problems(vec![open]));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let Some(Ok(header)) = records.next() else {
        let missing = CsvProblem::new(1, None, "見出し行がありません。");
        return Err(LedgerCsvError::Problems(vec![missing]));
    };
    let mut positions = vec![None; columns.len()];
    for (i, name) in header.iter().enumerate() {
        let name = name.trim().trim_start_matches('\u{feff}');
        if let Some(c) = columns
            .iter()
            .position(|(ja, en)| *ja == name || *en == name)
        {
            positions[c] = Some(i);
        }
    }
    let mut problems: Vec<CsvProblem> = required
        .iter()
        .filter(|c| positions[**c].is_none())
        .map(|c| CsvProblem::new(1, Some(columns[*c].0), "列がありません。"))
        .collect();
    if !problems.is_empty() {
        return Err(LedgerCsvError::Problems(problems));
    }
    let mut rows = Vec::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                let reason = "CSVとして読めません（引用符が閉じていない？）。";
                problems.push(CsvProblem::new(line, None, reason));
                continue;
            }
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cells = positions
            .iter()
            .map(|p| {
                p.and_then(|i| record.get(i))
                    .map(|v| v.trim().trim_start_matches('\'').to_owned())
                    .filter(|v| !v.is_empty())
            })
            .collect();
        let line = record.position().map_or(0, |p| p.line());
        rows.push(SheetRow { line, cells });
    }
    let present = positions.iter().map(Option::is_some).collect();
    Ok((
        Sheet {
            rows,
            encoding,
            present,
        },
        problems,
    ))
}

/// A character Shift_JIS cannot hold: the item (address, asset number) and column.
#[derive(Debug, thiserror::Error)]
#[error("{item} の「{column}」: {source}")]
pub struct CsvExportError {
    pub item: String,
    pub column: &'static str,
    pub source: spreadsheet::Unencodable,
}

impl From<CsvExportError> for LedgerCsvError {
    fn from(e: CsvExportError) -> Self {
        LedgerCsvError::Problems(vec![CsvProblem::new(0, Some(e.column), e.to_string())])
    }
}

/// Writes a file in `encoding` (CRLF rows): the `header`, then each item's cells (the
/// item's name first, for errors; formula-like cells marked as text for Excel).
pub fn write_sheet<const N: usize>(
    header: [&'static str; N],
    rows: impl IntoIterator<Item = (String, [String; N])>,
    encoding: SpreadsheetEncoding,
) -> Result<Vec<u8>, CsvExportError> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer.write_record(header).expect("writing to memory");
    for (item, cells) in rows {
        if encoding == SpreadsheetEncoding::ShiftJis {
            for (cell, column) in cells.iter().zip(header) {
                let cell = spreadsheet::to_cp932_forms(cell);
                spreadsheet::check_shift_jis(&cell).map_err(|source| CsvExportError {
                    item: item.clone(),
                    column,
                    source,
                })?;
            }
        }
        writer
            .write_record(cells.iter().map(|c| as_text(c)))
            .expect("writing to memory");
    }
    let bytes = writer.into_inner().expect("flushing to memory");
    let text = String::from_utf8(bytes).expect("CSV of strings is UTF-8");
    Ok(spreadsheet::encode(&text, encoding).expect("checked above"))
}

/// A cell Excel would take for a formula, marked as text.
fn as_text(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\'']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

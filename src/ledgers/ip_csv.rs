//! The IP address ledger as a CSV file, the way the city keeps it in Excel: UTF-8 with a
//! BOM or Shift_JIS (CP932), one address a row under a Japanese header (English names
//! accepted). Reading checks the whole file and lists every problem by line and column
//! (never by value: the ledger names people); nothing is written when there is one.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::address::{address_number, parse_address};
use crate::domain::AddressState;
use crate::spreadsheet::{self, SpreadsheetEncoding};
use crate::storage::ip_ledger::IpAddressRecord;

/// The columns: Japanese header, English header.
pub const COLUMNS: [(&str, &str); 10] = [
    ("IPアドレス", "address"),
    ("状態", "state"),
    ("ホスト名", "host"),
    ("コンピュータ名", "computer_name"),
    ("機器", "device"),
    ("所属", "department"),
    ("使用者", "person"),
    ("申請者", "requester"),
    ("利用開始日", "since"),
    ("備考", "note"),
];

const ADDRESS: usize = 0;
const STATE: usize = 1;
const HOST: usize = 2;
const SINCE: usize = 8;
const NOTE: usize = 9;

/// One problem in a file: its line (1 is the header), and the column when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CsvProblem {
    pub line: u64,
    pub column: Option<&'static str>,
    pub reason: String,
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

/// A row of the file, read and checked on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvLine {
    pub line: u64,
    pub number: i64,
    pub address: String,
    pub state: AddressState,
    /// ホスト名 .. 申請者, in column order.
    pub fields: [Option<String>; 6],
    pub since: Option<NaiveDate>,
    pub note: Option<String>,
}

/// The file's rows and the encoding it was read in.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvLedger {
    pub lines: Vec<CsvLine>,
    pub encoding: SpreadsheetEncoding,
}

const FIELD_MAX: usize = 100;

/// Reads a ledger file; every problem of the file at once.
pub fn read(bytes: &[u8]) -> Result<CsvLedger, LedgerCsvError> {
    let (ledger, problems) = read_lines(bytes)?;
    if problems.is_empty() {
        Ok(ledger)
    } else {
        Err(LedgerCsvError::Problems(problems))
    }
}

/// Reads a ledger file: the rows that read, and the problems of the others (so that a
/// caller can add its own checks and list everything at once). `Err` only when the file
/// is not text or its header lacks a required column.
pub fn read_lines(bytes: &[u8]) -> Result<(CsvLedger, Vec<CsvProblem>), LedgerCsvError> {
    let (text, encoding) = spreadsheet::decode(bytes).map_err(|_| LedgerCsvError::NotText)?;
    // Excel ends rows with CRLF; the csv reader would number later rows one too low.
    let text = text.replace("\r\n", "\n");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let problem = |line, column, reason: &str| CsvProblem {
        line,
        column,
        reason: reason.to_owned(),
    };
    let header = match records.next() {
        Some(Ok(header)) => header,
        _ => {
            return Err(LedgerCsvError::Problems(vec![problem(
                1,
                None,
                "見出し行がありません。",
            )]))
        }
    };
    let mut columns = [None; COLUMNS.len()];
    for (i, name) in header.iter().enumerate() {
        let name = name.trim().trim_start_matches('\u{feff}');
        if let Some(c) = COLUMNS
            .iter()
            .position(|(ja, en)| *ja == name || *en == name)
        {
            columns[c] = Some(i);
        }
    }
    let mut problems = Vec::new();
    for required in [ADDRESS, STATE] {
        if columns[required].is_none() {
            problems.push(problem(1, Some(COLUMNS[required].0), "列がありません。"));
        }
    }
    if !problems.is_empty() {
        return Err(LedgerCsvError::Problems(problems));
    }
    let mut lines = Vec::new();
    let mut seen: HashMap<i64, u64> = HashMap::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(problem(
                    line,
                    None,
                    "CSVとして読めません（引用符が閉じていない？）。",
                ));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |c: usize| {
            columns[c]
                .and_then(|i| record.get(i))
                .map(|v| v.trim().trim_start_matches('\'').to_owned())
                .filter(|v| !v.is_empty())
        };
        match read_row(line, &cell) {
            Ok(row) => {
                if let Some(first) = seen.insert(row.number, line) {
                    problems.push(CsvProblem {
                        line,
                        column: Some(COLUMNS[ADDRESS].0),
                        reason: format!("{first}行目と同じアドレスです。"),
                    });
                }
                lines.push(row);
            }
            Err(mut row_problems) => problems.append(&mut row_problems),
        }
    }
    Ok((CsvLedger { lines, encoding }, problems))
}

fn read_row(line: u64, cell: &dyn Fn(usize) -> Option<String>) -> Result<CsvLine, Vec<CsvProblem>> {
    let mut problems = Vec::new();
    let mut problem = |column: usize, reason: &str| {
        problems.push(CsvProblem {
            line,
            column: Some(COLUMNS[column].0),
            reason: reason.to_owned(),
        })
    };
    let address = match cell(ADDRESS).as_deref().map(parse_address) {
        Some(Some(a)) => Some(a),
        Some(None) => {
            problem(ADDRESS, "IPアドレスの形ではありません。");
            None
        }
        None => {
            problem(ADDRESS, "空です。");
            None
        }
    };
    let state = cell(STATE).and_then(|s| AddressState::from_name_or_label(&s));
    if state.is_none() {
        problem(STATE, "空き・予約・使用中・廃止のどれかです。");
    }
    let mut fields: [Option<String>; 6] = Default::default();
    for (i, field) in fields.iter_mut().enumerate() {
        let column = HOST + i;
        let value = cell(column);
        if value
            .as_ref()
            .is_some_and(|v| v.chars().count() > FIELD_MAX || v.chars().any(char::is_control))
        {
            problem(column, "長すぎるか、制御文字を含みます。");
        }
        *field = value;
    }
    if matches!(state, Some(AddressState::InUse | AddressState::Reserved)) && fields[0].is_none() {
        problem(HOST, "使用中・予約のアドレスにはホスト名が要ります。");
    }
    let since = match cell(SINCE) {
        None => None,
        Some(text) => {
            let parsed = NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(&text, "%Y/%m/%d"));
            if parsed.is_err() {
                problem(SINCE, "日付は 2026-11-01 か 2026/11/01 の形です。");
            }
            parsed.ok()
        }
    };
    let note = cell(NOTE);
    if note.as_ref().is_some_and(|n| n.chars().count() > 400) {
        problem(NOTE, "400文字以内です。");
    }
    match (address, state) {
        (Some(address), Some(state)) if problems.is_empty() => Ok(CsvLine {
            line,
            number: address_number(address),
            address: address.to_string(),
            state,
            fields,
            since,
            note,
        }),
        _ => Err(problems),
    }
}

/// A character Shift_JIS cannot hold: the address and column it is in.
#[derive(Debug, thiserror::Error)]
#[error("{address} の「{column}」: {source}")]
pub struct CsvExportError {
    pub address: String,
    pub column: &'static str,
    pub source: spreadsheet::Unencodable,
}

/// Writes the ledger lines as a file in `encoding` (CRLF rows, formula-like cells marked
/// as text for Excel).
pub fn write(
    records: &[IpAddressRecord],
    encoding: SpreadsheetEncoding,
) -> Result<Vec<u8>, CsvExportError> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer
        .write_record(COLUMNS.map(|(ja, _)| ja))
        .expect("writing to memory");
    for record in records {
        let cells = cells(record);
        if encoding == SpreadsheetEncoding::ShiftJis {
            for (cell, (column, _)) in cells.iter().zip(COLUMNS) {
                let cell = spreadsheet::to_cp932_forms(cell);
                spreadsheet::check_shift_jis(&cell).map_err(|source| CsvExportError {
                    address: record.address.clone(),
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

fn cells(r: &IpAddressRecord) -> [String; 10] {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        r.address.clone(),
        r.state.label().to_owned(),
        text(&r.host),
        text(&r.computer_name),
        text(&r.device),
        text(&r.department),
        text(&r.person),
        text(&r.requester),
        r.since.map(|d| d.to_string()).unwrap_or_default(),
        text(&r.note),
    ]
}

/// A cell Excel would take for a formula, marked as text.
fn as_text(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\'']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        match read(text.as_bytes()) {
            Err(LedgerCsvError::Problems(p)) => p.iter().map(ToString::to_string).collect(),
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn a_shift_jis_file_from_excel_reads() {
        let text =
            "IPアドレス,状態,ホスト名,所属\r\n10.1.0.5,使用中,PC-001,市民課\r\n10.1.0.6,空き,,\r\n";
        let bytes = spreadsheet::encode(text, SpreadsheetEncoding::ShiftJis).unwrap();
        let ledger = read(&bytes).unwrap();
        assert_eq!(ledger.encoding, SpreadsheetEncoding::ShiftJis);
        assert_eq!(ledger.lines.len(), 2);
        assert_eq!(ledger.lines[0].state, AddressState::InUse);
        assert_eq!(ledger.lines[0].fields[0].as_deref(), Some("PC-001"));
        assert_eq!(ledger.lines[1].line, 3);
    }

    #[test]
    fn every_problem_is_named_by_line_and_column() {
        let text = "IPアドレス,状態,ホスト名,利用開始日\r\n\
                    10.1.0.5,使用中,PC-1,2026-11-01\r\n\
                    10.1.0.300,使用中,PC-2,\r\n\
                    10.1.0.7,使う,PC-3,\r\n\
                    10.1.0.8,予約,,11月1日\r\n\
                    10.1.0.5,使用中,PC-4,\r\n";
        assert_eq!(
            problems(text),
            [
                "3行目「IPアドレス」: IPアドレスの形ではありません。",
                "4行目「状態」: 空き・予約・使用中・廃止のどれかです。",
                "5行目「ホスト名」: 使用中・予約のアドレスにはホスト名が要ります。",
                "5行目「利用開始日」: 日付は 2026-11-01 か 2026/11/01 の形です。",
                "6行目「IPアドレス」: 2行目と同じアドレスです。",
            ]
        );
        assert_eq!(
            problems("ホスト名\r\n"),
            [
                "1行目「IPアドレス」: 列がありません。",
                "1行目「状態」: 列がありません。"
            ]
        );
    }

    #[test]
    fn written_files_read_back() {
        let record = IpAddressRecord {
            number: 1,
            address: "10.1.0.5".into(),
            state: AddressState::Reserved,
            host: Some("=cmd".into()),
            since: NaiveDate::from_ymd_opt(2026, 11, 2),
            ..IpAddressRecord::default()
        };
        for encoding in [SpreadsheetEncoding::Utf8, SpreadsheetEncoding::ShiftJis] {
            let bytes = write(std::slice::from_ref(&record), encoding).unwrap();
            let back = read(&bytes).unwrap();
            assert_eq!(back.lines[0].fields[0].as_deref(), Some("=cmd"));
            assert_eq!(back.lines[0].since, record.since);
        }
        let emoji = IpAddressRecord {
            person: Some("𠮷田".into()),
            ..record
        };
        let refused = write(&[emoji], SpreadsheetEncoding::ShiftJis).unwrap_err();
        assert_eq!(refused.column, "使用者");
    }
}

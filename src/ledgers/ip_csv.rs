//! The IP address ledger as a CSV file (the shared rules in `sheet.rs`): one address a
//! row. Reading checks the whole file and lists every problem by line and column;
//! nothing is written when there is one.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::sheet::{read_sheet, write_sheet};
pub use super::sheet::{CsvExportError, CsvProblem, LedgerCsvError};
use crate::domain::address::{address_number, parse_address};
use crate::domain::AddressState;
use crate::spreadsheet::SpreadsheetEncoding;
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
    /// The columns (indexes into [`COLUMNS`]) the file's header lacks.
    pub absent: Vec<usize>,
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
    let (sheet, mut problems) = read_sheet(bytes, &COLUMNS, &[ADDRESS, STATE])?;
    let mut lines = Vec::new();
    let mut seen: HashMap<i64, u64> = HashMap::new();
    for row in &sheet.rows {
        match read_row(row.line, &|c| row.cell(c)) {
            Ok(line) => {
                if let Some(first) = seen.insert(line.number, row.line) {
                    let reason = format!("{first}行目と同じアドレスです。");
                    problems.push(CsvProblem::new(row.line, Some(COLUMNS[ADDRESS].0), reason));
                }
                lines.push(line);
            }
            Err(mut row_problems) => problems.append(&mut row_problems),
        }
    }
    let ledger = CsvLedger {
        lines,
        encoding: sheet.encoding,
        absent: sheet.absent(),
    };
    Ok((ledger, problems))
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

/// Writes the ledger lines as a file in `encoding`.
pub fn write(
    records: &[IpAddressRecord],
    encoding: SpreadsheetEncoding,
) -> Result<Vec<u8>, CsvExportError> {
    let rows = records.iter().map(|r| (r.address.clone(), cells(r)));
    write_sheet(COLUMNS.map(|(ja, _)| ja), rows, encoding)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spreadsheet;

    fn problems(text: &str) -> Vec<String> {
        match read(text.as_bytes()) {
            Err(LedgerCsvError::Problems(p)) => p.iter().map(ToString::to_string).collect(),
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn a_line_in_utf8_in_a_shift_jis_file_is_named_not_stored_as_mojibake() {
        let sjis = "IPアドレス,状態,所属\r\n10.1.0.5,使用中,市民課\r\n";
        let mut bytes = spreadsheet::encode(sjis, SpreadsheetEncoding::ShiftJis).unwrap();
        bytes.extend_from_slice("10.1.0.6,使用中,富士\r\n".as_bytes());
        match read(&bytes) {
            Err(LedgerCsvError::Problems(p)) => assert_eq!(
                p.iter().map(ToString::to_string).collect::<Vec<_>>(),
                [format!("3行目: {}", spreadsheet::UTF8_LINE)]
            ),
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

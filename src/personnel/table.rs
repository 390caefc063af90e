//! Reading one of the switch's CSV files (the personnel system's, the organisation table,
//! a directory export) the way Excel saves them: UTF-8 with or without BOM, or Shift_JIS,
//! one header row naming the columns. Every problem is collected by line and column
//! (never by value: the files name people), including a file whose lines are in two
//! encodings (one pasted from another program).

use crate::ledgers::CsvProblem;
use crate::spreadsheet;

/// A file's rows, each cell by the position of its column in the caller's list.
#[derive(Debug, Clone)]
pub struct Table {
    pub rows: Vec<TableRow>,
}

/// One row: its line in the file (1 is the header) and its cells, trimmed, empty as `None`.
#[derive(Debug, Clone)]
pub struct TableRow {
    pub line: u64,
    pub cells: Vec<Option<String>>,
}

impl TableRow {
    /// The cell of the caller's column `column`.
    pub fn cell(&self, column: usize) -> Option<&str> {
        self.cells.get(column).and_then(|c| c.as_deref())
    }
}

/// A problem of a line and column, in the helpdesk's words.
pub fn problem(line: u64, column: &'static str, reason: impl Into<String>) -> CsvProblem {
    CsvProblem {
        line,
        column: Some(column),
        reason: reason.into(),
    }
}

/// Reads `bytes` as a table of `columns` (the header may order them as it likes and add
/// others); the `required` columns must be in the header. `None` when the file cannot be
/// read at all; the problems found either way.
pub fn read(
    bytes: &[u8],
    columns: &[&'static str],
    required: &[usize],
) -> (Option<Table>, Vec<CsvProblem>) {
    let mut problems = Vec::new();
    let (text, _) = match spreadsheet::decode(bytes) {
        Ok(decoded) => decoded,
        Err(e) if !e.utf8_lines.is_empty() => {
            let problems = e.utf8_lines.iter().map(|line| CsvProblem {
                line: *line,
                column: None,
                reason: spreadsheet::UTF8_LINE.into(),
            });
            return (None, problems.collect());
        }
        Err(_) => {
            problems.push(CsvProblem {
                line: 0,
                column: None,
                reason: "ファイルが UTF-8 でも Shift_JIS でもありません。".into(),
            });
            return (None, problems);
        }
    };
    // Excel ends rows with CRLF; the csv reader would number later rows one too low.
    let text = text.replace("\r\n", "\n");
    if let Some(line) = spreadsheet::unclosed_quote(&text) {
        problems.push(CsvProblem {
            line,
            column: None,
            reason: spreadsheet::UNCLOSED_QUOTE.into(),
        });
        return (None, problems);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let Some(Ok(header)) = records.next() else {
        problems.push(CsvProblem {
            line: 1,
            column: None,
            reason: "見出し行がありません。".into(),
        });
        return (None, problems);
    };
    let mut positions = vec![None; columns.len()];
    for (i, name) in header.iter().enumerate() {
        let name = name.trim().trim_start_matches('\u{feff}');
        if let Some(c) = columns.iter().position(|c| *c == name) {
            positions[c] = Some(i);
        }
    }
    let missing: Vec<CsvProblem> = required
        .iter()
        .filter(|&&c| positions[c].is_none())
        .map(|&c| problem(1, columns[c], "列がありません。"))
        .collect();
    if !missing.is_empty() {
        problems.extend(missing);
        return (None, problems);
    }
    let mut rows = Vec::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(CsvProblem {
                    line: e.position().map_or(0, |p| p.line()),
                    column: None,
                    reason: "CSVとして読めません（引用符が閉じていない？）。".into(),
                });
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
                    .map(|v| v.trim().to_owned())
                    .filter(|v| !v.is_empty())
            })
            .collect();
        rows.push(TableRow {
            line: record.position().map_or(0, |p| p.line()),
            cells,
        });
    }
    (Some(Table { rows }), problems)
}

/// A date as the personnel system writes it: 2027-04-01 or 2027/04/01 (also 2027/4/1).
pub fn parse_date(text: &str) -> Option<chrono::NaiveDate> {
    ["%Y-%m-%d", "%Y/%m/%d"]
        .iter()
        .find_map(|f| chrono::NaiveDate::parse_from_str(text.trim(), f).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spreadsheet::SpreadsheetEncoding;

    #[test]
    fn a_file_with_utf8_lines_among_shift_jis_names_them() {
        let mut bytes =
            spreadsheet::encode("職員番号,氏名\n1,沼津\n", SpreadsheetEncoding::ShiftJis).unwrap();
        bytes.extend_from_slice("2,富士\n".as_bytes());
        let (_, problems) = read(&bytes, &["職員番号", "氏名"], &[0]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, 3);
    }

    #[test]
    fn a_quote_left_open_is_a_problem_at_its_line() {
        let text = "職員番号,氏名\r\n1,\"沼津\r\n2,富士\r\n";
        let (table, problems) = read(text.as_bytes(), &["職員番号", "氏名"], &[0]);
        assert!(table.is_none());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, 2);
        assert_eq!(problems[0].reason, spreadsheet::UNCLOSED_QUOTE);
    }

    #[test]
    fn dates_read_in_both_forms_and_nonsense_is_refused() {
        let april = chrono::NaiveDate::from_ymd_opt(2027, 4, 1);
        assert_eq!(parse_date("2027/4/1"), april);
        assert_eq!(parse_date("2027-04-01"), april);
        assert_eq!(parse_date("2027-02-30"), None);
        assert_eq!(parse_date("R9.4.1"), None);
    }
}

//! The staff directory, from the personnel CSV: 職員番号, 氏名, 所属, メール, 内線,
//! LoGoチャットID (the first three required). UTF-8 (with or without BOM) or Shift_JIS
//! (CP932), as Excel saves it. A file with any bad row changes nothing.

use std::collections::HashMap;

use crate::storage::StaffMember;

/// A 職員番号 as the directory keeps it: up to 20 ASCII letters, digits and `-` (it also
/// names the person's directory account, so nothing a DN would need escaped, and no
/// full-width twin of an existing number).
pub fn is_employee_no(no: &str) -> bool {
    !no.is_empty() && no.len() <= 20 && no.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The columns, as the header row names them.
pub const COLUMNS: [&str; 6] = [
    "職員番号",
    "氏名",
    "所属",
    "メール",
    "内線",
    "LoGoチャットID",
];

/// Why a directory file cannot be imported. Messages name rows and columns, never the
/// values (personal information).
#[derive(Debug, thiserror::Error)]
pub enum StaffCsvError {
    #[error("見出しに「{0}」の列がありません。")]
    MissingColumn(&'static str),
    #[error("{line}行目: {reason}")]
    Row { line: u64, reason: String },
    #[error("CSVとして読めません: {0}")]
    Csv(String),
}

/// Reads the directory from CSV bytes.
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<StaffMember>, StaffCsvError> {
    let (text, _) =
        crate::spreadsheet::decode(bytes).map_err(|e| StaffCsvError::Csv(e.to_string()))?;
    // Excel ends rows with CRLF; the csv reader would number later rows one too low.
    let text = text.replace("\r\n", "\n");
    if let Some(line) = crate::spreadsheet::unclosed_quote(&text) {
        let reason = crate::spreadsheet::UNCLOSED_QUOTE.into();
        return Err(StaffCsvError::Row { line, reason });
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| StaffCsvError::Csv(e.to_string()))?
        .clone();
    let index: HashMap<&str, usize> = headers.iter().enumerate().map(|(i, h)| (h, i)).collect();
    let column = |name: &'static str| index.get(name).copied();
    for required in &COLUMNS[..3] {
        column(required).ok_or(StaffCsvError::MissingColumn(required))?;
    }
    let mut staff = Vec::new();
    let mut lines: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| match e.position() {
            Some(p) => StaffCsvError::Row {
                line: p.line(),
                reason: "セルの数が見出しと合いません。".into(),
            },
            None => StaffCsvError::Csv(e.to_string()),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue; // Excel leaves rows of empty cells behind
        }
        let get = |name: &'static str| {
            column(name)
                .and_then(|i| record.get(i))
                .map(str::to_owned)
                .filter(|v| !v.is_empty())
        };
        let row_error = |reason: String| StaffCsvError::Row { line, reason };
        let employee_no = get("職員番号").ok_or_else(|| row_error("職員番号が空です。".into()))?;
        if !is_employee_no(&employee_no) {
            return Err(row_error(
                "職員番号は半角の英数字と - で20文字までです。".into(),
            ));
        }
        let name = get("氏名").ok_or_else(|| row_error("氏名が空です。".into()))?;
        let department = get("所属").ok_or_else(|| row_error("所属が空です。".into()))?;
        if let Some(first) = lines.insert(employee_no.clone(), line) {
            return Err(row_error(format!("{first}行目と同じ職員番号です。")));
        }
        let email = get("メール");
        if email.as_ref().is_some_and(|e| !e.contains('@')) {
            return Err(row_error(
                "メールがメールアドレスの形ではありません。".into(),
            ));
        }
        staff.push(StaffMember {
            employee_no,
            name,
            department,
            email,
            extension: get("内線"),
            logochat_id: get("LoGoチャットID"),
        });
    }
    let mut logo: HashMap<&str, &str> = HashMap::new();
    for member in &staff {
        if let Some(id) = &member.logochat_id {
            if let Some(other) = logo.insert(id, &member.employee_no) {
                return Err(StaffCsvError::Row {
                    line: lines[&member.employee_no],
                    reason: format!("{}行目と同じLoGoチャットIDです。", lines[other]),
                });
            }
        }
    }
    Ok(staff)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "職員番号,氏名,所属,メール,内線,LoGoチャットID\n\
        10001,沼津 太郎,ICT推進課,taro@city.numazu.lg.jp,1234,logo-taro\n\
        10002,千本 花子,市民課,,2345,\n";

    #[test]
    fn reads_utf8_with_bom_and_shift_jis() {
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend_from_slice(CSV.as_bytes());
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(CSV);
        for bytes in [CSV.as_bytes().to_vec(), with_bom, sjis.into_owned()] {
            let staff = parse_csv(&bytes).unwrap();
            assert_eq!(staff.len(), 2);
            assert_eq!(staff[0].name, "沼津 太郎");
            assert_eq!(staff[0].logochat_id.as_deref(), Some("logo-taro"));
            assert_eq!(staff[1].email, None);
        }
    }

    #[test]
    fn bad_rows_name_the_line_and_not_the_value() {
        let cases = [
            ("職員番号,氏名\n1,a\n", "所属"),
            ("職員番号,氏名,所属\n1,a,b\n1,c,d\n", "3行目"),
            // Excel's CRLF and its rows of empty cells: the line is still the file's.
            (
                "職員番号,氏名,所属\r\n1,a,b\r\n,,\r\n2,,d\r\n",
                "4行目: 氏名が空です。",
            ),
            ("職員番号,氏名,所属\n1,,b\n", "氏名"),
            ("職員番号,氏名,所属\n1,a\n", "2行目"),
            ("職員番号,氏名,所属,メール\n1,a,b,secret-value\n", "メール"),
            // A quote never closed would fold every later person into one cell.
            (
                "職員番号,氏名,所属\r\n1,a,b\r\n2,\"c,d\r\n3,e,f\r\n",
                "3行目: この行で始まるセルの引用符",
            ),
            (
                "職員番号,氏名,所属,LoGoチャットID\n1,a,b,x\n2,c,d,x\n",
                "LoGoチャットID",
            ),
        ];
        for (csv, expected) in cases {
            let err = parse_csv(csv.as_bytes()).unwrap_err().to_string();
            assert!(err.contains(expected), "{csv:?}: {err}");
            assert!(!err.contains("secret-value"));
        }
    }
}

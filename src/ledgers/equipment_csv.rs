//! The equipment register as a CSV file (the shared rules in `sheet.rs`): one device a row
//! under 資産番号, 種別, 機種, 製造番号, 設置場所・所属コード, 所属, 使用者職員番号, 状態,
//! 備考. An import checks the whole file (each row's fields, asset numbers given twice,
//! 職員番号 the staff directory does not hold, changes the register does not allow) and
//! writes every new or changed device in one transaction, or nothing; a dry run checks
//! and counts the same way and writes nothing.

use std::collections::HashMap;

use super::equipment::DeviceSpec;
use super::equipment_view::shown;
use super::import::ImportSummary;
use super::sheet::{read_sheet, would_empty, write_sheet, CsvProblem, LedgerCsvError};
use super::{LedgerResult, Ledgers};
use crate::domain::equipment::{state_change, DeviceField, StateChangeRefused};
use crate::domain::{DeviceState, TextEnum};
use crate::spreadsheet::SpreadsheetEncoding;
use crate::storage::equipment::{self, DeviceLine, HistoryEntry};
use crate::storage::{audit, staff, AuditEntry};

/// The file's columns: Japanese header, English header (the API's field names).
fn columns() -> [(&'static str, &'static str); 9] {
    let mut columns = [("", ""); 9];
    for (slot, field) in columns.iter_mut().zip(DeviceField::ALL) {
        *slot = (field.label(), field.as_str());
    }
    columns
}

/// A row of the file that read: its line and the register's line it asks for.
struct FileLine {
    line: u64,
    device: DeviceLine,
}

fn at(line: u64, field: DeviceField, reason: impl Into<String>) -> CsvProblem {
    CsvProblem::new(line, Some(field.label()), reason)
}

/// A file as read: the rows that read, every problem of the others, the encoding, and
/// the columns (as [`DeviceField`] indexes) its header lacks.
struct FileRead {
    lines: Vec<FileLine>,
    problems: Vec<CsvProblem>,
    encoding: SpreadsheetEncoding,
    absent: Vec<usize>,
}

/// Reads a file.
fn read(bytes: &[u8]) -> Result<FileRead, LedgerCsvError> {
    let columns = columns();
    let (sheet, mut problems) = read_sheet(bytes, &columns, &[0, 1])?;
    let mut lines = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for row in &sheet.rows {
        let cell = |field: DeviceField| row.cell(field as usize);
        let spec = DeviceSpec {
            asset: cell(DeviceField::Asset).unwrap_or_default(),
            kind: cell(DeviceField::Kind).unwrap_or_default(),
            model: cell(DeviceField::Model),
            serial: cell(DeviceField::Serial),
            department_code: cell(DeviceField::DepartmentCode),
            department: cell(DeviceField::Department),
            person: cell(DeviceField::Person),
            state: cell(DeviceField::State),
            note: cell(DeviceField::Note),
        };
        match spec.checked() {
            Ok(device) => {
                if let Some(first) = seen.insert(device.asset_no.clone(), row.line) {
                    let reason = format!("{first}行目と同じ資産番号です。");
                    problems.push(at(row.line, DeviceField::Asset, reason));
                }
                lines.push(FileLine {
                    line: row.line,
                    device,
                });
            }
            Err(found) => problems.extend(found.into_iter().map(|(f, r)| at(row.line, f, r))),
        }
    }
    Ok(FileRead {
        lines,
        problems,
        encoding: sheet.encoding,
        absent: sheet.absent(),
    })
}

/// The problems of taking `wanted` over `current` from a file that lacks the columns
/// `absent`: each such column where the register holds something the line would empty
/// (a file without 使用者職員番号 would otherwise unassign every device it names).
fn emptied(
    line: u64,
    current: &DeviceLine,
    wanted: &DeviceLine,
    absent: &[usize],
) -> Vec<CsvProblem> {
    let (was, now) = (shown(current), shown(wanted));
    absent
        .iter()
        .filter(|c| !was[**c].1.is_empty() && was[**c].1 != now[**c].1)
        .map(|c| {
            let label = was[*c].0.label();
            CsvProblem::new(line, Some(label), would_empty(label))
        })
        .collect()
}

/// Why the register cannot take the file's line over its current one, if it cannot.
fn refused_change(current: &DeviceLine, wanted: &DeviceLine) -> Option<(DeviceField, String)> {
    if current.state == DeviceState::Disposed {
        return Some((DeviceField::State, StateChangeRefused::Final.to_string()));
    }
    if current.state == wanted.state {
        return None;
    }
    state_change(current.state, wanted.state)
        .err()
        .map(|e| (DeviceField::State, e.to_string()))
}

impl Ledgers {
    /// Imports a register file (UTF-8 with or without BOM, or Shift_JIS). With `dry_run`,
    /// only checks and counts.
    pub async fn import_equipment_csv(
        &self,
        bytes: &[u8],
        dry_run: bool,
        actor: &str,
    ) -> LedgerResult<ImportSummary<DeviceState>> {
        let FileRead {
            lines,
            mut problems,
            encoding,
            absent,
        } = read(bytes)?;
        let mut tx = self.store.begin().await?;
        let people: Vec<&str> = lines
            .iter()
            .filter_map(|l| l.device.person_no.as_deref())
            .collect();
        let known = staff::known(&mut tx.conn(), &people).await?;
        let current: HashMap<String, _> = equipment::all(&mut tx.conn())
            .await?
            .into_iter()
            .map(|d| (d.line.asset_no.clone(), d))
            .collect();
        let mut summary = ImportSummary::new(dry_run, encoding, lines.len());
        let mut writes = Vec::new();
        for FileLine { line, device } in &lines {
            if let Some(person) = device.person_no.as_deref().filter(|p| !known.contains(*p)) {
                let reason = format!("職員番号 {person} は職員名簿にありません。");
                problems.push(at(*line, DeviceField::Person, reason));
            }
            summary.count(device.state);
            match current.get(&device.asset_no) {
                None => {
                    summary.created += 1;
                    writes.push((None, device));
                }
                Some(c) if c.line == *device => summary.unchanged += 1,
                Some(c) => match refused_change(&c.line, device) {
                    Some((field, reason)) => problems.push(at(*line, field, reason)),
                    None => {
                        let emptied = emptied(*line, &c.line, device, &absent);
                        if emptied.is_empty() {
                            summary.changed += 1;
                            writes.push((Some(c), device));
                        }
                        problems.extend(emptied);
                    }
                },
            }
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.line); // stable: a line's problems keep their order
            return Err(LedgerCsvError::Problems(problems).into());
        }
        if dry_run {
            return Ok(summary);
        }
        for (before, after) in writes {
            let written = match before {
                None => equipment::insert(&mut tx, after, actor).await?.is_some(),
                Some(c) => equipment::update(&mut tx, after, c.version, actor).await?,
            };
            if !written {
                let asset = after.asset_no.clone();
                return Err(crate::storage::StorageError::Conflict(asset).into());
            }
            let entry = HistoryEntry {
                action: "import",
                reason: "CSV取り込み",
                before: before.map(|c| &c.line),
                after,
                actor,
            };
            equipment::append_history(&mut tx, &entry).await?;
        }
        let detail = format!(
            "rows {}, created {}, changed {}",
            summary.rows, summary.created, summary.changed
        );
        let entry = AuditEntry::new(actor, "equipment.import", "equipment", "csv").detail(detail);
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(summary)
    }

    /// The whole register as a CSV file. Audited: the register names people.
    pub async fn export_equipment_csv(
        &self,
        encoding: SpreadsheetEncoding,
        actor: &str,
    ) -> LedgerResult<Vec<u8>> {
        let devices = equipment::all(&mut self.store.conn()).await?;
        let rows = devices.iter().map(|d| {
            let cells = super::equipment_view::shown(&d.line).map(|(_, value)| value);
            (d.line.asset_no.clone(), cells)
        });
        let bytes = write_sheet(columns().map(|(ja, _)| ja), rows, encoding)
            .map_err(LedgerCsvError::from)?;
        let entry = AuditEntry::new(actor, "equipment.export", "equipment", "csv")
            .detail(format!("rows {}", devices.len()));
        self.store.record_audit(&entry).await?;
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spreadsheet::encode;

    fn problems(text: &str) -> Vec<String> {
        let problems = read(text.as_bytes()).unwrap().problems;
        problems.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_quote_left_open_refuses_the_file_at_the_line_it_opens() {
        let text = "資産番号,種別,備考\r\n\
                    PC-0001,PC,\"閉じた\"\r\n\
                    PC-0002,PC,\"開いたまま\r\n\
                    PC-0003,PC,\r\n";
        match read(text.as_bytes()) {
            Err(LedgerCsvError::Problems(problems)) => {
                let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
                assert_eq!(problems.len(), 1, "{problems:?}");
                assert!(problems[0].starts_with("3行目"), "{problems:?}");
                assert!(problems[0].contains("引用符"), "{problems:?}");
                assert!(!problems[0].contains("開いたまま"), "no cell value");
            }
            other => panic!("the file was taken: {:?}", other.map(|r| r.lines.len())),
        }
    }

    #[test]
    fn a_shift_jis_file_reads_with_labels_or_names() {
        let text = "資産番号,種別,機種,使用者職員番号,状態\r\n\
                    PC-0001,PC,FMV-A,10001,配備中\r\n\
                    HUB-01,network,,,in_stock\r\n";
        let bytes = encode(text, SpreadsheetEncoding::ShiftJis).unwrap();
        let FileRead {
            lines,
            problems,
            encoding,
            absent,
        } = read(&bytes).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        let absent: Vec<DeviceField> = absent.iter().map(|c| DeviceField::ALL[*c]).collect();
        assert_eq!(
            absent,
            [
                DeviceField::Serial,
                DeviceField::DepartmentCode,
                DeviceField::Department,
                DeviceField::Note
            ]
        );
        assert_eq!(encoding, SpreadsheetEncoding::ShiftJis);
        assert_eq!(lines[0].device.person_no.as_deref(), Some("10001"));
        assert_eq!(lines[1].device.state, DeviceState::InStock);
        assert_eq!(lines[1].line, 3);
    }

    #[test]
    fn every_problem_is_named_by_line_and_column() {
        let text = "資産番号,種別,使用者職員番号,状態\r\n\
                    PC-0001,PC,,在庫\r\n\
                    PC-0002,パソコン,,在庫\r\n\
                    PC-0003,PC,,使用中\r\n\
                    PC-0004,PC,10001,在庫\r\n\
                    PC-0001,PC,,在庫\r\n\
                    PC 5,PC,,\r\n";
        assert_eq!(
            problems(text),
            [
                "3行目「種別」: PC・タブレット・Web会議用端末・プロジェクター・プリンター・携帯電話・ルーター/HUB・ケーブル・アダプターのどれかです。",
                "4行目「状態」: 在庫・貸出用・配備中・修理中・廃棄のどれかです。",
                "5行目「使用者職員番号」: 「在庫」の機器には使用者を入れられません。",
                "6行目「資産番号」: 2行目と同じ資産番号です。",
                "7行目「資産番号」: 資産番号に空白や / ? # % は使えません。",
            ]
        );
        let missing: Vec<String> = match read("機種\r\n".as_bytes()) {
            Err(LedgerCsvError::Problems(p)) => p.iter().map(ToString::to_string).collect(),
            other => panic!("{:?}", other.map(|r| r.problems)),
        };
        assert_eq!(
            missing,
            [
                "1行目「資産番号」: 列がありません。",
                "1行目「種別」: 列がありません。"
            ]
        );
        assert!(matches!(
            read(&[0x82, 0xff, 0xfe]),
            Err(LedgerCsvError::NotText)
        ));
    }

    #[test]
    fn a_disposed_device_takes_no_change_and_a_deployed_one_is_collected_first() {
        let line = |state| DeviceLine {
            asset_no: "PC-1".into(),
            kind: crate::domain::DeviceKind::Pc,
            model: None,
            serial: None,
            department_code: None,
            department: None,
            person_no: None,
            state,
            note: None,
        };
        let disposed = line(DeviceState::Disposed);
        let noted = DeviceLine {
            note: Some("x".into()),
            ..disposed.clone()
        };
        assert!(refused_change(&disposed, &noted).is_some());
        assert!(
            refused_change(&line(DeviceState::Deployed), &line(DeviceState::Disposed)).is_some()
        );
        assert!(
            refused_change(&line(DeviceState::InStock), &line(DeviceState::Disposed)).is_none()
        );
    }
}

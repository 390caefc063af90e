//! The problems of a refused import, export or synonym dictionary, as the console lists
//! them: one per line of the file where the library knows the line.

use std::fmt;

use crate::kb::csv::CsvImportError;
use crate::kb::files::KbError;
use crate::knowledge::MaintenanceError;

/// One problem: where (line, entry, column or file) and why.
pub struct Problem {
    /// The line of the uploaded file or the dictionary, when known.
    pub line: Option<u64>,
    /// The entry, column or file, when known.
    pub place: String,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "{line}行目")?;
        }
        if !self.place.is_empty() {
            if self.line.is_some() {
                f.write_str(" ")?;
            }
            write!(f, "{}", self.place)?;
        }
        if self.line.is_some() || !self.place.is_empty() {
            f.write_str("：")?;
        }
        f.write_str(&self.reason)
    }
}

fn problem(line: Option<u64>, place: String, reason: String) -> Problem {
    Problem {
        line,
        place,
        reason,
    }
}

/// The user's problems in `e` (an internal failure is not listed: it is logged instead).
pub fn problems_of(e: &MaintenanceError) -> Vec<Problem> {
    match e {
        MaintenanceError::Csv(CsvImportError::NotText(e)) if !e.utf8_lines.is_empty() => e
            .utf8_lines
            .iter()
            .map(|line| {
                let reason = crate::spreadsheet::UTF8_LINE.to_owned();
                problem(Some(*line), String::new(), reason)
            })
            .collect(),
        MaintenanceError::Csv(CsvImportError::NotText(_)) => vec![problem(
            None,
            String::new(),
            "ファイルがUTF-8でもShift_JISでもありません。ExcelではCSV形式で保存してください。"
                .into(),
        )],
        MaintenanceError::Csv(CsvImportError::Problems(list)) => list
            .iter()
            .map(|p| {
                let mut place = Vec::new();
                if let Some(id) = &p.id {
                    place.push(format!("ID {id}"));
                }
                if let Some(column) = p.column {
                    place.push(format!("「{column}」列"));
                }
                problem(Some(p.line), place.join("、"), p.reason.clone())
            })
            .collect(),
        MaintenanceError::Unencodable(e) => vec![problem(
            None,
            format!("ID {}、「{}」列", e.id, e.column),
            format!(
                "「{}」(U+{:04X}) はShift_JISで書けません。UTF-8のCSVで書き出してください。",
                e.source.character,
                u32::from(e.source.character)
            ),
        )],
        MaintenanceError::Files(KbError::Format { path, reason }) => {
            vec![problem(None, path.display().to_string(), reason.clone())]
        }
        MaintenanceError::Files(KbError::Duplicate { path, id }) => vec![problem(
            None,
            path.display().to_string(),
            format!("ID {id} が重複しています。"),
        )],
        MaintenanceError::Files(other) => vec![problem(None, String::new(), other.to_string())],
        MaintenanceError::Synonyms(invalid) => invalid
            .0
            .iter()
            .map(|e| problem(Some(e.line as u64), String::new(), e.reason.clone()))
            .collect(),
        MaintenanceError::Refused(list) => list
            .iter()
            .map(|p| {
                let mut place = Vec::new();
                if let Some(file) = &p.file {
                    place.push(file.clone());
                }
                place.push(format!("ID {}", p.id));
                place.push(format!("「{}」", p.column));
                problem(None, place.join("、"), p.reason.clone())
            })
            .collect(),
        MaintenanceError::Invalid(reason) => vec![problem(None, String::new(), reason.clone())],
        MaintenanceError::SynonymsConflict { .. } => {
            vec![problem(None, String::new(), e.to_string())]
        }
        MaintenanceError::Internal(_) => Vec::new(),
    }
}

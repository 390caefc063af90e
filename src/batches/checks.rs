//! The data checks of a run (データ確認作業), each a named rule with its result, made in
//! one pass over the file: its structure, the trailer's count and control totals,
//! required fields, field formats, duplicate keys, characters the printer cannot print,
//! and the difference from the previous run.

use std::collections::HashMap;
use std::io::BufRead;

use super::catalogue::{Catalogue, Job};
use super::definition::Field;
use super::formats::{
    check_number, check_postal, parse_amount, parse_date, parse_wareki, printable,
};
use super::records::{parse_line, Record, RecordReader, RecordType, StructureError};
use super::report::KEPT_FINDINGS;
pub use super::report::{CheckReport, CheckResult, Finding, PreviousRun, CHECKS};
use super::verdict::{ending, finish};
use crate::domain::{CheckStatus, FieldKind};

/// The checks under way.
pub(super) struct Checking<'j> {
    pub(super) job: &'j Job,
    pub(super) results: Vec<CheckResult>,
    pub(super) details: u64,
    pub(super) header: Option<Record>,
    pub(super) trailer: Option<Record>,
    pub(super) sums: Vec<i64>,
    pub(super) keys: HashMap<String, u64>,
    pub(super) longest: (usize, u64),
    pub(super) largest: (i64, u64),
    pub(super) last_detail: u64,
}

impl<'j> Checking<'j> {
    fn new(job: &'j Job) -> Self {
        let results = CHECKS
            .iter()
            .map(|&(name, label)| CheckResult {
                name,
                label,
                status: CheckStatus::Passed,
                finding_count: 0,
                findings: Vec::new(),
                summary: None,
            })
            .collect();
        Self {
            job,
            results,
            details: 0,
            header: None,
            trailer: None,
            sums: vec![0; job.definition.input.totals.len()],
            keys: HashMap::new(),
            longest: (0, 0),
            largest: (-1, 0),
            last_detail: 0,
        }
    }

    pub(super) fn find(
        &mut self,
        check: &str,
        status: CheckStatus,
        line: u64,
        field: Option<&str>,
        message: String,
    ) {
        let result = self
            .results
            .iter_mut()
            .find(|r| r.name == check)
            .expect("a known check");
        result.status = result.status.max(status);
        result.finding_count += 1;
        if result.findings.len() < KEPT_FINDINGS {
            result.findings.push(Finding {
                line,
                field: field.map(str::to_owned),
                message,
            });
        }
    }

    fn structure(&mut self, e: StructureError) {
        self.find(
            "structure",
            CheckStatus::Failed,
            e.line,
            e.field.as_deref(),
            e.message,
        );
    }
}

/// Checks the file read from `input` as `job`'s data. `catalogue` names the job a file
/// belongs to when it is another job's. Reads the file once, record by record.
pub fn check_file(
    catalogue: &Catalogue,
    job: &Job,
    input: impl BufRead,
    previous: Option<PreviousRun>,
) -> CheckReport {
    let mut state = Checking::new(job);
    let mut reader = RecordReader::new(job, input);
    let mut stopped = false;
    while let Some(next) = reader.next_record() {
        let record = match next {
            Ok(r) => r,
            Err(e) => {
                let e = match e.line {
                    1 => other_job(catalogue, job, reader.current_line(), e),
                    _ => e,
                };
                state.structure(e);
                stopped = true;
                break;
            }
        };
        if let Err(e) = order(&mut state, &record) {
            let e = match record.line {
                1 => other_job(catalogue, job, reader.current_line(), e),
                _ => e,
            };
            state.structure(e);
            stopped = true;
            break;
        }
        match record.kind {
            RecordType::Header => fields(&mut state, &record),
            RecordType::Detail => detail(&mut state, record),
            RecordType::Trailer => {
                fields(&mut state, &record);
                state.trailer = Some(record);
            }
        }
    }
    if !stopped {
        let last_line = reader_lines(&state);
        ending(&mut state, last_line);
    }
    finish(state, previous, stopped)
}

fn reader_lines(state: &Checking) -> u64 {
    state
        .trailer
        .as_ref()
        .map(|t| t.line)
        .unwrap_or(state.last_detail)
}

/// The header first, then details, the trailer last and once.
fn order(state: &mut Checking, record: &Record) -> Result<(), StructureError> {
    let at = |message: &str| StructureError {
        line: record.line,
        field: None,
        message: message.to_owned(),
    };
    if state.trailer.is_some() {
        return Err(at("トレーラレコードの後にレコードがあります"));
    }
    match (record.kind, state.header.is_some()) {
        (RecordType::Header, true) => Err(at("ヘッダレコードが2つあります")),
        (RecordType::Header, false) => {
            let input = &state.job.definition.input;
            let (index, field) = input
                .header
                .field(&input.job_code_field)
                .expect("validated");
            let code = &record.values[index];
            if field.value.as_deref() != Some(code.as_str()) {
                return Err(StructureError {
                    line: record.line,
                    field: Some(field.label.clone()),
                    message: format!(
                        "業務コードが「{code}」です(この業務は「{}」)",
                        state.job.job_code()
                    ),
                });
            }
            state.header = Some(record.clone());
            Ok(())
        }
        (_, false) => Err(at("先頭がヘッダレコードではありません")),
        _ => Ok(()),
    }
}

/// A structure error on line 1 of a file that is another job's: say whose.
fn other_job(
    catalogue: &Catalogue,
    job: &Job,
    first_line: &[u8],
    e: StructureError,
) -> StructureError {
    let owner = catalogue
        .jobs()
        .iter()
        .filter(|j| j.id() != job.id())
        .find(|other| {
            let input = &other.definition.input;
            parse_line(input, 1, first_line).is_ok_and(|record| {
                let index = input
                    .header
                    .field(&input.job_code_field)
                    .map_or(0, |(i, _)| i);
                record.kind == RecordType::Header && record.values[index] == other.job_code()
            })
        });
    match owner {
        Some(other) => StructureError {
            message: format!(
                "このファイルは「{}」({})のデータです。「{}」({})のデータではありません",
                other.definition.name,
                other.id(),
                job.definition.name,
                job.id()
            ),
            ..e
        },
        None => e,
    }
}

/// Required fields and formats of any record.
fn fields(state: &mut Checking, record: &Record) {
    let layout = state.job.definition.input.record(record.kind).clone();
    for (field, value) in layout.fields.iter().zip(&record.values) {
        if value.is_empty() {
            if field.required {
                state.find(
                    "required_fields",
                    CheckStatus::Failed,
                    record.line,
                    Some(&field.label),
                    "空欄です".into(),
                );
            }
            continue;
        }
        if let Err(message) = format_of(field, value) {
            state.find(
                "field_formats",
                CheckStatus::Failed,
                record.line,
                Some(&field.label),
                message,
            );
        }
    }
}

fn format_of(field: &Field, value: &str) -> Result<(), String> {
    match field.kind {
        FieldKind::Code => match field.value.as_deref() {
            Some(v) if v == value => Ok(()),
            _ => Err("区分の値が違います".into()),
        },
        FieldKind::Text => Ok(()),
        FieldKind::Number => check_number(value),
        FieldKind::Amount => parse_amount(value).map(|_| ()),
        FieldKind::Date => parse_date(value).map(|_| ()),
        FieldKind::Wareki => parse_wareki(value).map(|_| ()),
        FieldKind::Postal => check_postal(value),
    }
}

/// A detail record: fields, sums, key, printable text, preview candidates.
fn detail(state: &mut Checking, record: Record) {
    state.details += 1;
    state.last_detail = record.line;
    fields(state, &record);
    let input = state.job.definition.input.clone();
    for (i, total) in input.totals.iter().enumerate() {
        let (index, _) = input.detail.field(&total.detail).expect("validated");
        let amount = parse_amount(&record.values[index]).unwrap_or(0);
        state.sums[i] += amount;
        if i == 0 && amount > state.largest.0 {
            state.largest = (amount, record.line);
        }
    }
    let rules = &state.job.definition.checks;
    let key: Vec<&str> = rules
        .duplicate_key
        .iter()
        .map(|n| record.values[input.detail.field(n).expect("validated").0].as_str())
        .collect();
    let key = key.join("\u{1F}");
    if let Some(first) = state.keys.get(&key).copied() {
        let label = input
            .detail
            .field(&rules.duplicate_key[0])
            .expect("validated")
            .1
            .label
            .clone();
        state.find(
            "duplicate_keys",
            CheckStatus::Failed,
            record.line,
            Some(&label),
            format!("{first}行目と同じキーです"),
        );
    } else {
        state.keys.insert(key, record.line);
    }
    let mut printed = 0;
    for name in rules.printable.clone() {
        let (index, field) = input.detail.field(&name).expect("validated");
        let value = &record.values[index];
        printed += value.chars().count();
        let bad: Vec<String> = value
            .chars()
            .filter(|c| !printable(*c))
            .map(|c| format!("「{c}」(U+{:04X})", u32::from(c)))
            .collect();
        if !bad.is_empty() {
            let message = format!("プリンタで印刷できない文字があります: {}", bad.join(" "));
            state.find(
                "printable_characters",
                CheckStatus::Warning,
                record.line,
                Some(&field.label),
                message,
            );
        }
    }
    if printed > state.longest.0 {
        state.longest = (printed, record.line);
    }
}

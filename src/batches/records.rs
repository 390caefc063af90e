//! Reading a job's input file record by record, in its layout and encoding, without
//! holding the file in memory. Anything that is not the job's layout is a
//! [`StructureError`] with its line and field.

use std::io::{BufRead, Read};

use encoding_rs::SHIFT_JIS;

use super::catalogue::Job;
use super::definition::{InputLayout, RecordLayout};
use super::formats::trim_field;
use crate::domain::{InputEncoding, InputFormat};

/// Which of a job's three record types a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordType {
    Header,
    Detail,
    Trailer,
}

impl RecordType {
    pub fn label(self) -> &'static str {
        match self {
            RecordType::Header => "ヘッダレコード",
            RecordType::Detail => "データレコード",
            RecordType::Trailer => "トレーラレコード",
        }
    }
}

/// One record: its line (from 1), its type, and its fields' values (spaces trimmed),
/// in the order of the layout.
#[derive(Debug, Clone)]
pub struct Record {
    pub line: u64,
    pub kind: RecordType,
    pub values: Vec<String>,
}

/// Why a file is not in the job's layout: where (line, field) and what.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StructureError {
    pub line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
}

impl std::fmt::Display for StructureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}行目 {}: {}", self.line, field, self.message),
            None => write!(f, "{}行目: {}", self.line, self.message),
        }
    }
}

fn error(line: u64, field: Option<&str>, message: impl Into<String>) -> StructureError {
    StructureError {
        line,
        field: field.map(str::to_owned),
        message: message.into(),
    }
}

impl InputLayout {
    pub fn record(&self, kind: RecordType) -> &RecordLayout {
        match kind {
            RecordType::Header => &self.header,
            RecordType::Detail => &self.detail,
            RecordType::Trailer => &self.trailer,
        }
    }
}

/// Reads records one at a time from any byte stream.
pub struct RecordReader<'j, R> {
    layout: &'j InputLayout,
    input: R,
    line: u64,
    buf: Vec<u8>,
}

impl<'j, R: BufRead> RecordReader<'j, R> {
    pub fn new(job: &'j Job, input: R) -> Self {
        Self {
            layout: &job.definition.input,
            input,
            line: 0,
            buf: Vec::with_capacity(512),
        }
    }

    /// The bytes of the line last read, without its line end.
    pub fn current_line(&self) -> &[u8] {
        &self.buf
    }

    /// The next record, `None` at the end of the file.
    pub fn next_record(&mut self) -> Option<Result<Record, StructureError>> {
        self.buf.clear();
        let read = match self.input.read_until(b'\n', &mut self.buf) {
            Ok(n) => n,
            Err(e) => return Some(Err(error(self.line + 1, None, format!("読めません: {e}")))),
        };
        if read == 0 {
            return None;
        }
        self.line += 1;
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
            if self.buf.last() == Some(&b'\r') {
                self.buf.pop();
            }
        }
        Some(parse_line(self.layout, self.line, &self.buf))
    }
}

/// One line in the layout.
pub fn parse_line(layout: &InputLayout, line: u64, bytes: &[u8]) -> Result<Record, StructureError> {
    let (kind, cells) = match layout.format {
        InputFormat::FixedWidth => split_fixed(layout, line, bytes)?,
        InputFormat::Csv => split_csv(layout, line, bytes)?,
    };
    let record = layout.record(kind);
    let mut values = Vec::with_capacity(cells.len());
    for (cell, field) in cells.iter().zip(&record.fields) {
        let text = decode(layout.encoding, cell).ok_or_else(|| {
            error(
                line,
                Some(&field.label),
                format!(
                    "{}として読めません(文字コードか桁位置の誤り)",
                    layout.encoding.label()
                ),
            )
        })?;
        values.push(trim_field(&text).to_owned());
    }
    Ok(Record { line, kind, values })
}

fn decode(encoding: InputEncoding, bytes: &[u8]) -> Option<String> {
    match encoding {
        InputEncoding::Utf8 => std::str::from_utf8(bytes).ok().map(str::to_owned),
        InputEncoding::ShiftJis => SHIFT_JIS
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|t| t.into_owned()),
    }
}

/// The record type whose first field (the type code) starts `first`.
fn record_type(
    layout: &InputLayout,
    line: u64,
    first: &[u8],
) -> Result<RecordType, StructureError> {
    [RecordType::Header, RecordType::Detail, RecordType::Trailer]
        .into_iter()
        .find(|&kind| {
            let code = layout.record(kind).fields[0]
                .value
                .as_deref()
                .unwrap_or_default();
            first.starts_with(code.as_bytes())
                && (layout.format == InputFormat::FixedWidth || first == code.as_bytes())
        })
        .ok_or_else(|| {
            let label = &layout.header.fields[0].label;
            error(
                line,
                Some(label),
                "レコード区分がヘッダ・データ・トレーラのどれでもありません",
            )
        })
}

fn split_fixed<'b>(
    layout: &InputLayout,
    line: u64,
    bytes: &'b [u8],
) -> Result<(RecordType, Vec<&'b [u8]>), StructureError> {
    if bytes.is_empty() {
        return Err(error(line, None, "空の行です"));
    }
    let kind = record_type(layout, line, bytes)?;
    let expected = layout.record_length.unwrap_or(0);
    if bytes.len() != expected {
        return Err(error(
            line,
            None,
            format!(
                "{}の長さが{}バイトです({}バイトのはず。途中で切れているか、別のレイアウトです)",
                kind.label(),
                bytes.len(),
                expected
            ),
        ));
    }
    let mut cells = Vec::new();
    let mut at = 0;
    for field in &layout.record(kind).fields {
        let width = field.width.unwrap_or(0);
        cells.push(&bytes[at..at + width]);
        at += width;
    }
    Ok((kind, cells))
}

fn split_csv<'b>(
    layout: &InputLayout,
    line: u64,
    bytes: &'b [u8],
) -> Result<(RecordType, Vec<&'b [u8]>), StructureError> {
    let bytes = if line == 1 {
        bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
    } else {
        bytes
    };
    if bytes.is_empty() {
        return Err(error(line, None, "空の行です"));
    }
    let mut cells: Vec<&[u8]> = Vec::new();
    for cell in bytes.split(|b| *b == b',') {
        let unquoted = cell
            .strip_prefix(b"\"")
            .and_then(|c| c.strip_suffix(b"\""))
            .unwrap_or(cell);
        if unquoted.contains(&b'"') {
            return Err(error(
                line,
                None,
                format!("{}列目: 引用符(\")の使い方が誤っています", cells.len() + 1),
            ));
        }
        cells.push(unquoted);
    }
    let kind = record_type(layout, line, cells[0])?;
    let expected = layout.record(kind).fields.len();
    if cells.len() != expected {
        return Err(error(
            line,
            None,
            format!(
                "{}の項目数が{}です({}のはず。途中で切れているか、別のレイアウトです)",
                kind.label(),
                cells.len(),
                expected
            ),
        ));
    }
    Ok((kind, cells))
}

/// A reader that hashes what passes through it (the input file's SHA-256 while it is
/// checked, without reading it twice).
pub struct HashingReader<R> {
    inner: R,
    hasher: sha2::Sha256,
}

impl<R: Read> HashingReader<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: sha2::Digest::new(),
        }
    }

    pub fn sha256_hex(self) -> String {
        hex::encode(sha2::Digest::finalize(self.hasher))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        sha2::Digest::update(&mut self.hasher, &buf[..n]);
        Ok(n)
    }
}

//! Synthetic input files in a job's layout (`madoguchi batch sample`): made-up names and
//! addresses, never anyone's data, with a trailer whose count and totals match. The same
//! job, count and seed always give the same bytes.

use std::io::Write;

use chrono::{Duration, NaiveDate};
use encoding_rs::SHIFT_JIS;

use super::catalogue::Job;
use super::definition::{Field, RecordLayout};
use crate::domain::{FieldKind, InputEncoding, InputFormat};

/// The `sample` words a text field may carry.
pub const SAMPLE_WORDS: [&str; 6] = [
    "person_name",
    "address",
    "bank",
    "branch",
    "subject",
    "blank",
];

const SURNAMES: [&str; 16] = [
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "渡辺",
    "伊藤",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "松本",
    "井上",
    "斎藤",
];
const GIVEN: [&str; 12] = [
    "太郎",
    "花子",
    "一郎",
    "和子",
    "幸子",
    "誠",
    "清",
    "茂",
    "節子",
    "美代子",
    "勝",
    "久子",
];
const TOWNS: [&str; 10] = [
    "大手町",
    "御幸町",
    "本町",
    "千本港町",
    "西條町",
    "高島町",
    "原",
    "大岡",
    "今沢",
    "下香貫",
];
const BANKS: [&str; 4] = ["するが銀行", "静岡銀行", "沼津信用金庫", "ゆうちょ銀行"];
const BRANCHES: [&str; 4] = ["本店", "沼津支店", "原支店", "大岡支店"];
const SUBJECTS: [&str; 4] = ["市県民税", "固定資産税", "軽自動車税", "国民健康保険税"];

/// splitmix64: small, fast, and the same everywhere.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Writes a synthetic file of `records` detail records for `job`.
pub fn write_sample(
    job: &Job,
    records: u64,
    seed: u64,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let input = &job.definition.input;
    let mut random = Random(seed);
    let mut sums = vec![0i64; input.totals.len()];
    let line_end: &[u8] = match input.format {
        InputFormat::FixedWidth => b"\r\n",
        InputFormat::Csv => b"\r\n",
    };
    let header = values(&input.header, 0, &mut random);
    out.write_all(&encode_record(job, &input.header, &header))?;
    out.write_all(line_end)?;
    for n in 1..=records {
        let detail = values(&input.detail, n, &mut random);
        for (i, total) in input.totals.iter().enumerate() {
            let (index, _) = input.detail.field(&total.detail).expect("validated");
            sums[i] += detail[index].parse::<i64>().unwrap_or(0);
        }
        out.write_all(&encode_record(job, &input.detail, &detail))?;
        out.write_all(line_end)?;
    }
    let mut trailer = values(&input.trailer, 0, &mut random);
    for (field, value) in input.trailer.fields.iter().zip(trailer.iter_mut()) {
        if field.name == input.count_field {
            *value = digits(records as i64, field);
        }
        if let Some(i) = input.totals.iter().position(|t| t.trailer == field.name) {
            *value = digits(sums[i], field);
        }
    }
    out.write_all(&encode_record(job, &input.trailer, &trailer))?;
    out.write_all(line_end)
}

/// A number zero-padded to a fixed-width field, or as it is in CSV.
fn digits(n: i64, field: &Field) -> String {
    match field.width {
        Some(w) => format!("{n:0w$}"),
        None => n.to_string(),
    }
}

/// Values for every field of a record; `n` is the detail's sequence number (unique keys).
fn values(layout: &RecordLayout, n: u64, random: &mut Random) -> Vec<String> {
    let base = NaiveDate::from_ymd_opt(2026, 4, 1).expect("valid");
    layout
        .fields
        .iter()
        .map(|field| match field.kind {
            FieldKind::Code => field.value.clone().unwrap_or_default(),
            FieldKind::Number if field.name == "fiscal_year" => "2026".to_owned(),
            FieldKind::Number => {
                let low = 10u64.pow(field.width.unwrap_or(8).clamp(1, 18) as u32 - 1);
                digits((low + n % (9 * low)) as i64, field)
            }
            FieldKind::Amount => digits(100 * (10 + random.below(3_000)) as i64, field),
            FieldKind::Date => (base + Duration::days(random.below(300) as i64))
                .format("%Y%m%d")
                .to_string(),
            FieldKind::Wareki if field.name.contains("birth") => {
                format!(
                    "S{:02}{:02}{:02}",
                    10 + random.below(20),
                    1 + random.below(12),
                    1 + random.below(28)
                )
            }
            FieldKind::Wareki => {
                format!("R08{:02}{:02}", 4 + random.below(9), 1 + random.below(28))
            }
            FieldKind::Postal if field.width == Some(7) => {
                format!("410{:04}", random.below(10_000))
            }
            FieldKind::Postal => format!("410-{:04}", random.below(10_000)),
            FieldKind::Text => text(field, random),
        })
        .collect()
}

fn text(field: &Field, random: &mut Random) -> String {
    match field.sample.as_deref().unwrap_or("blank") {
        "person_name" => format!("{} {}", random.pick(&SURNAMES), random.pick(&GIVEN)),
        "address" => {
            let mut address = format!(
                "静岡県沼津市{}{}丁目{}番{}号",
                random.pick(&TOWNS),
                1 + random.below(5),
                1 + random.below(30),
                1 + random.below(20)
            );
            if random.below(5) == 0 {
                address.push_str(&format!(" コーポ富士見{}号室", 101 + random.below(8)));
            }
            address
        }
        "bank" => random.pick(&BANKS).to_owned(),
        "branch" => random.pick(&BRANCHES).to_owned(),
        "subject" => random.pick(&SUBJECTS).to_owned(),
        _ => String::new(),
    }
}

/// One record's bytes in the job's format and encoding (fixed width: text padded with
/// spaces, cut to the field's width on a character boundary).
fn encode_record(job: &Job, layout: &RecordLayout, values: &[String]) -> Vec<u8> {
    let input = &job.definition.input;
    let encode = |text: &str| -> Vec<u8> {
        match input.encoding {
            InputEncoding::Utf8 => text.as_bytes().to_vec(),
            InputEncoding::ShiftJis => SHIFT_JIS.encode(text).0.into_owned(),
        }
    };
    match input.format {
        InputFormat::Csv => values
            .iter()
            .map(|v| encode(v))
            .collect::<Vec<_>>()
            .join(&b","[..]),
        InputFormat::FixedWidth => {
            let mut out = Vec::new();
            for (field, value) in layout.fields.iter().zip(values) {
                let width = field.width.unwrap_or(0);
                let mut text = value.clone();
                let mut bytes = encode(&text);
                while bytes.len() > width {
                    text.pop();
                    bytes = encode(&text);
                }
                bytes.resize(width, b' ');
                out.extend_from_slice(&bytes);
            }
            out
        }
    }
}

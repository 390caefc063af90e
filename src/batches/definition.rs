//! A print job's definition as written in `integrations/print-batches/<job>.toml`: the
//! typed shape serde reads. [`super::catalogue`] checks that the parts agree.

use chrono::Weekday;
use serde::{Deserialize, Serialize};

use crate::domain::{ClosedDayRule, FieldKind, FormKind, InputEncoding, InputFormat, OutputRoute};

/// One print job (定例印刷作業), as the city asked for it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobDefinition {
    /// Short stable name: lowercase letters, digits and hyphens (`kouki-kettei`).
    pub id: String,
    /// The form's name in the 業務要件書 (`決定通知書`).
    pub name: String,
    /// 担当課, who sends the data and receives the reminders.
    pub department: String,
    /// The system the data comes from (`後期高齢医療システム`).
    pub source_system: String,
    /// Raised on every change the city asks for (5(3)ア③).
    pub revision: u32,
    /// The cycle as the 業務要件書 words it (`年10回(4月~1月)`).
    pub cycle: String,
    pub schedule: ScheduleRule,
    pub input: InputLayout,
    pub checks: CheckRules,
    pub form: Form,
    pub output: Output,
    pub selftest: SelfTest,
}

/// When a job runs; see [`super::schedule`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ScheduleRule {
    /// On `day` of each of `months` (1-12, in fiscal order from April).
    Monthly {
        months: Vec<u32>,
        day: u32,
        closed_day: ClosedDayRule,
        /// The data is due from the 担当課 this many business days before the run.
        data_due_business_days: u32,
    },
    /// Every week on `weekdays` (`"tue"`, `"fri"`).
    Weekly {
        weekdays: Vec<Weekday>,
        closed_day: ClosedDayRule,
        data_due_business_days: u32,
    },
    /// 随時: when the 担当課 asks; never on the yearly schedule.
    OnDemand,
}

/// The input file: its format, encoding and records.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputLayout {
    pub format: InputFormat,
    pub encoding: InputEncoding,
    /// Fixed-width files: the bytes of every record, line end not counted.
    #[serde(default)]
    pub record_length: Option<usize>,
    /// The header field holding the job's code (tells one job's file from another's).
    pub job_code_field: String,
    /// The trailer field holding the number of detail records.
    pub count_field: String,
    /// The trailer's control totals: each the sum of a detail field.
    #[serde(default)]
    pub totals: Vec<ControlTotal>,
    pub header: RecordLayout,
    pub detail: RecordLayout,
    pub trailer: RecordLayout,
}

/// A trailer field that must equal the sum of a detail field.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlTotal {
    pub trailer: String,
    pub detail: String,
}

/// The fields of one record type, in order. The first is the record type code.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordLayout {
    pub fields: Vec<Field>,
}

/// One field of a record.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Name used by checks and forms (`insured_number`).
    pub name: String,
    /// Japanese name shown in check results (`被保険者番号`).
    pub label: String,
    pub kind: FieldKind,
    /// Fixed-width files: the field's width in bytes.
    #[serde(default)]
    pub width: Option<usize>,
    /// `code` fields: the value the field must hold.
    #[serde(default)]
    pub value: Option<String>,
    /// Must not be blank.
    #[serde(default)]
    pub required: bool,
    /// What `madoguchi batch sample` writes into a text field: `person_name`, `address`,
    /// `bank`, `branch`, `subject`, `blank` (default: `blank`). Synthetic data only.
    #[serde(default)]
    pub sample: Option<String>,
}

impl RecordLayout {
    /// The field called `name`, with its position.
    pub fn field(&self, name: &str) -> Option<(usize, &Field)> {
        self.fields.iter().enumerate().find(|(_, f)| f.name == name)
    }
}

/// The data checks beyond what the fields say (formats and required fields come from them).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRules {
    /// Detail fields that together identify a record: no two records may share them.
    pub duplicate_key: Vec<String>,
    /// Detail fields printed as text: every character must be in the printer's set.
    pub printable: Vec<String>,
    /// Count and total may differ from the previous run of the job by this much (percent)
    /// before the difference check warns.
    pub previous_run_tolerance_percent: f64,
}

/// The form printed for each detail record; positions in millimetres from the top left.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    pub kind: FormKind,
    pub title: String,
    #[serde(default)]
    pub texts: Vec<FormText>,
    #[serde(default)]
    pub lines: Vec<FormLine>,
    #[serde(default)]
    pub boxes: Vec<FormBox>,
}

/// Text placed at (`x`, `y`) mm (the baseline's left end), `size` points. `text` may
/// name fields: `{name}` as it is, `{amount|yen}` as `12,345円`, `{date|date}` and
/// `{born|wareki}` as `令和8年4月1日`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormText {
    #[serde(default = "first_page")]
    pub page: u32,
    pub x: f32,
    pub y: f32,
    pub size: f32,
    pub text: String,
}

/// A ruled line; `dashed` for a perforation (切取線).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormLine {
    #[serde(default = "first_page")]
    pub page: u32,
    pub x1: f32,
    pub y1: f32,
    pub x2: f32,
    pub y2: f32,
    #[serde(default)]
    pub dashed: bool,
}

/// A rectangle's outline.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormBox {
    #[serde(default = "first_page")]
    pub page: u32,
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

fn first_page() -> u32 {
    1
}

impl Form {
    /// Pages printed for each record (2 for the inside of a pressure-seal postcard).
    pub fn pages_per_record(&self) -> u32 {
        let texts = self.texts.iter().map(|t| t.page);
        let lines = self.lines.iter().map(|l| l.page);
        let boxes = self.boxes.iter().map(|b| b.page);
        texts.chain(lines).chain(boxes).max().unwrap_or(1)
    }
}

/// Where the printed output goes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    pub route: OutputRoute,
    /// The CUPS queue (route `cups`), or the file name prefix in the spool folder.
    pub destination: String,
}

/// The job's own check (5(3)ア④): a sample input and the checksum of what it renders to.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelfTest {
    /// Records in the sample, made with `madoguchi batch sample JOB --records N --seed S`.
    pub records: usize,
    pub seed: u64,
    /// SHA-256 of the sample input file, hex.
    #[serde(default)]
    pub expected_input_sha256: String,
    /// SHA-256 of the rendered PDF of the sample, hex.
    #[serde(default)]
    pub expected_output_sha256: String,
}

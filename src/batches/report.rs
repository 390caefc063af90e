//! What the data checks found: each named check with its status and findings.

use serde::Serialize;

use crate::domain::CheckStatus;

/// Findings kept per check (the count goes on).
pub const KEPT_FINDINGS: usize = 50;

/// The checks, in the order they are reported: (name, 日本語名).
pub const CHECKS: [(&str, &str); 8] = [
    ("structure", "ファイルの形式"),
    ("trailer_count", "件数の照合"),
    ("control_totals", "合計金額の照合"),
    ("required_fields", "必須項目"),
    ("field_formats", "項目の形式"),
    ("duplicate_keys", "キーの重複"),
    ("printable_characters", "印刷できない文字"),
    ("previous_run", "前回との差"),
];

/// A finding: where and what. Values of personal data are never quoted, only positions
/// and characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
}

/// The result of one named check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub name: &'static str,
    pub label: &'static str,
    pub status: CheckStatus,
    /// All findings, of which the first [`KEPT_FINDINGS`] are in `findings`.
    pub finding_count: u64,
    pub findings: Vec<Finding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// The count and totals of the previous run of the same job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PreviousRun {
    pub records: u64,
    pub total: i64,
}

/// Everything the checks found.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub job: String,
    /// Detail records read.
    pub records: u64,
    /// Sum of the detail amounts of each control total (first one first).
    pub totals: Vec<(String, i64)>,
    pub checks: Vec<CheckResult>,
    /// Lines of the sample forms for the preview: first, last, longest address
    /// (longest printable text), largest amount.
    pub preview_lines: Vec<u64>,
}

impl CheckReport {
    /// The worst status of any check.
    pub fn status(&self) -> CheckStatus {
        let statuses = self.checks.iter().map(|c| c.status);
        if statuses.clone().any(|s| s == CheckStatus::Failed) {
            CheckStatus::Failed
        } else if statuses.clone().any(|s| s == CheckStatus::Warning) {
            CheckStatus::Warning
        } else {
            CheckStatus::Passed
        }
    }

    pub fn check(&self, name: &str) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.name == name)
    }

    /// The first total (the notices' amount), 0 when the job has none.
    pub fn total(&self) -> i64 {
        self.totals.first().map_or(0, |(_, t)| *t)
    }
}

//! The end of a file's checks: the trailer against what was read, the previous run, and
//! the report.

use super::checks::Checking;
use super::formats::parse_amount;
use super::report::{CheckReport, Finding, PreviousRun};
use crate::domain::CheckStatus;

/// The end of the file: a trailer must have come; its count and totals must agree.
pub(super) fn ending(state: &mut Checking, last_line: u64) {
    let Some(trailer) = state.trailer.clone() else {
        let message = if state.header.is_none() {
            "ファイルが空です".to_owned()
        } else {
            "トレーラレコードがありません(ファイルが途中で切れています)".to_owned()
        };
        state.find(
            "structure",
            CheckStatus::Failed,
            last_line.max(1),
            None,
            message,
        );
        return;
    };
    let input = &state.job.definition.input;
    let (index, field) = input.trailer.field(&input.count_field).expect("validated");
    let label = field.label.clone();
    match trailer.values[index].parse::<u64>() {
        Ok(count) if count == state.details => {}
        Ok(count) => state.find(
            "trailer_count",
            CheckStatus::Failed,
            trailer.line,
            Some(&label),
            format!(
                "トレーラの件数は{count}件、データレコードは{}件です",
                state.details
            ),
        ),
        Err(_) => state.find(
            "trailer_count",
            CheckStatus::Failed,
            trailer.line,
            Some(&label),
            "件数が読めません".into(),
        ),
    }
    for (i, total) in input.totals.clone().iter().enumerate() {
        let (index, field) = input.trailer.field(&total.trailer).expect("validated");
        let label = field.label.clone();
        match parse_amount(&trailer.values[index]) {
            Ok(expected) if expected == state.sums[i] => {}
            Ok(expected) => state.find(
                "control_totals",
                CheckStatus::Failed,
                trailer.line,
                Some(&label),
                format!(
                    "トレーラの合計は{expected}、データレコードの合計は{}です",
                    state.sums[i]
                ),
            ),
            Err(e) => state.find(
                "control_totals",
                CheckStatus::Failed,
                trailer.line,
                Some(&label),
                e,
            ),
        }
    }
}

pub(super) fn finish(
    mut state: Checking,
    previous: Option<PreviousRun>,
    stopped: bool,
) -> CheckReport {
    let tolerance = state.job.definition.checks.previous_run_tolerance_percent;
    let total = state.sums.first().copied().unwrap_or(0);
    let previous_result = state
        .results
        .iter_mut()
        .find(|r| r.name == "previous_run")
        .expect("known");
    match previous {
        None => {
            previous_result.status = CheckStatus::Skipped;
            previous_result.summary = Some("前回の実行がありません".into());
        }
        Some(p) => {
            let differs = |now: f64, before: f64| {
                before != 0.0 && ((now - before).abs() / before * 100.0) > tolerance
            };
            let count_off = differs(state.details as f64, p.records as f64);
            let total_off = differs(total as f64, p.total as f64);
            previous_result.summary = Some(format!(
                "件数 {}件(前回 {}件)、合計 {}(前回 {})、許容差 {}%",
                state.details, p.records, total, p.total, tolerance
            ));
            if count_off || total_off {
                previous_result.status = CheckStatus::Warning;
                previous_result.finding_count = 1;
                previous_result.findings.push(Finding {
                    line: 0,
                    field: None,
                    message: format!("前回との差が許容差({tolerance}%)を超えています"),
                });
            }
        }
    }
    if stopped {
        for result in state.results.iter_mut().filter(|r| r.name != "structure") {
            result.status = CheckStatus::Skipped;
            result.summary = Some("ファイルの形式の誤りのため確認できません".into());
        }
    }
    let mut preview_lines = Vec::new();
    if state.details > 0 {
        let first = state.header.as_ref().map_or(0, |h| h.line) + 1;
        for line in [first, state.last_detail, state.longest.1, state.largest.1] {
            if line > 0 && !preview_lines.contains(&line) {
                preview_lines.push(line);
            }
        }
    }
    let totals = state
        .job
        .definition
        .input
        .totals
        .iter()
        .zip(&state.sums)
        .map(|(t, s)| (t.detail.clone(), *s))
        .collect();
    CheckReport {
        job: state.job.id().to_owned(),
        records: state.details,
        totals,
        checks: state.results,
        preview_lines,
    }
}

//! The shipped catalogue, its schedule, samples and checks.

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

use super::*;
use crate::calendar::BusinessCalendar;
use crate::domain::CheckStatus;

fn catalogue() -> Catalogue {
    Catalogue::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(CATALOGUE_DIR))
        .expect("the shipped catalogue is valid")
}

fn sample(catalogue: &Catalogue, job: &str, records: u64) -> Vec<u8> {
    let mut out = Vec::new();
    sample::write_sample(catalogue.job(job).unwrap(), records, 7, &mut out).unwrap();
    out
}

fn check(catalogue: &Catalogue, job: &str, bytes: &[u8]) -> CheckReport {
    check_file(catalogue, catalogue.job(job).unwrap(), bytes, None)
}

fn structure_message(report: &CheckReport) -> String {
    let structure = report.check("structure").unwrap();
    assert_eq!(structure.status, CheckStatus::Failed, "{report:#?}");
    let f = &structure.findings[0];
    format!(
        "{}:{}:{}",
        f.line,
        f.field.clone().unwrap_or_default(),
        f.message
    )
}

#[test]
fn the_ten_jobs_of_the_requirements_are_in_the_catalogue() {
    let catalogue = catalogue();
    let names: Vec<&str> = catalogue
        .jobs()
        .iter()
        .map(|j| j.definition.name.as_str())
        .collect();
    assert_eq!(names.len(), 10, "{names:?}");
    for name in [
        "決定通知書",
        "変更決定通知書",
        "仮徴収額通知書",
        "滞納納付(滞納者用納付書)",
        "決定通知書【その2】",
        "変更決定通知書【その2】",
        "特別徴収仮徴収開始通知書",
        "後期高齢医療保険料額決定通知書",
        "口座振込通知はがき",
        "納付書・督促状(印刷業務の支援)",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    for job in catalogue.jobs() {
        assert_eq!(job.checksum.len(), 64);
        assert_eq!(job.form_checksum.len(), 64);
    }
}

#[test]
fn bad_definitions_are_refused_with_their_file_and_problem() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(CATALOGUE_DIR);
    let good = std::fs::read_to_string(dir.join("kouki-kettei.toml")).unwrap();
    let cases = [
        (good.replace("day = 10", "day = 31"), "schedule.day"),
        (
            good.replace("width = 183", "width = 180"),
            "add up to 197 bytes",
        ),
        (
            good.replace("{amount|yen}", "{amount|euro}"),
            "unknown format",
        ),
        (good.replace("{name} 様", "{nama} 様"), "no field \"nama\""),
        (
            good.replace("kind = \"monthly\"", "kind = \"daily\""),
            "unknown variant",
        ),
        (
            good.replace(
                "duplicate_key = [\"insured_number\"]",
                "duplicate_key = [\"id\"]",
            ),
            "no detail field \"id\"",
        ),
        (good.replace("x = 135.0", "x = 235.0"), "outside"),
        (
            good.replace("id = \"kouki-kettei\"", "id = \"Kouki Kettei\""),
            "lowercase",
        ),
    ];
    for (text, expected) in cases {
        let file = PathBuf::from("bad.toml");
        let err = Catalogue::from_sources(vec![(file, text.into_bytes())]).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("bad.toml") && message.contains(expected),
            "{expected}: {message}"
        );
    }
    let twice = vec![
        (PathBuf::from("a.toml"), good.clone().into_bytes()),
        (PathBuf::from("b.toml"), good.into_bytes()),
    ];
    let message = Catalogue::from_sources(twice).unwrap_err().to_string();
    assert!(message.contains("also used by a.toml"), "{message}");
}

#[test]
fn the_fiscal_2026_schedule_has_every_job_on_its_months_and_never_on_a_closed_day() {
    let catalogue = catalogue();
    let calendar = BusinessCalendar::default();
    let runs = fiscal_year(&catalogue, &calendar, 2026);
    let (first, last) = schedule::fiscal_year_span(2026).unwrap();
    for run in &runs {
        assert!(
            calendar.is_business_day(run.date),
            "{run:?} on a closed day"
        );
        assert!(first <= run.date && run.date <= last, "{run:?}");
        assert!(
            run.data_due < run.date && calendar.is_business_day(run.data_due),
            "{run:?}"
        );
    }
    let months = |job: &str| -> Vec<u32> {
        runs.iter()
            .filter(|r| r.job == job)
            .map(|r| r.date.month())
            .collect()
    };
    assert_eq!(months("kouki-kettei"), [4, 5, 6, 7, 8, 9, 10, 11, 12, 1]);
    assert_eq!(months("kouki-henkou"), [4, 5, 6, 7, 8, 9, 10, 11, 12, 1]);
    assert_eq!(months("kouki-karichoshu"), [4]);
    assert_eq!(months("kouki-tainou"), [7, 1]);
    assert_eq!(months("kouki-kettei-2"), [2, 3]);
    assert_eq!(months("kouki-henkou-2"), [2, 3]);
    assert_eq!(months("kouki-tokucho-kaishi"), [5, 7, 3]);
    assert_eq!(months("kouki-hokenryo-kettei"), [7]);
    assert!(months("ict-nofusho").is_empty(), "随時 is never scheduled");
    // 週2回: about 104 runs, at most two a week, never twice a day.
    let weekly: Vec<NaiveDate> = runs
        .iter()
        .filter(|r| r.job == "suito-furikomi")
        .map(|r| r.date)
        .collect();
    assert!((95..=104).contains(&weekly.len()), "{}", weekly.len());
    let mut distinct = weekly.clone();
    distinct.dedup();
    assert_eq!(distinct.len(), weekly.len());
    // 2026-05-10 is a Sunday: 決定通知書 moves earlier to Friday 5/8; 2026-10-10 is a
    // Saturday before a holiday Monday: earlier to Friday 10/9. 仮徴収額通知書 on Sunday
    // 2026-04-05 moves later to Monday 4/6.
    let on = |job: &str, month: u32| {
        runs.iter()
            .find(|r| r.job == job && r.date.month() == month)
            .unwrap()
    };
    assert_eq!(
        on("kouki-kettei", 5).date,
        NaiveDate::from_ymd_opt(2026, 5, 8).unwrap()
    );
    assert_eq!(
        on("kouki-kettei", 5).moved_from,
        NaiveDate::from_ymd_opt(2026, 5, 10)
    );
    assert_eq!(
        on("kouki-kettei", 10).date,
        NaiveDate::from_ymd_opt(2026, 10, 9).unwrap()
    );
    assert_eq!(
        on("kouki-karichoshu", 4).date,
        NaiveDate::from_ymd_opt(2026, 4, 6).unwrap()
    );
    // Tuesday 2026-09-22 (国民の休日) moves to Friday 9/18, which is a run day already.
    assert!(!weekly.contains(&NaiveDate::from_ymd_opt(2026, 9, 22).unwrap()));
    assert!(!weekly.contains(&NaiveDate::from_ymd_opt(2026, 9, 21).unwrap()));
}

#[test]
fn every_job_sample_passes_every_check() {
    let catalogue = catalogue();
    for job in catalogue.jobs() {
        let bytes = sample(&catalogue, job.id(), 200);
        let report = check(&catalogue, job.id(), &bytes);
        assert_eq!(report.records, 200, "{}", job.id());
        assert_eq!(
            report.status(),
            CheckStatus::Passed,
            "{}: {report:#?}",
            job.id()
        );
        assert_eq!(
            report.check("previous_run").unwrap().status,
            CheckStatus::Skipped
        );
        assert!(report.total() > 0);
        assert!(!report.preview_lines.is_empty());
    }
    let a = sample(&catalogue, "kouki-kettei", 20);
    assert_eq!(
        a,
        sample(&catalogue, "kouki-kettei", 20),
        "a seed gives the same file"
    );
}

/// `bytes` with line `line` (from 1) edited.
fn edit_line(bytes: &[u8], line: usize, edit: impl Fn(&mut Vec<u8>)) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    edit(&mut lines[line - 1]);
    lines.join(&b'\n')
}

#[test]
fn a_changed_amount_is_stopped_by_the_control_total() {
    let catalogue = catalogue();
    let bytes = sample(&catalogue, "kouki-kettei", 50);
    // Line 3's amount is at bytes 145..155 of the record.
    let changed = edit_line(&bytes, 3, |l| {
        l[154] = if l[154] == b'9' { b'8' } else { l[154] + 1 }
    });
    let report = check(&catalogue, "kouki-kettei", &changed);
    let totals = report.check("control_totals").unwrap();
    assert_eq!(totals.status, CheckStatus::Failed);
    assert_eq!(totals.findings[0].line, 52);
    assert_eq!(totals.findings[0].field.as_deref(), Some("合計金額"));
    assert_eq!(
        report.check("trailer_count").unwrap().status,
        CheckStatus::Passed
    );
    assert_eq!(report.status(), CheckStatus::Failed);
}

#[test]
fn bad_files_get_a_reason_with_line_and_field() {
    let catalogue = catalogue();
    let good = sample(&catalogue, "kouki-kettei", 10);
    let truncated = &good[..good.len() - 150];
    let message = structure_message(&check(&catalogue, "kouki-kettei", truncated));
    assert!(
        message.starts_with("12::") && message.contains("長さ"),
        "{message}"
    );
    let no_trailer: Vec<u8> = good[..good.len() - 202].to_vec();
    let message = structure_message(&check(&catalogue, "kouki-kettei", &no_trailer));
    assert!(
        message.contains("トレーラレコードがありません"),
        "{message}"
    );
    assert!(structure_message(&check(&catalogue, "kouki-kettei", b"")).contains("空"));
    // The same data written as UTF-8: bytes no longer line up with Shift_JIS.
    let utf8 = encoding_rs::SHIFT_JIS
        .decode(&good)
        .0
        .into_owned()
        .into_bytes();
    let message = structure_message(&check(&catalogue, "kouki-kettei", &utf8));
    assert!(
        message.starts_with("1::") || message.starts_with("2:"),
        "{message}"
    );
    // Another job's file, same layout: the header says whose it is.
    let other = sample(&catalogue, "kouki-henkou", 3);
    let message = structure_message(&check(&catalogue, "kouki-kettei", &other));
    assert!(
        message.contains("変更決定通知書") && message.contains("業務コード"),
        "{message}"
    );
    // Another job's file, another layout.
    let csv = sample(&catalogue, "ict-nofusho", 3);
    let message = structure_message(&check(&catalogue, "kouki-kettei", &csv));
    assert!(message.contains("納付書・督促状"), "{message}");
    // A wrong count in the trailer, a duplicate key, a bad 和暦 date, a blank name.
    let count = edit_line(&good, 12, |l| l[7] = b'9');
    let report = check(&catalogue, "kouki-kettei", &count);
    assert_eq!(
        report.check("trailer_count").unwrap().findings[0]
            .field
            .as_deref(),
        Some("件数")
    );
    let duplicate = edit_line(&good, 3, |l| l[1..9].copy_from_slice(b"10000001"));
    let report = check(&catalogue, "kouki-kettei", &duplicate);
    let finding = &report.check("duplicate_keys").unwrap().findings[0];
    assert_eq!(
        (finding.line, finding.message.as_str()),
        (3, "2行目と同じキーです")
    );
    let wareki = edit_line(&good, 2, |l| l[127..134].copy_from_slice(b"H310501"));
    let report = check(&catalogue, "kouki-kettei", &wareki);
    let finding = &report.check("field_formats").unwrap().findings[0];
    assert_eq!(finding.field.as_deref(), Some("生年月日"));
    let blank = edit_line(&good, 4, |l| l[97..127].fill(b' '));
    let report = check(&catalogue, "kouki-kettei", &blank);
    let finding = &report.check("required_fields").unwrap().findings[0];
    assert_eq!((finding.line, finding.field.as_deref()), (4, Some("氏名")));
}

#[test]
fn unprintable_characters_are_reported_not_replaced() {
    let catalogue = catalogue();
    let good = sample(&catalogue, "kouki-kettei", 3);
    // 髙 (IBM extension, 0xFBFC) in place of the name's first character.
    let with = edit_line(&good, 2, |l| l[97..99].copy_from_slice(&[0xFB, 0xFC]));
    let report = check(&catalogue, "kouki-kettei", &with);
    let printable = report.check("printable_characters").unwrap();
    assert_eq!(printable.status, CheckStatus::Warning);
    assert!(
        printable.findings[0].message.contains("「髙」(U+9AD9)"),
        "{printable:?}"
    );
    assert_eq!(report.status(), CheckStatus::Warning);
}

#[test]
fn the_difference_from_the_previous_run_warns_beyond_the_tolerance() {
    let catalogue = catalogue();
    let job = catalogue.job("kouki-kettei").unwrap();
    let bytes = sample(&catalogue, "kouki-kettei", 100);
    let total = check(&catalogue, "kouki-kettei", &bytes).total();
    let near = PreviousRun { records: 90, total };
    let report = check_file(&catalogue, job, &bytes[..], Some(near));
    assert_eq!(
        report.check("previous_run").unwrap().status,
        CheckStatus::Passed
    );
    let far = PreviousRun { records: 50, total };
    let report = check_file(&catalogue, job, &bytes[..], Some(far));
    assert_eq!(
        report.check("previous_run").unwrap().status,
        CheckStatus::Warning
    );
}

//! A report as CSV, one file per table (UTF-8 with BOM, for Excel).

use std::path::Path;

use super::html::{channel_name, rows, Row};
use super::MonthlyReport;
use crate::spreadsheet::{self, SpreadsheetEncoding};

fn table(header: [&str; 4], rows: &[Row]) -> Vec<u8> {
    let records = rows.iter().map(|row| {
        [
            row.label.clone(),
            row.total.to_string(),
            row.answered.to_string(),
            row.rate.clone(),
        ]
    });
    file(header, records)
}

/// A CSV file of `header` and `records` (UTF-8 with BOM, CRLF).
fn file<const N: usize>(header: [&str; N], records: impl Iterator<Item = [String; N]>) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer.write_record(header).expect("writing to memory");
    for record in records {
        writer.write_record(record).expect("writing to memory");
    }
    let text = String::from_utf8(writer.into_inner().expect("memory")).expect("UTF-8");
    spreadsheet::encode(&text, SpreadsheetEncoding::Utf8).expect("UTF-8 holds everything")
}

/// Each print-batch job's runs in the span.
fn batches(report: &MonthlyReport) -> Vec<u8> {
    let header = [
        "ジョブ",
        "受領",
        "停止（チェック不合格）",
        "印刷済",
        "未完了",
        "警告を承認して続行",
        "印刷件数",
        "ページ",
    ];
    let records = report.batches.iter().map(|b| {
        let c = &b.counts;
        [
            b.name.clone(),
            c.received.to_string(),
            c.stopped.to_string(),
            c.printed.to_string(),
            c.waiting().to_string(),
            c.overridden.to_string(),
            c.records.to_string(),
            c.pages.to_string(),
        ]
    });
    file(header, records)
}

/// The report's tables as `(file name, CSV bytes)`.
pub fn csv_tables(report: &MonthlyReport) -> Vec<(&'static str, Vec<u8>)> {
    let questions = ["項目", "質問", "自動回答", "自動回答率"];
    let days: Vec<Row> = report
        .by_day
        .iter()
        .map(|d| Row {
            label: d.date.to_string(),
            total: d.questions,
            answered: d.answered,
            rate: super::percent(d.answered, d.questions),
        })
        .collect();
    let sla = report.sla;
    let summary = vec![
        Row {
            label: "初回応答".into(),
            total: sla.first_response_targets,
            answered: sla.first_response_met,
            rate: super::percent(sla.first_response_met, sla.first_response_targets),
        },
        Row {
            label: "解決".into(),
            total: sla.resolution_targets,
            answered: sla.resolution_met,
            rate: super::percent(sla.resolution_met, sla.resolution_targets),
        },
    ];
    vec![
        (
            "by_channel.csv",
            table(questions, &rows(&report.by_channel, channel_name, "不明")),
        ),
        (
            "by_category.csv",
            table(
                questions,
                &rows(&report.by_category, str::to_owned, "未分類"),
            ),
        ),
        (
            "by_department.csv",
            table(
                ["所属", "会話", "チケットにならなかった", "割合"],
                &rows(&report.by_department, str::to_owned, "不明"),
            ),
        ),
        ("by_day.csv", table(questions, &days)),
        (
            "tickets.csv",
            table(
                ["経路", "チケット", "解決済", "解決率"],
                &rows(&report.tickets_by_channel, channel_name, "不明"),
            ),
        ),
        (
            "sla.csv",
            table(["目標", "対象", "達成", "達成率"], &summary),
        ),
        ("batches.csv", batches(report)),
    ]
}

/// Writes the tables into the folder `dir` (created if missing).
pub fn write_csv_tables(report: &MonthlyReport, dir: &Path) -> std::io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (name, bytes) in csv_tables(report) {
        std::fs::write(dir.join(name), bytes)?;
        written.push(name.to_owned());
    }
    Ok(written)
}

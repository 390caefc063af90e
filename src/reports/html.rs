//! A report as one HTML document (printable, nothing loaded from elsewhere):
//! SVG charts, each followed by the table of its numbers.

use std::fmt::Write;

use askama::Template;

use super::{percent, MonthlyReport};
use crate::domain::Channel;
use crate::learning::chart::{answer_rate_chart, escape};
use crate::storage::reports::KeyCounts;

/// A table row: label, count, second count, rate.
pub struct Row {
    pub label: String,
    pub total: i64,
    pub answered: i64,
    pub rate: String,
}

#[derive(Template)]
#[template(path = "reports/monthly.html")]
struct MonthlyPage<'a> {
    r: &'a MonthlyReport,
    title: String,
    questions: i64,
    answered: i64,
    answer_rate: String,
    escalations: i64,
    first_response_rate: String,
    resolution_rate: String,
    channels: Vec<Row>,
    channel_chart: String,
    categories: Vec<Row>,
    category_chart: String,
    departments: Vec<Row>,
    tickets: Vec<Row>,
    day_chart: String,
    days: Vec<Row>,
    jst: chrono::FixedOffset,
}

/// Rows for `counts`, labelled by `label` (unknown keys: `unknown`).
pub fn rows(counts: &[KeyCounts], label: impl Fn(&str) -> String, unknown: &str) -> Vec<Row> {
    counts
        .iter()
        .map(|k| Row {
            label: k.key.as_deref().map_or_else(|| unknown.to_owned(), &label),
            total: k.total,
            answered: k.answered,
            rate: percent(k.answered, k.total),
        })
        .collect()
}

pub fn channel_name(key: &str) -> String {
    Channel::parse(key).map_or_else(|_| key.to_owned(), |c| c.label().to_owned())
}

/// The report's tables as rows, shared by the HTML document and the PDF.
pub struct Tables {
    pub channels: Vec<Row>,
    pub categories: Vec<Row>,
    pub departments: Vec<Row>,
    pub tickets: Vec<Row>,
    /// One row a day, labelled `MM/DD`.
    pub days: Vec<Row>,
}

impl Tables {
    pub fn of(report: &MonthlyReport) -> Tables {
        Tables {
            channels: rows(&report.by_channel, channel_name, "不明"),
            categories: rows(&report.by_category, str::to_owned, "未分類（該当FAQなし）"),
            departments: rows(
                &report.by_department,
                str::to_owned,
                "不明（職員名簿にない）",
            ),
            tickets: rows(&report.tickets_by_channel, channel_name, "不明"),
            days: report
                .by_day
                .iter()
                .map(|d| Row {
                    label: d.date.format("%m/%d").to_string(),
                    total: d.questions,
                    answered: d.answered,
                    rate: percent(d.answered, d.questions),
                })
                .collect(),
        }
    }
}

/// Renders the report as an HTML document.
pub fn render_html(report: &MonthlyReport) -> String {
    let Tables {
        channels,
        categories,
        departments,
        tickets,
        days,
    } = Tables::of(report);
    let sla = report.sla;
    let page = MonthlyPage {
        title: report.span.title.clone(),
        questions: report.questions(),
        answered: report.answered(),
        answer_rate: percent(report.answered(), report.questions()),
        escalations: report.escalations(),
        first_response_rate: percent(sla.first_response_met, sla.first_response_targets),
        resolution_rate: percent(sla.resolution_met, sla.resolution_targets),
        channel_chart: bar_chart("経路別の問合せ件数", &channels),
        category_chart: bar_chart("カテゴリ別の問合せ件数", &categories),
        channels,
        categories,
        departments,
        tickets,
        day_chart: answer_rate_chart("日別の質問数と自動回答率", &report.by_day),
        days,
        jst: chrono::FixedOffset::east_opt(9 * 3600).expect("JST"),
        r: report,
    };
    page.render().expect("the template renders")
}

/// The report's content without the document around it (its `<body>`), to show inside
/// another page such as the console's.
pub fn render_html_body(report: &MonthlyReport) -> String {
    let html = render_html(report);
    let start = html.find("<body>").map_or(0, |i| i + "<body>".len());
    let end = html.rfind("</body>").unwrap_or(html.len());
    html[start..end].to_owned()
}

/// Horizontal bars, one per row, with the count written at the end of each bar.
fn bar_chart(title: &str, rows: &[Row]) -> String {
    const WIDTH: f64 = 720.0;
    const LABEL: f64 = 200.0;
    const BAR: f64 = 22.0;
    let height = 40.0 + BAR * rows.len().max(1) as f64 + 10.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" \
         width=\"{WIDTH}\" height=\"{height}\" role=\"img\" font-family=\"sans-serif\" \
         font-size=\"12\"><title>{t}</title><text x=\"4\" y=\"20\" font-size=\"14\" \
         font-weight=\"bold\">{t}</text>",
        t = escape(title)
    );
    let max = rows.iter().map(|r| r.total).max().unwrap_or(0);
    if max == 0 {
        svg.push_str("<text x=\"4\" y=\"48\">この期間のデータはありません</text></svg>");
        return svg;
    }
    for (i, row) in rows.iter().enumerate() {
        let y = 32.0 + BAR * i as f64;
        let w = (WIDTH - LABEL - 60.0) * row.total as f64 / max as f64;
        let _ = write!(
            svg,
            "<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{label}</text>\
             <rect x=\"{LABEL}\" y=\"{y}\" width=\"{w:.1}\" height=\"{h}\" fill=\"#2f6db5\">\
             <title>{label}: {n}件</title></rect>\
             <text x=\"{nx:.1}\" y=\"{ty}\">{n}件</text>",
            lx = LABEL - 6.0,
            ty = y + 15.0,
            label = escape(&row.label),
            h = BAR - 6.0,
            n = row.total,
            nx = LABEL + w + 4.0,
        );
    }
    svg.push_str("</svg>");
    svg
}

//! A report as a printable PDF (A4, Japanese font embedded as a subset): the city's title
//! block, the summary, bar charts each followed by its numbers, and every table of the
//! HTML document, continued over as many pages as it needs (headers repeated). Set with
//! the print batches' machinery (krilla and the forms' font, [`FormFont`]).

use super::html::{Row, Tables};
use super::pdf_layout::{draw, Align, Column, Layout, Mark, BODY, MARGIN, PAGE_W};
use super::{percent, MonthlyReport};
use crate::batches::render::{FormFont, RenderError};

fn counted(rows: &[Row]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| {
            vec![
                r.label.clone(),
                r.total.to_string(),
                r.answered.to_string(),
                r.rate.clone(),
            ]
        })
        .collect()
}

fn four(
    first: &'static str,
    second: &'static str,
    third: &'static str,
    rate: &'static str,
) -> [Column; 4] {
    [
        (first, 80.0, Align::Left),
        (second, 30.0, Align::Right),
        (third, 40.0, Align::Right),
        (rate, 24.0, Align::Right),
    ]
}

/// The city's title block and the report's title.
fn title_block(layout: &mut Layout, report: &MonthlyReport) {
    let jst = chrono::FixedOffset::east_opt(9 * 3600).expect("JST");
    let made = report
        .generated_at
        .with_timezone(&jst)
        .format("%Y年%m月%d日");
    let (bx, bw) = (PAGE_W - MARGIN - 62.0, 62.0);
    layout.mark(Mark::Rect {
        x: bx,
        y: MARGIN,
        w: bw,
        h: 13.0,
        bar: false,
    });
    layout.text(bx + 2.0, MARGIN + 5.5, BODY, "沼津市 ICT推進課 御中");
    layout.text(bx + 2.0, MARGIN + 11.0, BODY, format!("作成: {made}"));
    layout.text(MARGIN, MARGIN + 24.0, 16.0, &report.span.title);
    let period = format!(
        "対象期間: {} ～ {}（日の区切りは日本時間）",
        report.span.first.format("%Y年%m月%d日"),
        report.span.last.format("%Y年%m月%d日")
    );
    layout.text(MARGIN, MARGIN + 31.0, BODY, period);
    layout.y = MARGIN + 34.0;
}

/// Lays the report out, page by page.
fn lay_out(report: &MonthlyReport) -> Vec<Vec<Mark>> {
    let tables = Tables::of(report);
    let sla = report.sla;
    let mut l = Layout::new();
    title_block(&mut l, report);
    l.heading("概要");
    let summary = [
        ("質問件数", format!("{}件", report.questions())),
        (
            "自動回答",
            format!(
                "{}件（{}）",
                report.answered(),
                percent(report.answered(), report.questions())
            ),
        ),
        (
            "担当者への引き継ぎ（チケット）",
            format!("{}件", report.escalations()),
        ),
        (
            "初回応答のSLA達成率",
            format!(
                "{}（{}／{}件）",
                percent(sla.first_response_met, sla.first_response_targets),
                sla.first_response_met,
                sla.first_response_targets
            ),
        ),
        (
            "解決のSLA達成率",
            format!(
                "{}（{}／{}件）",
                percent(sla.resolution_met, sla.resolution_targets),
                sla.resolution_met,
                sla.resolution_targets
            ),
        ),
        (
            "ウイルス等インシデント",
            format!("{}件", report.incidents.len()),
        ),
        ("障害・計画停止", format!("{}件", report.outages.len())),
        ("作業記録", format!("{}件", report.work.len())),
    ];
    let rows: Vec<Vec<String>> = summary
        .into_iter()
        .map(|(k, v)| vec![k.to_owned(), v])
        .collect();
    l.table(
        &[("項目", 80.0, Align::Left), ("件数", 60.0, Align::Right)],
        &rows,
        "",
    );
    let questions = four("経路", "質問", "自動回答", "自動回答率");
    l.heading("経路別の問合せ");
    l.bars(&tables.channels);
    l.table(&questions, &counted(&tables.channels), "ありません");
    l.heading("カテゴリ別の問合せ");
    l.bars(&tables.categories);
    let by_category = four("カテゴリ", "質問", "自動回答", "自動回答率");
    l.table(&by_category, &counted(&tables.categories), "ありません");
    l.heading("所属別の問合せ（会話）");
    let by_department = four("所属", "会話", "チケットにならなかった", "割合");
    l.table(&by_department, &counted(&tables.departments), "ありません");
    l.heading("日別の質問と自動回答");
    l.table(
        &four("日", "質問", "自動回答", "自動回答率"),
        &counted(&tables.days),
        "ありません",
    );
    l.heading("担当者への引き継ぎ（経路別）");
    l.table(
        &four("経路", "チケット", "解決済", "解決率"),
        &counted(&tables.tickets),
        "ありません",
    );
    records(&mut l, report);
    l.pages
}

/// Outages and planned stops with their causes and measures.
fn outages(l: &mut Layout, report: &MonthlyReport) {
    let jst = chrono::FixedOffset::east_opt(9 * 3600).expect("JST");
    let at =
        |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&jst).format("%m/%d %H:%M").to_string();
    l.heading("障害・計画停止");
    let rows: Vec<Vec<String>> = report
        .outages
        .iter()
        .map(|o| {
            vec![
                at(o.since),
                o.title.clone(),
                o.state.label().to_owned(),
                o.recovered_at.map(at).unwrap_or_default(),
                o.cause.clone().unwrap_or_default(),
                o.measures.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let columns = [
        ("発生日時", 22.0, Align::Left),
        ("件名", 40.0, Align::Left),
        ("状態", 14.0, Align::Left),
        ("復旧", 22.0, Align::Left),
        ("原因", 38.0, Align::Left),
        ("対応と対策", 38.0, Align::Left),
    ];
    l.table(&columns, &rows, "ありません");
}

/// Each print-batch job's runs in the span (5(1)オ②: 各バッチの運用状況).
fn batches(l: &mut Layout, report: &MonthlyReport) {
    l.heading("各バッチの運用状況");
    let rows: Vec<Vec<String>> = report
        .batches
        .iter()
        .map(|b| {
            let c = &b.counts;
            let counts = [c.received, c.stopped, c.printed, c.waiting(), c.overridden];
            let mut row = vec![b.name.clone()];
            row.extend(counts.iter().map(i64::to_string));
            row.extend([c.records.to_string(), c.pages.to_string()]);
            row
        })
        .collect();
    let columns = [
        ("ジョブ", 48.0, Align::Left),
        ("受領", 16.0, Align::Right),
        ("停止", 16.0, Align::Right),
        ("印刷済", 18.0, Align::Right),
        ("未完了", 18.0, Align::Right),
        ("警告承認", 20.0, Align::Right),
        ("印刷件数", 22.0, Align::Right),
        ("ページ", 18.0, Align::Right),
    ];
    l.table(&columns, &rows, "期間内に受け取ったデータはありません");
}

/// The city's records: incidents, stock, work log.
fn records(l: &mut Layout, report: &MonthlyReport) {
    let jst = chrono::FixedOffset::east_opt(9 * 3600).expect("JST");
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    l.heading("ウイルス等インシデント");
    let incidents: Vec<Vec<String>> = report
        .incidents
        .iter()
        .map(|i| {
            vec![
                i.occurred_at
                    .with_timezone(&jst)
                    .format("%m/%d %H:%M")
                    .to_string(),
                i.device.clone(),
                i.detection_name.clone(),
                if i.isolated { "済" } else { "未" }.to_owned(),
                text(&i.actions),
                text(&i.reported_to),
            ]
        })
        .collect();
    let columns = [
        ("発生日時", 22.0, Align::Left),
        ("機器", 28.0, Align::Left),
        ("検知名", 34.0, Align::Left),
        ("隔離", 10.0, Align::Left),
        ("対応", 46.0, Align::Left),
        ("市への報告", 34.0, Align::Left),
    ];
    l.table(&columns, &incidents, "ありません");
    outages(l, report);
    batches(l, report);
    l.heading("消耗品の在庫");
    let stock: Vec<Vec<String>> = report
        .stock
        .iter()
        .map(|s| {
            let short = if s.quantity < s.threshold {
                "不足"
            } else {
                "－"
            };
            vec![
                s.kind.label().to_owned(),
                s.name.clone(),
                s.quantity.to_string(),
                s.threshold.to_string(),
                short.to_owned(),
            ]
        })
        .collect();
    let columns = [
        ("種別", 34.0, Align::Left),
        ("品名", 70.0, Align::Left),
        ("在庫", 22.0, Align::Right),
        ("しきい値", 22.0, Align::Right),
        ("状態", 16.0, Align::Left),
    ];
    l.table(&columns, &stock, "登録がありません");
    l.heading("作業記録（チケット以外の作業）");
    let work: Vec<Vec<String>> = report
        .work
        .iter()
        .map(|w| {
            vec![
                w.done_at
                    .with_timezone(&jst)
                    .format("%m/%d %H:%M")
                    .to_string(),
                w.operator.clone(),
                w.kind.clone(),
                w.description.clone(),
            ]
        })
        .collect();
    let columns = [
        ("日時", 22.0, Align::Left),
        ("担当者", 28.0, Align::Left),
        ("種類", 34.0, Align::Left),
        ("内容", 90.0, Align::Left),
    ];
    l.table(&columns, &work, "ありません");
}

/// Renders the report as a PDF set in `font`.
pub fn render_pdf(report: &MonthlyReport, font: &FormFont) -> Result<Vec<u8>, RenderError> {
    draw(&lay_out(report), font)
}

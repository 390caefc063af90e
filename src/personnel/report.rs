//! The run report: every change of a plan with its result, as a CSV for Excel (UTF-8
//! with BOM, or Shift_JIS, as the other exports) and as an A4 PDF set in the forms' font
//! (the reports' layout, [`crate::reports::pdf_layout`]).

use chrono::{DateTime, FixedOffset, Utc};

use super::export::{item_cells, line};
use crate::batches::render::{FormFont, RenderError};
use crate::domain::{PlanItemStatus, TextEnum};
use crate::reports::pdf_layout::{draw, Align, Column, Layout, Mark, BODY, MARGIN, PAGE_W};
use crate::spreadsheet::{self, SpreadsheetEncoding, Unencodable};
use crate::storage::personnel_plans::{ItemRow, PlanRow};

/// The report CSV's header.
pub const REPORT_COLUMNS: [&str; 13] = [
    "番号",
    "職員番号",
    "氏名",
    "所属コード",
    "区分",
    "系統",
    "変更",
    "変更前",
    "変更後",
    "発令日",
    "結果",
    "試行回数",
    "内容",
];

/// What an item came to, in the report's words: what was done, or why it failed.
fn result_text(item: &ItemRow) -> &str {
    match item.status {
        PlanItemStatus::Failed => item.error.as_deref().unwrap_or(""),
        _ => item.outcome.as_deref().unwrap_or(""),
    }
}

/// The report as CSV text (one row per item, in plan order).
pub fn report_csv(items: &[ItemRow]) -> String {
    let mut out = line(&REPORT_COLUMNS);
    for item in items {
        let (seq, effective, attempts) = (
            item.seq.to_string(),
            item.effective.to_string(),
            item.attempts.to_string(),
        );
        let mut cells = item_cells(item, &seq);
        cells.extend([
            &effective,
            item.status.label(),
            &attempts,
            result_text(item),
        ]);
        out.push_str(&line(&cells));
    }
    out
}

/// The report CSV in `encoding`; a character Shift_JIS cannot hold is refused.
pub fn report_file(
    items: &[ItemRow],
    encoding: SpreadsheetEncoding,
) -> Result<Vec<u8>, Unencodable> {
    spreadsheet::encode(&report_csv(items), encoding)
}

/// How many items are in each state, every state in order.
pub fn counts(items: &[ItemRow]) -> Vec<(PlanItemStatus, usize)> {
    PlanItemStatus::ALL
        .iter()
        .map(|s| (*s, items.iter().filter(|i| i.status == *s).count()))
        .collect()
}

fn lay_out(plan: &PlanRow, items: &[ItemRow], made: DateTime<Utc>) -> Vec<Vec<Mark>> {
    let jst = FixedOffset::east_opt(9 * 3600).expect("JST");
    let mut l = Layout::new();
    let made = made.with_timezone(&jst).format("%Y年%m月%d日 %H:%M");
    l.text(
        PAGE_W - MARGIN - 60.0,
        MARGIN + 5.5,
        BODY,
        format!("作成: {made}"),
    );
    let title = format!("年度切り替え 適用結果報告（計画 {}）", plan.id);
    l.text(MARGIN, MARGIN + 16.0, 16.0, title);
    let about = format!(
        "計画の状態: {} ／ 対象者 {}人 ／ 変更 {}件",
        plan.status.label(),
        plan.people,
        items.len()
    );
    l.text(MARGIN, MARGIN + 23.0, BODY, about);
    l.y = MARGIN + 26.0;
    l.heading("結果の件数");
    let rows: Vec<Vec<String>> = counts(items)
        .into_iter()
        .map(|(s, n)| vec![s.label().to_owned(), format!("{n}件")])
        .collect();
    let columns = [("結果", 40.0, Align::Left), ("件数", 30.0, Align::Right)];
    l.table(&columns, &rows, "");
    l.heading("変更ごとの結果");
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|i| {
            vec![
                i.seq.to_string(),
                i.employee_no.clone(),
                i.name.clone(),
                i.department_code.clone().unwrap_or_default(),
                i.system.label().to_owned(),
                i.kind.label().to_owned(),
                i.status.label().to_owned(),
                result_text(i).to_owned(),
            ]
        })
        .collect();
    let columns: [Column; 8] = [
        ("番号", 12.0, Align::Right),
        ("職員番号", 18.0, Align::Left),
        ("氏名", 24.0, Align::Left),
        ("所属", 14.0, Align::Left),
        ("系統", 38.0, Align::Left),
        ("変更", 22.0, Align::Left),
        ("結果", 12.0, Align::Left),
        ("内容", 34.0, Align::Left),
    ];
    l.table(&columns, &rows, "変更はありません");
    l.pages
}

/// The report as a PDF set in `font`, made at `made`.
pub fn render_pdf(
    plan: &PlanRow,
    items: &[ItemRow],
    made: DateTime<Utc>,
    font: &FormFont,
) -> Result<Vec<u8>, RenderError> {
    draw(&lay_out(plan, items, made), font)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_plan_runs_onto_many_pages_and_every_item_is_on_one() {
        let at = DateTime::parse_from_rfc3339("2027-04-01T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let plan = PlanRow {
            id: 3,
            status: crate::domain::PlanStatus::Applying,
            source: "changes.csv".into(),
            people: 1,
            created_by: "admin".into(),
            created_at: at,
            updated_at: at,
            run_until: None,
        };
        let items: Vec<ItemRow> = (1..=120).map(super::super::tests::item_row).collect();
        let pages = lay_out(&plan, &items, at);
        assert!(pages.len() >= 3, "{} pages", pages.len());
        let texts: Vec<&str> = pages
            .iter()
            .flatten()
            .filter_map(|m| match m {
                Mark::Text { text, .. } => Some(text.as_str()),
                Mark::Rect { .. } => None,
            })
            .collect();
        for seq in [1, 60, 120] {
            assert!(texts.contains(&seq.to_string().as_str()), "item {seq}");
        }
    }
}

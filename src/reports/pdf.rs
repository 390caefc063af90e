//! A report as a printable PDF (A4, Japanese font embedded as a subset): the city's title
//! block, the summary, bar charts each followed by its numbers, and every table of the
//! HTML document, continued over as many pages as it needs (headers repeated). Set with
//! the print batches' machinery (krilla and the forms' font, [`FormFont`]).

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::TextDirection;
use krilla::Document;

use super::html::{Row, Tables};
use super::{percent, MonthlyReport};
use crate::batches::render::{pt, FormFont, RenderError};

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const MARGIN: f32 = 18.0;
const BOTTOM: f32 = PAGE_H - 20.0;
const BODY: f32 = 9.0;
const ROW_H: f32 = 5.5;
/// Millimetres per point of font size.
const MM_PER_PT: f32 = 25.4 / 72.0;

/// One thing drawn on a page; lengths in millimetres from the top left corner.
#[derive(Debug, Clone, PartialEq)]
enum Mark {
    /// Text whose baseline starts at (x, y).
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
    },
    /// A rectangle, filled blue (a bar) or outlined.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        bar: bool,
    },
}

/// Where text sits in its column.
#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Right,
}

/// A column: its title, width (mm) and alignment.
type Column = (&'static str, f32, Align);

/// The pages being laid out, and where the next line goes.
struct Layout {
    pages: Vec<Vec<Mark>>,
    y: f32,
}

/// How wide `text` is at `size` points, in millimetres: full-width characters take one em,
/// others about half (IPAex Gothic's proportional Latin letters and digits).
fn width(text: &str, size: f32) -> f32 {
    let ems: f32 = text
        .chars()
        .map(|c| {
            if c.is_ascii() || is_half_width(c) {
                0.55
            } else {
                1.0
            }
        })
        .sum();
    ems * size * MM_PER_PT
}

fn is_half_width(c: char) -> bool {
    ('\u{FF61}'..='\u{FF9F}').contains(&c)
}

/// `text` cut to fit `room` mm at `size`, ending in 「…」 when cut.
fn fit(text: &str, size: f32, room: f32) -> String {
    if width(text, size) <= room {
        return text.to_owned();
    }
    let mut out = String::new();
    for c in text.chars() {
        if width(&out, size) + width(&format!("{c}…"), size) > room {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: vec![Vec::new()],
            y: MARGIN,
        }
    }

    fn mark(&mut self, mark: Mark) {
        self.pages.last_mut().expect("a page").push(mark);
    }

    /// Starts a new page unless `height` mm still fit on this one; whether it did.
    fn room_for(&mut self, height: f32) -> bool {
        if self.y + height <= BOTTOM {
            return false;
        }
        self.pages.push(Vec::new());
        self.y = MARGIN;
        true
    }

    fn text(&mut self, x: f32, y: f32, size: f32, text: impl Into<String>) {
        self.mark(Mark::Text {
            x,
            y,
            size,
            text: text.into(),
        });
    }

    fn heading(&mut self, text: &str) {
        self.room_for(8.0 + 3.0 * ROW_H);
        self.y += 8.0;
        self.text(MARGIN, self.y, 12.0, text);
        self.y += 3.0;
    }

    /// A table; its header is repeated on every page it runs onto.
    fn table(&mut self, columns: &[Column], rows: &[Vec<String>], empty: &str) {
        self.table_header(columns);
        if rows.is_empty() {
            self.cells(columns, &[empty.to_owned()]);
        }
        for row in rows {
            if self.room_for(ROW_H) {
                self.table_header(columns);
            }
            self.cells(columns, row);
        }
    }

    fn table_header(&mut self, columns: &[Column]) {
        let titles: Vec<String> = columns.iter().map(|c| c.0.to_owned()).collect();
        let left: Vec<Column> = columns
            .iter()
            .map(|&(t, w, _)| (t, w, Align::Left))
            .collect();
        self.cells(&left, &titles);
    }

    fn cells(&mut self, columns: &[Column], row: &[String]) {
        let mut x = MARGIN;
        for (i, &(_, w, align)) in columns.iter().enumerate() {
            self.mark(Mark::Rect {
                x,
                y: self.y,
                w,
                h: ROW_H,
                bar: false,
            });
            if let Some(value) = row.get(i) {
                let value = fit(value, BODY, w - 2.0);
                let tx = match align {
                    Align::Left => x + 1.0,
                    Align::Right => x + w - 1.0 - width(&value, BODY),
                };
                self.text(tx, self.y + ROW_H - 1.6, BODY, value);
            }
            x += w;
        }
        self.y += ROW_H;
    }

    /// Horizontal bars with the count at the end of each (a chart never without numbers).
    fn bars(&mut self, rows: &[Row]) {
        let max = rows.iter().map(|r| r.total).max().unwrap_or(0);
        if max == 0 {
            return;
        }
        let (label_w, room) = (50.0, PAGE_W - 2.0 * MARGIN - 50.0 - 20.0);
        self.y += 2.0;
        for row in rows {
            self.room_for(ROW_H);
            let label = fit(&row.label, BODY, label_w - 2.0);
            let lx = MARGIN + label_w - 2.0 - width(&label, BODY);
            self.text(lx, self.y + ROW_H - 1.6, BODY, label);
            let w = room * row.total as f32 / max as f32;
            self.mark(Mark::Rect {
                x: MARGIN + label_w,
                y: self.y + 0.8,
                w: w.max(0.3),
                h: ROW_H - 1.6,
                bar: true,
            });
            let count = format!("{}件", row.total);
            self.text(
                MARGIN + label_w + w + 1.5,
                self.y + ROW_H - 1.6,
                BODY,
                count,
            );
            self.y += ROW_H;
        }
        self.y += 2.0;
    }
}

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
    let pages = lay_out(report);
    let count = pages.len();
    let mut document = Document::new();
    let blue = Fill {
        paint: rgb::Color::new(0x2f, 0x6d, 0xb5).into(),
        ..Fill::default()
    };
    let line = Stroke {
        width: 0.5,
        ..Stroke::default()
    };
    for (n, marks) in pages.iter().enumerate() {
        let settings = PageSettings::from_wh(pt(PAGE_W), pt(PAGE_H)).expect("A4 has a size");
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        let footer = Mark::Text {
            x: PAGE_W / 2.0 - 5.0,
            y: PAGE_H - 10.0,
            size: BODY,
            text: format!("{} / {count}", n + 1),
        };
        for mark in marks.iter().chain([&footer]) {
            match mark {
                Mark::Text { x, y, size, text } => {
                    surface.set_stroke(None);
                    surface.set_fill(Some(Fill::default()));
                    let at = Point::from_xy(pt(*x), pt(*y));
                    surface.draw_text(at, font.font(), *size, text, false, TextDirection::Auto);
                }
                Mark::Rect { x, y, w, h, bar } => {
                    let mut path = PathBuilder::new();
                    path.push_rect(
                        krilla::geom::Rect::from_xywh(pt(*x), pt(*y), pt(*w), pt(*h))
                            .expect("a rectangle with a size"),
                    );
                    let Some(path) = path.finish() else { continue };
                    if *bar {
                        surface.set_stroke(None);
                        surface.set_fill(Some(blue.clone()));
                    } else {
                        surface.set_fill(None);
                        surface.set_stroke(Some(line.clone()));
                    }
                    surface.draw_path(&path);
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| RenderError::Pdf(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_to_its_column() {
        assert_eq!(fit("市民課", BODY, 40.0), "市民課");
        let cut = fit(&"情報".repeat(40), BODY, 30.0);
        assert!(cut.ends_with('…'));
        assert!(width(&cut, BODY) <= 30.0);
    }

    #[test]
    fn a_long_table_runs_onto_new_pages_with_its_header() {
        let mut l = Layout::new();
        let rows: Vec<Vec<String>> = (0..100).map(|i| vec![i.to_string()]).collect();
        l.table(&[("日", 30.0, Align::Left)], &rows, "");
        assert!(l.pages.len() >= 3);
        for page in &l.pages {
            let first_text = page.iter().find_map(|m| match m {
                Mark::Text { text, .. } => Some(text.as_str()),
                Mark::Rect { .. } => None,
            });
            assert_eq!(first_text, Some("日"), "each page starts with the header");
            assert!(page.iter().all(|m| match m {
                Mark::Text { y, .. } | Mark::Rect { y, .. } => *y <= BOTTOM,
            }));
        }
    }
}

//! Laying out a printable report: A4 pages of text, ruled table cells and bars, in
//! millimetres, broken into pages as they fill (a table's header repeated on each), then
//! drawn with krilla in the forms' font ([`FormFont`]).

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::TextDirection;
use krilla::Document;

use super::html::Row;
use crate::batches::render::{pt, FormFont, RenderError};

pub(crate) const PAGE_W: f32 = 210.0;
pub(crate) const PAGE_H: f32 = 297.0;
pub(crate) const MARGIN: f32 = 18.0;
pub(crate) const BOTTOM: f32 = PAGE_H - 20.0;
pub(crate) const BODY: f32 = 9.0;
pub(crate) const ROW_H: f32 = 5.5;
/// Millimetres per point of font size.
const MM_PER_PT: f32 = 25.4 / 72.0;

/// One thing drawn on a page; lengths in millimetres from the top left corner.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Mark {
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
pub(crate) enum Align {
    Left,
    Right,
}

/// A column: its title, width (mm) and alignment.
pub(crate) type Column = (&'static str, f32, Align);

/// The pages being laid out, and where the next line goes.
pub(crate) struct Layout {
    pub(crate) pages: Vec<Vec<Mark>>,
    pub(crate) y: f32,
}

/// How wide `text` is at `size` points, in millimetres: full-width characters take one em,
/// others about half (IPAex Gothic's proportional Latin letters and digits).
pub(crate) fn width(text: &str, size: f32) -> f32 {
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
pub(crate) fn fit(text: &str, size: f32, room: f32) -> String {
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
    pub(crate) fn new() -> Layout {
        Layout {
            pages: vec![Vec::new()],
            y: MARGIN,
        }
    }

    pub(crate) fn mark(&mut self, mark: Mark) {
        self.pages.last_mut().expect("a page").push(mark);
    }

    /// Starts a new page unless `height` mm still fit on this one; whether it did.
    pub(crate) fn room_for(&mut self, height: f32) -> bool {
        if self.y + height <= BOTTOM {
            return false;
        }
        self.pages.push(Vec::new());
        self.y = MARGIN;
        true
    }

    pub(crate) fn text(&mut self, x: f32, y: f32, size: f32, text: impl Into<String>) {
        self.mark(Mark::Text {
            x,
            y,
            size,
            text: text.into(),
        });
    }

    pub(crate) fn heading(&mut self, text: &str) {
        self.room_for(8.0 + 3.0 * ROW_H);
        self.y += 8.0;
        self.text(MARGIN, self.y, 12.0, text);
        self.y += 3.0;
    }

    /// A table; its header is repeated on every page it runs onto.
    pub(crate) fn table(&mut self, columns: &[Column], rows: &[Vec<String>], empty: &str) {
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
    pub(crate) fn bars(&mut self, rows: &[Row]) {
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

/// Draws laid-out pages, numbered at the foot, as a PDF set in `font`.
pub(crate) fn draw(pages: &[Vec<Mark>], font: &FormFont) -> Result<Vec<u8>, RenderError> {
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

//! The 消去証明書 as an A4 PDF set in the forms' font (embedded as a subset), for the
//! city: the addressee, the statement, one ruled row per item of the deletion record
//! (long values wrapped), and the contractor's signature line.

use krilla::geom::{PathBuilder, Point, Rect};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::TextDirection;
use krilla::Document;

use crate::batches::render::{pt, FormFont, RenderError};

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const LEFT: f32 = 20.0;
const LABEL_W: f32 = 32.0;
const VALUE_W: f32 = 138.0;
const BODY: f32 = 10.5;
const LINE: f32 = 6.0;
/// Millimetres per point of font size.
const MM_PER_PT: f32 = 25.4 / 72.0;

/// The certificate of `items` (label, value) as a PDF.
pub fn certificate_pdf(items: &[(&str, String)], font: &FormFont) -> Result<Vec<u8>, RenderError> {
    let mut document = Document::new();
    let settings = PageSettings::from_wh(pt(PAGE_W), pt(PAGE_H)).expect("A4 has a size");
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();
    let text = |s: &mut Surface, x: f32, y: f32, size: f32, t: &str| {
        s.set_stroke(None);
        s.set_fill(Some(Fill::default()));
        let at = Point::from_xy(pt(x), pt(y));
        s.draw_text(at, font.font(), size, t, false, TextDirection::Auto);
    };
    text(&mut surface, LEFT, 30.0, BODY, "沼津市長 様");
    let title = "消 去 証 明 書";
    text(
        &mut surface,
        (PAGE_W - width(title, 20.0)) / 2.0,
        50.0,
        20.0,
        title,
    );
    let statement =
        "個人情報取扱特記事項第12の規定に基づき、下記の個人情報を完全に消去したことを証明します。";
    let mut y = 68.0;
    for line in wrap(statement, BODY, LABEL_W + VALUE_W) {
        text(&mut surface, LEFT, y, BODY, &line);
        y += LINE;
    }
    y += 4.0;
    text(&mut surface, PAGE_W / 2.0 - 2.0, y, BODY, "記");
    y += 6.0;
    for (label, value) in items {
        let lines = wrap(value, BODY, VALUE_W - 4.0);
        let h = LINE * lines.len().max(1) as f32 + 3.0;
        outline(&mut surface, LEFT, y, LABEL_W, h);
        outline(&mut surface, LEFT + LABEL_W, y, VALUE_W, h);
        text(&mut surface, LEFT + 2.0, y + LINE, BODY, label);
        for (n, line) in lines.iter().enumerate() {
            let at = y + LINE * (n as f32 + 1.0);
            text(&mut surface, LEFT + LABEL_W + 2.0, at, BODY, line);
        }
        y += h;
    }
    let sign = "受託者　＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿　印";
    text(
        &mut surface,
        PAGE_W - 20.0 - width(sign, BODY),
        y + 25.0,
        BODY,
        sign,
    );
    surface.finish();
    page.finish();
    document
        .finish()
        .map_err(|e| RenderError::Pdf(format!("{e:?}")))
}

fn outline(surface: &mut Surface, x: f32, y: f32, w: f32, h: f32) {
    let mut path = PathBuilder::new();
    path.push_rect(Rect::from_xywh(pt(x), pt(y), pt(w), pt(h)).expect("a rectangle with a size"));
    if let Some(path) = path.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke {
            width: 0.5,
            ..Stroke::default()
        }));
        surface.draw_path(&path);
    }
}

/// About how wide `text` is at `size` points, in millimetres (full-width characters a
/// square, the rest half).
fn width(text: &str, size: f32) -> f32 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
        .sum::<f32>()
        * size
        * MM_PER_PT
}

/// `text` broken into lines no wider than `max` millimetres.
fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = vec![String::new()];
    for c in text.chars() {
        let line = lines.last_mut().expect("one line at least");
        let mut longer = line.clone();
        longer.push(c);
        if width(&longer, size) > max && !line.is_empty() {
            lines.push(c.to_string());
        } else {
            *line = longer;
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_wrap_within_their_column() {
        let long = "入力ファイル run-1.input (1234 bytes); 出力ファイル run-1.pdf.sealed".repeat(3);
        let lines = wrap(&long, BODY, VALUE_W - 4.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| width(l, BODY) <= VALUE_W - 4.0));
        assert_eq!(lines.concat(), long);
    }

    #[test]
    fn the_certificate_renders_in_the_forms_font() {
        let path = std::path::Path::new(crate::config::DEFAULT_FONT);
        if !path.exists() {
            eprintln!("certificate PDF skipped: {} is missing", path.display());
            return;
        }
        let font = FormFont::from_bytes(std::fs::read(path).unwrap()).unwrap();
        let items = vec![
            ("情報項目", "決定通知書(印刷実行 1)".to_owned()),
            ("数量", "入力ファイル run-1.input (1234 bytes, SHA-256 of the input 0123456789abcdef); 出力ファイル run-1.pdf.sealed (5678 bytes)".to_owned()),
            ("立会者", "国民健康保険課 鈴木".to_owned()),
        ];
        let pdf = certificate_pdf(&items, &font).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        if let Ok(out) = std::env::var("MADOGUCHI_CERTIFICATE_OUT") {
            std::fs::write(out, &pdf).unwrap();
        }
    }
}

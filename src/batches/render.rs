//! Forms to PDF: each detail record of a checked file becomes one form (two pages for a
//! pressure-seal postcard), laid out in millimetres as the job's `[form]` says, in a
//! Japanese font embedded as a subset (IPAex Gothic by default, `[batches] font`).
//! Records are read one at a time; the same input always gives the same bytes.

use std::io::BufRead;

use krilla::geom::{PathBuilder, Point};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke, StrokeDash};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla::Document;

use super::catalogue::Job;
use super::definition::Form;
use super::form_text::{self, Piece};
use super::records::{RecordReader, RecordType, StructureError};

/// Points per millimetre.
const PT_PER_MM: f32 = 72.0 / 25.4;

/// Millimetres in points, the unit krilla draws in.
pub fn pt(mm: f32) -> f32 {
    mm * PT_PER_MM
}

/// Why no PDF was made.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the font cannot be read as TrueType/OpenType")]
    Font,
    #[error("the input is not in the job's layout: {0}")]
    Input(StructureError),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}

/// A rendered file.
#[derive(Debug)]
pub struct Rendered {
    pub pdf: Vec<u8>,
    /// Forms (detail records) rendered.
    pub forms: u64,
    pub pages: u64,
}

/// The font the forms are set in, read once.
#[derive(Clone)]
pub struct FormFont(Font);

impl FormFont {
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, RenderError> {
        Font::new(bytes.into(), 0)
            .map(Self)
            .ok_or(RenderError::Font)
    }

    /// The font, for other documents set in it (the reports to the city).
    pub fn font(&self) -> Font {
        self.0.clone()
    }
}

/// A form's texts with their placeholders parsed once.
struct Layout<'f> {
    form: &'f Form,
    texts: Vec<Vec<Piece<'f>>>,
    pages: u32,
}

/// Renders the detail records of `input` (all of them, or those on `lines` only: the
/// preview's sample forms).
pub fn render(
    job: &Job,
    input: impl BufRead,
    font: &FormFont,
    lines: Option<&[u64]>,
) -> Result<Rendered, RenderError> {
    let form = &job.definition.form;
    let texts = form
        .texts
        .iter()
        .map(|t| form_text::parse(&t.text).unwrap_or_else(|_| vec![Piece::Literal(&t.text)]))
        .collect();
    let layout = Layout {
        form,
        texts,
        pages: form.pages_per_record(),
    };
    let detail = &job.definition.input.detail;
    let header = &job.definition.input.header;
    let mut header_values: Vec<String> = Vec::new();
    let mut document = Document::new();
    let mut forms = 0;
    let mut reader = RecordReader::new(job, input);
    while let Some(record) = reader.next_record() {
        let record = record.map_err(RenderError::Input)?;
        match record.kind {
            RecordType::Header => header_values = record.values,
            RecordType::Trailer => {}
            RecordType::Detail => {
                if lines.is_some_and(|l| !l.contains(&record.line)) {
                    continue;
                }
                let lookup = |name: &str| {
                    let value = detail
                        .field(name)
                        .map(|(i, _)| &record.values[i])
                        .or_else(|| header.field(name).and_then(|(i, _)| header_values.get(i)));
                    value.map(String::as_str)
                };
                draw_form(&mut document, &layout, font, &lookup);
                forms += 1;
            }
        }
    }
    let pdf = document
        .finish()
        .map_err(|e| RenderError::Pdf(format!("{e:?}")))?;
    Ok(Rendered {
        pdf,
        forms,
        pages: forms * u64::from(layout.pages),
    })
}

fn draw_form<'v>(
    document: &mut Document,
    layout: &Layout,
    font: &FormFont,
    lookup: &dyn Fn(&str) -> Option<&'v str>,
) {
    let (width, height) = layout.form.kind.page_mm();
    for page_number in 1..=layout.pages {
        let settings =
            PageSettings::from_wh(pt(width), pt(height)).expect("form pages have a size");
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        draw_rules(&mut surface, layout.form, page_number);
        surface.set_stroke(None);
        surface.set_fill(Some(Fill::default()));
        for (text, pieces) in layout.form.texts.iter().zip(&layout.texts) {
            if text.page != page_number {
                continue;
            }
            let filled = form_text::fill(pieces, lookup);
            if filled.trim().is_empty() {
                continue;
            }
            let at = Point::from_xy(pt(text.x), pt(text.y));
            surface.draw_text(
                at,
                font.0.clone(),
                text.size,
                &filled,
                false,
                TextDirection::Auto,
            );
        }
        surface.finish();
        page.finish();
    }
}

/// Lines (dashed for perforations) and boxes of one page.
fn draw_rules(surface: &mut Surface, form: &Form, page: u32) {
    let solid = Stroke {
        width: 0.5,
        ..Stroke::default()
    };
    let dashed = Stroke {
        dash: Some(StrokeDash {
            array: vec![3.0, 2.0],
            offset: 0.0,
        }),
        ..solid.clone()
    };
    surface.set_fill(None);
    for line in form.lines.iter().filter(|l| l.page == page) {
        let mut path = PathBuilder::new();
        path.move_to(pt(line.x1), pt(line.y1));
        path.line_to(pt(line.x2), pt(line.y2));
        if let Some(path) = path.finish() {
            surface.set_stroke(Some(if line.dashed {
                dashed.clone()
            } else {
                solid.clone()
            }));
            surface.draw_path(&path);
        }
    }
    surface.set_stroke(Some(solid));
    for b in form.boxes.iter().filter(|b| b.page == page) {
        let mut path = PathBuilder::new();
        path.move_to(pt(b.x), pt(b.y));
        path.line_to(pt(b.x + b.width), pt(b.y));
        path.line_to(pt(b.x + b.width), pt(b.y + b.height));
        path.line_to(pt(b.x), pt(b.y + b.height));
        path.close();
        if let Some(path) = path.finish() {
            surface.draw_path(&path);
        }
    }
}

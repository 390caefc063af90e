//! Forms look right: pages rendered to grey images (poppler's `pdftoppm`) compared with
//! reference images in `tests/batches/reference/` with a tolerance, so a form whose layout
//! moves fails. `MADOGUCHI_UPDATE_REFERENCE=1` rewrites the references (look at them first).

use std::path::{Path, PathBuf};
use std::process::Command;

use madoguchi::batches::render::{render, FormFont};
use madoguchi::batches::{sample, Catalogue, CATALOGUE_DIR};
use madoguchi::config::DEFAULT_FONT;
use tempfile::TempDir;

/// Resolution of the comparison (dots per inch).
const DPI: &str = "50";
/// Pixels whose grey differs by more than this count as different.
const PIXEL_TOLERANCE: u8 = 96;
/// At most this share of a page's pixels may differ.
const PAGE_TOLERANCE: f64 = 0.003;

struct Grey {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

/// A binary PGM (P5, maxval 255).
fn read_pgm(bytes: &[u8]) -> Grey {
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
    }
    assert_eq!((fields[0].as_str(), fields[3].as_str()), ("P5", "255"));
    let (width, height) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let pixels = bytes[at + 1..].to_vec();
    assert_eq!(pixels.len(), width * height);
    Grey {
        width,
        height,
        pixels,
    }
}

/// Page `page` of `pdf` as a grey image.
fn page_image(pdf: &Path, page: u32, dir: &Path) -> (Grey, Vec<u8>) {
    let out = dir.join(format!("page{page}"));
    let status = Command::new("pdftoppm")
        .args([
            "-gray",
            "-r",
            DPI,
            "-singlefile",
            "-f",
            &page.to_string(),
            "-l",
            &page.to_string(),
        ])
        .arg(pdf)
        .arg(&out)
        .status()
        .expect("pdftoppm (poppler-utils)");
    assert!(status.success());
    let bytes = std::fs::read(out.with_extension("pgm")).unwrap();
    (read_pgm(&bytes), bytes)
}

/// The share of pixels that differ.
fn difference(a: &Grey, b: &Grey) -> f64 {
    assert_eq!(
        (a.width, a.height),
        (b.width, b.height),
        "page sizes differ"
    );
    let differ = a
        .pixels
        .iter()
        .zip(&b.pixels)
        .filter(|(x, y)| x.abs_diff(**y) > PIXEL_TOLERANCE)
        .count();
    differ as f64 / a.pixels.len() as f64
}

fn reference(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/batches/reference")
        .join(name)
}

/// The sealed postcard's two pages for one synthetic record, rendered from `catalogue`.
fn postcard(catalogue: &Catalogue, dir: &Path, name: &str) -> PathBuf {
    let font = FormFont::from_bytes(std::fs::read(DEFAULT_FONT).unwrap()).unwrap();
    let job = catalogue.job("suito-furikomi").unwrap();
    let mut data = Vec::new();
    sample::write_sample(job, 1, 1, &mut data).unwrap();
    let pdf = dir.join(name);
    std::fs::write(&pdf, render(job, &data[..], &font, None).unwrap().pdf).unwrap();
    pdf
}

#[test]
fn rendered_pages_match_the_reference_images_and_a_moved_text_does_not() {
    let has_pdftoppm = Command::new("pdftoppm").arg("-v").output().is_ok();
    if !Path::new(DEFAULT_FONT).exists() || !has_pdftoppm {
        assert_ne!(
            std::env::var("MADOGUCHI_REQUIRE_CUPS").as_deref(),
            Ok("1"),
            "font or pdftoppm missing"
        );
        eprintln!("image comparison skipped: fonts-ipaexfont-gothic or poppler-utils missing");
        return;
    }
    let dir = TempDir::new().unwrap();
    let catalogue =
        Catalogue::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(CATALOGUE_DIR)).unwrap();
    let pdf = postcard(&catalogue, dir.path(), "postcard.pdf");
    for page in [1, 2] {
        let (image, bytes) = page_image(&pdf, page, dir.path());
        let name = format!("suito-furikomi-{page}.pgm");
        if std::env::var("MADOGUCHI_UPDATE_REFERENCE").as_deref() == Ok("1") {
            std::fs::write(reference(&name), &bytes).unwrap();
        }
        let expected = read_pgm(&std::fs::read(reference(&name)).unwrap());
        let share = difference(&image, &expected);
        assert!(
            share <= PAGE_TOLERANCE,
            "page {page}: {:.4} of the pixels differ",
            share
        );
    }
    // The amount moved down by 5 mm: the comparison must notice.
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(CATALOGUE_DIR)
        .join("suito-furikomi.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let moved = text.replace("y = 78.0, size = 11.0", "y = 83.0, size = 11.0");
    assert_ne!(moved, text);
    let catalogue = Catalogue::from_sources(vec![(file, moved.into_bytes())]).unwrap();
    let pdf = postcard(&catalogue, dir.path(), "moved.pdf");
    let (image, _) = page_image(&pdf, 2, dir.path());
    let expected = read_pgm(&std::fs::read(reference("suito-furikomi-2.pgm")).unwrap());
    assert!(difference(&image, &expected) > PAGE_TOLERANCE);
}

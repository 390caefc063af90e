//! The CUPS adapter against a real CUPS (`cups_server`): rendered forms print through a
//! cups-pdf queue with every page.

use std::path::Path;
use std::time::Duration;

use madoguchi::adapters::printer::CupsPrinter;
use madoguchi::batches::render::{render, FormFont};
use madoguchi::batches::{sample, Catalogue, CATALOGUE_DIR};
use madoguchi::config::DEFAULT_FONT;
use madoguchi::print_runs::Printer;

use crate::cups_server::{page_count, Cups};

#[test]
fn rendered_forms_print_through_cups_with_every_page() {
    let Some(cups) = Cups::start() else {
        return;
    };
    let catalogue =
        Catalogue::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(CATALOGUE_DIR)).unwrap();
    let font = FormFont::from_bytes(std::fs::read(DEFAULT_FONT).unwrap()).unwrap();
    let printer = CupsPrinter::new(cups.server.clone(), cups.queue.clone());
    // A sealed postcard: two pages a record.
    let job = catalogue.job("suito-furikomi").unwrap();
    let mut data = Vec::new();
    sample::write_sample(job, 4, 9, &mut data).unwrap();
    let rendered = render(job, &data[..], &font, None).unwrap();
    assert_eq!(rendered.pages, 8);
    let pdf = cups.dir.path().join("forms.pdf");
    std::fs::write(&pdf, &rendered.pdf).unwrap();
    let printed = printer.submit("口座振込通知はがき", &pdf).unwrap();
    assert!(printed.id.starts_with(&cups.queue), "{printed:?}");
    printer
        .wait_completed(&printed, Duration::from_secs(60))
        .unwrap();
    assert_eq!(page_count(&cups.output_of(&printed.id)), 8);

    // A queue that does not exist is refused with the server's reason.
    let missing = CupsPrinter::new(cups.server.clone(), "no-such-queue");
    assert!(missing.submit("x", &pdf).is_err());
}

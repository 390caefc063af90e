//! The CUPS adapter against a real CUPS (`cups_server`): rendered forms print through the
//! PDF-direct queue unchanged and through a cups-pdf queue with every page; a job that
//! ends without printing, or waits on a stopped printer, is never counted as printed.

use std::path::Path;
use std::time::Duration;

use madoguchi::adapters::printer::CupsPrinter;
use madoguchi::batches::render::{render, FormFont};
use madoguchi::batches::{sample, sha256_hex, Catalogue, CATALOGUE_DIR};
use madoguchi::config::DEFAULT_FONT;
use madoguchi::print_runs::{PrintError, Printer};

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

    // The continuous-form printer's queue: the device gets the very bytes rendered.
    let direct = CupsPrinter::new(cups.server.clone(), cups.direct.clone());
    let printed = direct.submit("口座振込通知はがき", &pdf).unwrap();
    assert!(printed.id.starts_with(&cups.direct), "{printed:?}");
    direct
        .wait_completed(&printed, Duration::from_secs(60))
        .unwrap();
    let received = std::fs::read(cups.printed()).unwrap();
    assert_eq!(sha256_hex(&received), sha256_hex(&rendered.pdf));
    assert_eq!(page_count(&cups.printed()), 8);

    // A job is found again by its title, the newest of that name, completed ones
    // included (a print that stopped before recording its job is asked about first).
    let newest = direct.submit("口座振込通知はがき", &pdf).unwrap();
    assert_ne!(newest, printed);
    direct
        .wait_completed(&newest, Duration::from_secs(60))
        .unwrap();
    assert_eq!(direct.find_job("口座振込通知はがき").unwrap(), Some(newest));
    assert_eq!(direct.find_job("kouki-kettei run 9").unwrap(), None);

    // A queue that does not exist is refused with the server's reason.
    let missing = CupsPrinter::new(cups.server.clone(), "no-such-queue");
    assert!(missing.submit("x", &pdf).is_err());
    assert!(missing.find_job("x").is_err());
}

fn cups_tool(program: &str, args: &[&str]) {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_job_on_a_stopped_printer_or_canceled_is_not_printed() {
    let Some(cups) = Cups::start() else {
        return;
    };
    let pdf = cups.dir.path().join("one.pdf");
    let font = FormFont::from_bytes(std::fs::read(DEFAULT_FONT).unwrap()).unwrap();
    let catalogue =
        Catalogue::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(CATALOGUE_DIR)).unwrap();
    let job = catalogue.job("suito-furikomi").unwrap();
    let mut data = Vec::new();
    sample::write_sample(job, 1, 3, &mut data).unwrap();
    std::fs::write(&pdf, render(job, &data[..], &font, None).unwrap().pdf).unwrap();
    let printer = CupsPrinter::new(cups.server.clone(), cups.direct.clone());
    cups_tool("cupsdisable", &["-h", &cups.server, &cups.direct]);
    let held = printer.submit("口座振込通知はがき", &pdf).unwrap();
    let stopped = printer.wait_completed(&held, Duration::from_secs(60));
    assert!(
        matches!(&stopped, Err(PrintError::Stopped(_, why)) if why.contains("stopped")),
        "{stopped:?}"
    );
    // Canceled: CUPS lists it among the "completed" jobs (lpstat -W completed), but it
    // never printed.
    cups_tool("cancel", &["-h", &cups.server, &held.id]);
    let canceled = printer.wait_completed(&held, Duration::from_secs(60));
    assert!(
        matches!(&canceled, Err(PrintError::Ended(_, why)) if why.contains("canceled")),
        "{canceled:?}"
    );
    assert!(!cups.printed().exists(), "nothing reached the printer");
}

//! A 決定通知書 run through the console to a real CUPS (the Done-when of issue 14): upload
//! → the named checks → the preview → an admin's approval → printing through a cups-pdf
//! queue of a `cupsd` started by the test → the run log shows the printer's job id, the
//! page count and the output hash, and who downloaded or printed what. The same data with
//! one record's amount changed is stopped by the control-total check and never printed.
//!
//! Records: `MADOGUCHI_BATCH_E2E_RECORDS` (default 300; BENCHMARKS.md has the 10,000 run).
//! Skipped with a notice without CUPS, cups-pdf or the font (MADOGUCHI_REQUIRE_CUPS=1:
//! a failure).

use std::path::{Path, PathBuf};
use std::time::Instant;

use axum::http::StatusCode;
use http_body_util::BodyExt;
use madoguchi::batches::{sample, sha256_hex, Catalogue, CATALOGUE_DIR};
use madoguchi::config::Secret;
use madoguchi::domain::OutputRoute;
use tower::ServiceExt;

use crate::cups_server::{page_count, Cups};
use crate::faq_support::{multipart, team, Part};
use crate::helpers::{desk_with, Desk};
use crate::support::{get, send, Browser, Page};

const JOB: &str = "kouki-kettei";
/// Where the amount of the first notice ends in a 決定通知書 file (header 200 + CRLF,
/// then the detail's amount field, as tests/batches/cli.rs).
const FIRST_AMOUNT_END: usize = 202 + 154;

fn records() -> u64 {
    std::env::var("MADOGUCHI_BATCH_E2E_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

fn kettei(records: u64, seed: u64) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(CATALOGUE_DIR);
    let catalogue = Catalogue::load(&dir).unwrap();
    let mut out = Vec::new();
    sample::write_sample(catalogue.job(JOB).unwrap(), records, seed, &mut out).unwrap();
    out
}

async fn upload(d: &Desk, who: &Browser, name: &str, bytes: &[u8]) -> String {
    let parts = [
        Part::Field("csrf", &who.csrf),
        Part::Field("job", JOB),
        Part::File("file", name, bytes),
    ];
    let page = send(
        d,
        multipart("/operator/batches/upload", &who.cookie, &parts),
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    format!("/operator/batches{}", {
        let to = page.location.unwrap();
        to[to.find("/runs/").unwrap()..].to_owned()
    })
}

/// A download's raw bytes (the console's `Page` keeps text only).
async fn download(d: &Desk, who: &Browser, uri: &str) -> (StatusCode, Vec<u8>) {
    let response = madoguchi::http::app(d.helpdesk.clone())
        .oneshot(get(uri, &who.cookie))
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, bytes.to_vec())
}

/// The value of a run log's `<dt>` line.
fn logged(page: &Page, term: &str) -> String {
    let marker = format!("<dt>{term}</dt><dd>");
    let start = page.body.find(&marker).unwrap_or_else(|| panic!("{term}")) + marker.len();
    page.body[start..].split("</dd>").next().unwrap().to_owned()
}

fn pdfs_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect()
}

#[tokio::test]
async fn a_kettei_run_prints_through_cups_and_a_changed_amount_is_stopped() {
    let Some(cups) = Cups::start() else {
        return;
    };
    let (server, queue) = (cups.server.clone(), cups.queue.clone());
    let d = desk_with(|s| {
        s.batches.catalogue_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(CATALOGUE_DIR);
        s.batches.cups_server = server;
        s.batches.cups_queue = queue;
        s.batches.output_route = Some(OutputRoute::Cups);
        s.batches.file_key = Some(Secret("7e".repeat(32)));
    })
    .await;
    let t = team(&d).await;
    let n = records();
    let data = kettei(n, 2026);
    let started = Instant::now();

    let run = upload(&d, &t.operator, "kettei-1210.dat", &data).await;
    let page = t.operator.get(&d, &run).await;
    assert!(page.body.contains("確認済"), "{}", page.body);
    assert!(page.body.contains("合計金額の照合") && page.body.contains("件数の照合"));
    assert_eq!(logged(&page, "件数"), n.to_string());
    let checked = started.elapsed();

    let (status, preview) = download(&d, &t.operator, &format!("{run}/preview.pdf")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(preview.starts_with(b"%PDF"));

    let approved = t.admin.post(&d, &format!("{run}/approve"), &[]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let printed = t.operator.post(&d, &format!("{run}/print"), &[]).await;
    assert_eq!(printed.status, StatusCode::SEE_OTHER, "{}", printed.body);
    let total = started.elapsed();

    // The run log in the console: the printer's job id, the pages, the output's hash.
    let log = t.viewer.get(&d, &run).await;
    assert!(log.body.contains("印刷済"), "{}", log.body);
    let job_id = logged(&log, "プリンタのジョブID");
    assert!(job_id.starts_with(&cups.queue), "{job_id}");
    assert_eq!(logged(&log, "ページ数"), n.to_string());
    let printed_pdf = cups.output_of(&job_id);
    assert_eq!(
        page_count(&printed_pdf),
        n,
        "every page reached the printer"
    );

    // The output kept with the run is the one whose hash the log shows; downloading it
    // is recorded, and the log says who previewed, printed and downloaded.
    let (status, output) = download(&d, &t.operator, &format!("{run}/output.pdf")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(logged(&log, "出力ファイルのSHA-256"), sha256_hex(&output));
    let log = t.viewer.get(&d, &run).await;
    for line in [
        "見本PDFのダウンロード",
        "印刷（プリンタへ送信）",
        "出力PDFのダウンロード",
    ] {
        assert!(log.body.contains(line), "{line} in the run's history");
    }
    assert!(log.body.contains(&format!("printer job {job_id}")));
    // Viewers read the log but download nothing.
    let (status, _) = download(&d, &t.viewer, &format!("{run}/output.pdf")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The same data with one record's amount changed: stopped by the control total.
    let mut changed = data.clone();
    let at = FIRST_AMOUNT_END;
    changed[at] = if changed[at] == b'9' {
        b'0'
    } else {
        changed[at] + 1
    };
    let stopped = upload(&d, &t.operator, "kettei-1210-2.dat", &changed).await;
    let page = t.operator.get(&d, &stopped).await;
    assert!(page.body.contains("停止"), "{}", page.body);
    assert!(
        page.body
            .contains("<tr class=\"check-failed\"><td>合計金額の照合</td>"),
        "{}",
        page.body
    );
    let approve = t.admin.post(&d, &format!("{stopped}/approve"), &[]).await;
    assert_eq!(approve.status, StatusCode::BAD_REQUEST);
    let print = t.operator.post(&d, &format!("{stopped}/print"), &[]).await;
    assert_eq!(print.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        pdfs_in(&cups.dir.path().join("out")).len(),
        1,
        "nothing more printed"
    );
    eprintln!(
        "{n} records: intake and checks {:.1} s, to the printer and back {:.1} s",
        checked.as_secs_f64(),
        total.as_secs_f64()
    );
}

//! A 決定通知書 run through the console to a real CUPS (the Done-when of issue 14): upload
//! → the named checks → the preview → an admin's approval → printing through the
//! PDF-direct queue of a `cupsd` started by the test (the continuous-form printer's
//! contract, integrations/printer/README.md) → the run log shows the printer's job id, the
//! page count and the output hash, which is the hash of what the printer's device got,
//! and who downloaded or printed what. The same data with one record's amount changed is
//! stopped by the control-total check and never printed.
//!
//! Records: `MADOGUCHI_BATCH_E2E_RECORDS` (default 10,000, the Done-when's run: about 10 s
//! in a debug build; BENCHMARKS.md has the time of each step this test prints).
//! Skipped with a notice without CUPS, cups-pdf or the font (MADOGUCHI_REQUIRE_CUPS=1:
//! a failure).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

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
        .unwrap_or(10_000)
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

/// The wall time of each step.
struct Laps(Instant, Vec<(&'static str, Duration)>);

impl Laps {
    fn lap(&mut self, what: &'static str) {
        self.1.push((what, self.0.elapsed()));
        self.0 = Instant::now();
    }
}

#[tokio::test]
async fn a_kettei_run_prints_through_cups_and_a_changed_amount_is_stopped() {
    let Some(cups) = Cups::start() else {
        return;
    };
    let (server, queue) = (cups.server.clone(), cups.direct.clone());
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
    let mut steps = Laps(Instant::now(), Vec::new());

    let run = upload(&d, &t.operator, "kettei-1210.dat", &data).await;
    let page = t.operator.get(&d, &run).await;
    assert!(page.body.contains("確認済"), "{}", page.body);
    assert!(page.body.contains("合計金額の照合") && page.body.contains("件数の照合"));
    assert_eq!(logged(&page, "件数"), n.to_string());
    steps.lap("upload and checks");

    let (status, preview) = download(&d, &t.operator, &format!("{run}/preview.pdf")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(preview.starts_with(b"%PDF"));
    steps.lap("preview");

    let approved = t.admin.post(&d, &format!("{run}/approve"), &[]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    steps.lap("approval");
    let printed = t.operator.post(&d, &format!("{run}/print"), &[]).await;
    assert_eq!(printed.status, StatusCode::SEE_OTHER, "{}", printed.body);
    steps.lap("render, CUPS job completed");

    // The run log in the console: the printer's job id, the pages, the output's hash.
    let log = t.viewer.get(&d, &run).await;
    assert!(log.body.contains("印刷済"), "{}", log.body);
    let job_id = logged(&log, "プリンタのジョブID");
    assert!(job_id.starts_with(&cups.direct), "{job_id}");
    assert_eq!(logged(&log, "ページ数"), n.to_string());
    assert_eq!(
        page_count(&cups.printed()),
        n,
        "every page reached the printer"
    );
    let received = std::fs::read(cups.printed()).unwrap();
    assert_eq!(
        logged(&log, "出力ファイルのSHA-256"),
        sha256_hex(&received),
        "the printer got the output the run log names"
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

    steps.lap("run log and output download");

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
        std::fs::read(cups.printed()).unwrap(),
        received,
        "nothing more printed"
    );
    assert!(pdfs_in(&cups.dir.path().join("out")).is_empty());
    steps.lap("changed amount stopped");
    for (what, took) in steps.1 {
        eprintln!("{n} records: {what} {:.1} s", took.as_secs_f64());
    }
}

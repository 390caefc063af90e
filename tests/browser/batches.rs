//! Print batches in headless Chromium: an admin follows the nav link, uploads a small
//! synthetic 決定通知書 file, sees the named checks pass, opens the preview PDF, approves,
//! prints (to the spool folder, the printer route that needs no CUPS) and reads the run
//! log; the same data with one amount changed is stopped with the control-total check as
//! the reason and offers no approval. Screenshots: `console-batch-run.png`,
//! `console-batch-stopped.png` in the artifacts folder.

use std::path::Path;

use fantoccini::{Client, Locator};
use madoguchi::accounts::Role;
use madoguchi::batches::{sample, Catalogue, CATALOGUE_DIR};
use madoguchi::config::Secret;
use madoguchi::domain::OutputRoute;

use crate::app::TestServer;
use crate::console::{add_account, sign_in, wait_page};
use crate::driver::{self, artifacts_dir, Browser};

const JOB: &str = "kouki-kettei";
const RECORDS: u64 = 12;
/// Where the amount of the first notice ends in a 決定通知書 file (header 200 + CRLF, then
/// the detail's amount field; as tests/console/batches_cups.rs).
const FIRST_AMOUNT_END: usize = 202 + 154;

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css}"))
        .click()
        .await
        .unwrap_or_else(|_| panic!("click {css}"));
}

/// Chooses the job and the file on the batches page and sends them.
async fn upload(client: &Client, base: &str, file: &Path) -> String {
    client
        .goto(&format!("{base}/operator/batches"))
        .await
        .expect("the batches page");
    wait_page(client, "the upload form", |h| h.contains("batch-file")).await;
    click(client, &format!("#batch-job option[value='{JOB}']")).await;
    client
        .find(Locator::Id("batch-file"))
        .await
        .expect("the file field")
        .send_keys(file.to_str().unwrap())
        .await
        .expect("choose the file");
    click(client, "form.upload button[type=submit]").await;
    wait_page(client, "the run's page", |h| {
        h.contains("class=\"run-log\"")
    })
    .await
}

#[tokio::test]
async fn an_admin_checks_previews_approves_and_prints_a_run_and_a_changed_file_is_stopped() {
    if !driver::available() {
        return;
    }
    let spool = tempfile::TempDir::new().unwrap();
    let spool_dir = spool.path().to_path_buf();
    let adjust = move |s: &mut madoguchi::config::Settings| {
        s.batches.catalogue_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(CATALOGUE_DIR);
        s.batches.output_route = Some(OutputRoute::SpoolFolder);
        s.batches.spool_dir = spool_dir;
        s.batches.file_key = Some(Secret("5a".repeat(32)));
    };
    let (browser, server) = tokio::join!(
        Browser::start(1280, 1000),
        TestServer::start_with(adjust, None)
    );
    let client = &browser.client;
    add_account(&server.helpdesk, "kanri", "管理 三郎", Role::Admin).await;
    let files = tempfile::TempDir::new().unwrap();
    let catalogue =
        Catalogue::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(CATALOGUE_DIR)).unwrap();
    let mut data = Vec::new();
    sample::write_sample(catalogue.job(JOB).unwrap(), RECORDS, 7, &mut data).unwrap();
    let good = files.path().join("kettei-0410.dat");
    std::fs::write(&good, &data).unwrap();

    sign_in(client, &server.base, "kanri").await;
    client
        .find(Locator::LinkText("印刷バッチ"))
        .await
        .expect("the nav link")
        .click()
        .await
        .expect("click");
    let html = upload(client, &server.base, &good).await;
    assert!(html.contains("確認済"), "{html}");
    for check in ["件数の照合", "合計金額の照合"] {
        assert!(
            html.contains(&format!("<td>{check}</td>")),
            "{check}: {html}"
        );
    }
    assert!(!html.contains("check-failed"), "{html}");

    // The preview: the link the page offers answers with a PDF.
    let preview = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const link = [...document.querySelectorAll('a')]
               .find(a => a.href.endsWith('/preview.pdf'));
             fetch(link.href).then(async r => {
               const head = new Uint8Array(await r.arrayBuffer()).slice(0, 5);
               done([r.status, r.headers.get('content-type'), String.fromCharCode(...head)]);
             });",
            Vec::new(),
        )
        .await
        .expect("fetch the preview");
    assert_eq!(
        preview,
        serde_json::json!([200, "application/pdf", "%PDF-"]),
        "the preview"
    );

    click(client, "form[action$='/approve'] button").await;
    wait_page(client, "approved", |h| {
        h.contains("承認済") && h.contains("action=\"/operator/batches/runs/1/print\"")
    })
    .await;
    click(client, "form[action$='/print'] button").await;
    let log = wait_page(client, "printed", |h| h.contains("<strong>印刷済</strong>")).await;
    assert!(
        log.contains(&format!("<dt>ページ数</dt><dd>{RECORDS}</dd>")),
        "{log}"
    );
    assert!(log.contains("<dt>承認者</dt><dd>kanri</dd>"), "{log}");
    assert!(log.contains("印刷（プリンタへ送信）"), "{log}");
    let printed: Vec<_> = std::fs::read_dir(spool.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(printed.len(), 1, "{printed:?}");
    assert!(
        log.contains(&format!(
            "<dt>プリンタのジョブID</dt><dd>{}</dd>",
            printed[0]
        )),
        "{log}"
    );
    let shot = client.screenshot().await.expect("screenshot");
    std::fs::write(artifacts_dir().join("console-batch-run.png"), shot).expect("write");

    // One amount changed: stopped, the failed check says why, nothing to approve.
    let mut changed = data.clone();
    let at = FIRST_AMOUNT_END;
    changed[at] = if changed[at] == b'9' {
        b'0'
    } else {
        changed[at] + 1
    };
    let bad = files.path().join("kettei-0410-2.dat");
    std::fs::write(&bad, &changed).unwrap();
    let html = upload(client, &server.base, &bad).await;
    assert!(html.contains("<strong>停止</strong>"), "{html}");
    assert!(
        html.contains("<tr class=\"check-failed\"><td>合計金額の照合</td>"),
        "{html}"
    );
    let alert = client
        .find(Locator::Css("p.error[role=alert]"))
        .await
        .expect("the reason")
        .text()
        .await
        .unwrap();
    assert!(alert.contains("停止しました"), "{alert}");
    assert!(
        !html.contains("/approve\""),
        "a stopped run offers no approval"
    );
    let shot = client.screenshot().await.expect("screenshot");
    std::fs::write(artifacts_dir().join("console-batch-stopped.png"), shot).expect("write");
    assert_eq!(std::fs::read_dir(spool.path()).unwrap().count(), 1);
}

//! Print batches through the console: a synthetic 決定通知書 run goes intake → checks →
//! preview → approval → output (the spool folder) → run log; a changed amount is stopped
//! by the control-total check; viewers cannot approve; a missing CSRF token is refused;
//! without a file key the pages say print runs are unavailable.

use std::path::{Path, PathBuf};

use axum::http::StatusCode;
use madoguchi::batches::{sample, Catalogue, CATALOGUE_DIR};
use madoguchi::config::{Secret, DEFAULT_FONT};
use madoguchi::domain::OutputRoute;

use crate::faq_support::{multipart, team, Part, Team};
use crate::helpers::{desk, desk_with, Desk};
use crate::support::send;

pub(crate) const JOB: &str = "kouki-kettei";

fn catalogue_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(CATALOGUE_DIR)
}

/// A helpdesk whose print runs write to a spool folder in its data folder, or None
/// (with a notice) when the form font is not installed.
pub(crate) async fn batch_desk() -> Option<(Desk, PathBuf)> {
    if !Path::new(DEFAULT_FONT).exists() {
        eprintln!("console batch test skipped: {DEFAULT_FONT} is missing (fonts-ipaexfont-gothic)");
        return None;
    }
    let mut spool = PathBuf::new();
    let d = desk_with(|s| {
        spool = s.data_dir.join("spool");
        std::fs::create_dir_all(&spool).unwrap();
        s.batches.catalogue_dir = catalogue_dir();
        s.batches.spool_dir = spool.clone();
        s.batches.output_route = Some(OutputRoute::SpoolFolder);
        s.batches.file_key = Some(Secret("3c".repeat(32)));
    })
    .await;
    Some((d, spool))
}

pub(crate) fn kettei(records: u64, seed: u64) -> Vec<u8> {
    let catalogue = Catalogue::load(&catalogue_dir()).unwrap();
    let mut out = Vec::new();
    sample::write_sample(catalogue.job(JOB).unwrap(), records, seed, &mut out).unwrap();
    out
}

/// Uploads `bytes` for the 決定通知書 job as `who`; the response.
pub(crate) async fn upload(
    d: &Desk,
    who: &crate::support::Browser,
    bytes: &[u8],
) -> crate::support::Page {
    let parts = [
        Part::Field("csrf", &who.csrf),
        Part::Field("job", JOB),
        Part::File("file", "kettei-0410.dat", bytes),
    ];
    send(
        d,
        multipart("/operator/batches/upload", &who.cookie, &parts),
    )
    .await
}

/// The run id an upload redirected to.
pub(crate) fn run_of(page: &crate::support::Page) -> String {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let to = page.location.clone().unwrap();
    to.rsplit('/').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_kettei_run_goes_from_upload_to_the_spool_folder_and_its_log() {
    let Some((d, spool)) = batch_desk().await else {
        return;
    };
    let Team {
        admin,
        operator,
        viewer,
    } = team(&d).await;
    let schedule = viewer.get(&d, "/operator/batches?year=2026").await;
    assert_eq!(schedule.status, StatusCode::OK, "{}", schedule.body);
    assert!(schedule.body.contains("2026年4月") && schedule.body.contains("2027年1月"));
    assert!(
        !schedule.body.contains("/operator/batches/upload"),
        "viewers read only"
    );

    let id = run_of(&upload(&d, &operator, &kettei(30, 7)).await);
    let run_uri = format!("/operator/batches/runs/{id}");
    let page = operator.get(&d, &run_uri).await;
    assert!(
        page.body.contains("確認済") && page.body.contains("合計金額の照合"),
        "{}",
        page.body
    );
    assert!(page.body.contains("合格"));

    let preview = operator.get(&d, &format!("{run_uri}/preview.pdf")).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(preview.body.starts_with("%PDF"));

    // A viewer cannot approve, an operator neither; nothing changes.
    let refused = viewer.post(&d, &format!("{run_uri}/approve"), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = operator.post(&d, &format!("{run_uri}/approve"), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // Printing before approval: 400 with the reason.
    let early = operator.post(&d, &format!("{run_uri}/print"), &[]).await;
    assert_eq!(early.status, StatusCode::BAD_REQUEST);
    assert!(early.body.contains("確認済"), "{}", early.body);

    let approved = admin.post(&d, &format!("{run_uri}/approve"), &[]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let printed = operator.post(&d, &format!("{run_uri}/print"), &[]).await;
    assert_eq!(printed.status, StatusCode::SEE_OTHER, "{}", printed.body);

    let log = viewer.get(&d, &run_uri).await;
    assert!(log.body.contains("印刷済"), "{}", log.body);
    assert!(log.body.contains("kanri") && log.body.contains("yamada"));
    let files: Vec<_> = std::fs::read_dir(&spool)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(
        log.body.contains(&files[0]),
        "the printer job id is the spool file"
    );
    let pdf = std::fs::read(spool.join(&files[0])).unwrap();
    let sha = madoguchi::batches::sha256_hex(&pdf);
    assert!(log.body.contains(&sha), "the output hash is logged");
}

#[tokio::test]
async fn a_changed_amount_is_stopped_by_the_control_total_check() {
    let Some((d, spool)) = batch_desk().await else {
        return;
    };
    let t = team(&d).await;
    let mut bytes = kettei(5, 3);
    // Line 2 (the first notice), last digit of the amount (as tests/batches/cli.rs).
    let at = 202 + 154;
    bytes[at] = if bytes[at] == b'9' {
        b'0'
    } else {
        bytes[at] + 1
    };
    let id = run_of(&upload(&d, &t.operator, &bytes).await);
    let run_uri = format!("/operator/batches/runs/{id}");
    let page = t.operator.get(&d, &run_uri).await;
    assert!(page.body.contains("停止"), "{}", page.body);
    assert!(page.body.contains("合計金額の照合") && page.body.contains("エラー"));
    // An error is never overridden or approved; nothing reaches the printer.
    let over = t
        .admin
        .post(&d, &format!("{run_uri}/override"), &[("reason", "急ぎ")])
        .await;
    assert_eq!(over.status, StatusCode::BAD_REQUEST, "{}", over.body);
    let approve = t.admin.post(&d, &format!("{run_uri}/approve"), &[]).await;
    assert_eq!(approve.status, StatusCode::BAD_REQUEST);
    assert_eq!(std::fs::read_dir(&spool).unwrap().count(), 0);
}

#[tokio::test]
async fn uploads_and_actions_without_the_csrf_token_are_refused() {
    let Some((d, _spool)) = batch_desk().await else {
        return;
    };
    let t = team(&d).await;
    let data = kettei(3, 1);
    let parts = [Part::Field("job", JOB), Part::File("file", "k.dat", &data)];
    let page = send(
        &d,
        multipart("/operator/batches/upload", &t.operator.cookie, &parts),
    )
    .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    let id = run_of(&upload(&d, &t.operator, &data).await);
    let uri = format!("/operator/batches/runs/{id}/approve");
    let no_token = send(&d, crate::support::form(&uri, &t.admin.cookie, &[])).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let page = t
        .admin
        .get(&d, &format!("/operator/batches/runs/{id}"))
        .await;
    assert!(page.body.contains("確認済"), "nothing changed");
    // The same file again: 400 naming the first run.
    let again = upload(&d, &t.operator, &data).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains(&format!("実行 {id}")), "{}", again.body);
}

#[tokio::test]
async fn without_a_file_key_print_runs_are_unavailable() {
    let d = desk().await;
    let t = team(&d).await;
    let page = t.operator.get(&d, "/operator/batches").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("印刷バッチは使えません") && page.body.contains("file_key"));
}

#[tokio::test]
async fn warnings_go_on_only_with_an_admins_recorded_reason() {
    let Some((d, _spool)) = batch_desk().await else {
        return;
    };
    let t = team(&d).await;
    let first = run_of(&upload(&d, &t.operator, &kettei(30, 7)).await);
    let first_uri = format!("/operator/batches/runs/{first}");
    let approved = t.admin.post(&d, &format!("{first_uri}/approve"), &[]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let printed = t
        .operator
        .post(&d, &format!("{first_uri}/print"), &[])
        .await;
    assert_eq!(printed.status, StatusCode::SEE_OTHER, "{}", printed.body);
    // A third of the previous run's records: the difference check warns.
    let id = run_of(&upload(&d, &t.operator, &kettei(10, 8)).await);
    let uri = format!("/operator/batches/runs/{id}");
    let page = t.admin.get(&d, &uri).await;
    assert!(page.body.contains("警告あり"), "{}", page.body);
    assert!(page.body.contains("警告を承知で進める理由"));
    let by_operator = t
        .operator
        .post(&d, &format!("{uri}/override"), &[("reason", "課の確認済")])
        .await;
    assert_eq!(by_operator.status, StatusCode::FORBIDDEN);
    let no_reason = t
        .admin
        .post(&d, &format!("{uri}/override"), &[("reason", " ")])
        .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    assert!(
        no_reason.body.contains("理由を書いてください"),
        "{}",
        no_reason.body
    );
    let approve = t.admin.post(&d, &format!("{uri}/approve"), &[]).await;
    assert_eq!(
        approve.status,
        StatusCode::BAD_REQUEST,
        "not before the override"
    );
    let over = t
        .admin
        .post(
            &d,
            &format!("{uri}/override"),
            &[("reason", "国保課に件数減を確認済")],
        )
        .await;
    assert_eq!(over.status, StatusCode::SEE_OTHER, "{}", over.body);
    let page = t.viewer.get(&d, &uri).await;
    assert!(page.body.contains("確認済") && page.body.contains("国保課に件数減を確認済"));
}

#[tokio::test]
async fn the_batches_page_shows_when_each_job_was_last_checked() {
    let Some((d, _spool)) = batch_desk().await else {
        return;
    };
    let t = team(&d).await;
    let page = t.viewer.get(&d, "/operator/batches").await;
    assert!(page.body.contains("ジョブの自己診断"), "{}", page.body);
    assert_eq!(page.body.matches("<td>未確認</td>").count(), 10);
    assert!(
        !page.body.contains("/operator/batches/selftest"),
        "admins only"
    );
    let refused = t.operator.post(&d, "/operator/batches/selftest", &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let no_token = send(
        &d,
        crate::support::form("/operator/batches/selftest", &t.admin.cookie, &[]),
    )
    .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);

    let done = t.admin.post(&d, "/operator/batches/selftest", &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = t.viewer.get(&d, "/operator/batches").await;
    assert_eq!(
        page.body.matches("<td>合格</td>").count(),
        10,
        "{}",
        page.body
    );
    assert!(page.body.contains("2026-11-26 10:00") && page.body.contains("<td>kanri</td>"));
    assert!(!page.body.contains("未確認"));
}

/// Puts run `id` 印刷中 as a print that stopped part-way leaves it: claimed by `by`,
/// sent as `job` (or not sent yet).
async fn leave_printing(d: &Desk, id: &str, by: &str, job: Option<&str>) {
    madoguchi::storage::sql(
        "UPDATE batch_runs SET status = 'printing', printing_by = $1, printing_at = $2, \
         printer_job_ids = $3, pages = 30, output_sha256 = 'ab' WHERE id = $4",
    )
    .bind(by)
    .bind(d.helpdesk.store().now())
    .bind(job)
    .bind(id.parse::<i64>().unwrap())
    .execute(&mut d.helpdesk.store().conn())
    .await
    .unwrap();
}

fn spooled(spool: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(spool)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    files
}

#[tokio::test]
async fn a_run_being_printed_is_asked_about_and_never_sent_again() {
    let Some((d, spool)) = batch_desk().await else {
        return;
    };
    let Team {
        admin, operator, ..
    } = team(&d).await;

    // Sent, and the printer has not reported it complete: the page offers the check,
    // not the print button; printing again sends nothing.
    let id = run_of(&upload(&d, &operator, &kettei(30, 7)).await);
    let run_uri = format!("/operator/batches/runs/{id}");
    let approved = admin.post(&d, &format!("{run_uri}/approve"), &[]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    leave_printing(&d, &id, "yamada", Some("renzoku-1.pdf")).await;
    let page = operator.get(&d, &run_uri).await;
    assert!(page.body.contains("印刷中"), "{}", page.body);
    assert!(
        page.body.contains("プリンタの状況を確認する"),
        "{}",
        page.body
    );
    assert!(!page.body.contains(">印刷する</button>"), "{}", page.body);
    let again = operator.post(&d, &format!("{run_uri}/print"), &[]).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.body);
    assert!(spooled(&spool).is_empty(), "nothing sent again");
    // The printer has the job: the check makes the run 印刷済.
    std::fs::write(spool.join("renzoku-1.pdf"), b"%PDF-1.7").unwrap();
    let checked = operator.post(&d, &format!("{run_uri}/check"), &[]).await;
    assert_eq!(checked.status, StatusCode::SEE_OTHER, "{}", checked.body);
    let page = operator.get(&d, &run_uri).await;
    assert!(page.body.contains("印刷済"), "{}", page.body);
    assert!(page.body.contains("印刷完了（プリンタが完了を報告）"));
    assert_eq!(spooled(&spool), ["renzoku-1.pdf"]);

    // Claimed by a print that stopped before sending: refused with who and since when,
    // until the claim's lease ran out; then it may be printed again.
    let id = run_of(&upload(&d, &operator, &kettei(30, 8)).await);
    let run_uri = format!("/operator/batches/runs/{id}");
    admin.post(&d, &format!("{run_uri}/approve"), &[]).await;
    leave_printing(&d, &id, "suzuki", None).await;
    let page = operator.get(&d, &run_uri).await;
    assert!(page.body.contains("id=\"run-claimed\""), "{}", page.body);
    assert!(!page.body.contains("印刷し直す"));
    let refused = operator.post(&d, &format!("{run_uri}/print"), &[]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("suzuki が印刷中です"),
        "{}",
        refused.body
    );
    assert_eq!(spooled(&spool), ["renzoku-1.pdf"]);
    let lease = chrono::Duration::minutes(madoguchi::print_runs::PRINT_CLAIM_LEASE_MINUTES);
    d.clock
        .set(d.helpdesk.now() + lease + chrono::Duration::seconds(1));
    let page = operator.get(&d, &run_uri).await;
    assert!(page.body.contains("id=\"run-stalled\""), "{}", page.body);
    let printed = operator.post(&d, &format!("{run_uri}/print"), &[]).await;
    assert_eq!(printed.status, StatusCode::SEE_OTHER, "{}", printed.body);
    assert!(operator.get(&d, &run_uri).await.body.contains("印刷済"));
    assert_eq!(spooled(&spool).len(), 2);
}

//! The reports to the city in the console: the month's report with its charts and tables
//! (a viewer may read it), the downloads (PDF, HTML, each CSV table), and bad choices
//! refused.

use axum::http::StatusCode;
use madoguchi::accounts::Role;

use crate::faq_support::download;
use crate::helpers::desk;
use crate::support::{account, Browser};

#[tokio::test]
async fn the_months_report_shows_and_downloads() {
    let d = desk().await;
    d.logo("room-1", "ＶＰＮつながらない").await;
    account(&d, "viewer", "閲覧 花子", Role::Viewer).await;
    let viewer = Browser::sign_in(&d, "viewer").await;
    // The desk's clock is in November 2026: no month given shows November.
    let page = viewer.get(&d, "/operator/reports").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for shown in [
        "ヘルプデスク月次報告 2026年11月",
        "<svg",
        "id=\"by-day\"",
        "11/30",
    ] {
        assert!(page.body.contains(shown), "{shown} missing");
    }
    let october = viewer
        .get(&d, "/operator/reports?kind=monthly&month=2026-10")
        .await;
    assert!(october.body.contains("ヘルプデスク月次報告 2026年10月"));
    let year = viewer
        .get(&d, "/operator/reports?kind=annual&fiscal_year=2026")
        .await;
    assert!(year.body.contains("ヘルプデスク年次報告 2026年度"));
    let half = viewer.get(&d, "/operator/reports?kind=half-year").await;
    assert!(half.body.contains("ヘルプデスク上半期報告 2026年度"));
    for bad in [
        "/operator/reports?kind=weekly",
        "/operator/reports?month=2026-13",
        "/operator/reports?kind=annual&fiscal_year=26a",
    ] {
        assert_eq!(
            viewer.get(&d, bad).await.status,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }

    let base = "/operator/reports/download?kind=monthly&month=2026-11&file=";
    let csv = download(&d, &viewer, &format!("{base}by_channel.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = String::from_utf8(csv.bytes).unwrap();
    assert!(
        text.starts_with('\u{feff}') && text.contains("LoGoチャット,1,"),
        "{text}"
    );
    let html = download(&d, &viewer, &format!("{base}html")).await;
    assert!(String::from_utf8(html.bytes)
        .unwrap()
        .starts_with("<!DOCTYPE html>"));
    let missing = download(&d, &viewer, &format!("{base}passwords.csv")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    if std::path::Path::new(madoguchi::config::DEFAULT_FONT).exists() {
        let pdf = download(&d, &viewer, &format!("{base}pdf")).await;
        assert_eq!(pdf.status, StatusCode::OK);
        assert_eq!(pdf.headers["content-type"], "application/pdf");
        assert!(pdf.bytes.starts_with(b"%PDF-"));
    } else {
        eprintln!("report PDF download skipped: fonts-ipaexfont-gothic is missing");
    }
}

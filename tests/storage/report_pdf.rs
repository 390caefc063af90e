//! The monthly report as a PDF, on the seeded month of `reports.rs`: the IPAex font is
//! embedded (pdffonts), the Japanese text and the numbers are in it (pdftotext), and the
//! first page is rendered to a PNG (`target/test-artifacts/report-2026-11-1.png`) to be
//! looked at. Without the font or poppler-utils the test says so and passes, unless
//! MADOGUCHI_REQUIRE_CUPS=1 (CI), which covers both.

use std::path::{Path, PathBuf};
use std::process::Command;

use madoguchi::batches::render::FormFont;
use madoguchi::config::DEFAULT_FONT;
use madoguchi::reports::{self, Month};

use crate::db::backends;

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn tool(name: &str, args: &[&std::ffi::OsStr]) -> Option<String> {
    let output = Command::new(name).args(args).output().ok()?;
    assert!(output.status.success(), "{name}: {output:?}");
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[tokio::test]
async fn the_monthly_report_prints_with_its_japanese_text_and_numbers() {
    let has_poppler = Command::new("pdftotext").arg("-v").output().is_ok();
    if !Path::new(DEFAULT_FONT).exists() || !has_poppler {
        assert_ne!(
            std::env::var("MADOGUCHI_REQUIRE_CUPS").as_deref(),
            Ok("1"),
            "the font or poppler-utils is missing"
        );
        eprintln!("report PDF test skipped: fonts-ipaexfont-gothic or poppler-utils missing");
        return;
    }
    let db = backends().await.next().expect("SQLite");
    crate::reports::seed(&db).await;
    let report = reports::monthly(&db.store, Month::parse("2026-11").unwrap())
        .await
        .unwrap();
    let font = FormFont::from_bytes(std::fs::read(DEFAULT_FONT).unwrap()).unwrap();
    let pdf = reports::render_pdf(&report, &font).unwrap();
    assert_eq!(
        reports::render_pdf(&report, &font).unwrap(),
        pdf,
        "the same report gives the same bytes"
    );
    let path = artifacts().join("report-2026-11.pdf");
    std::fs::write(&path, &pdf).unwrap();

    let fonts = tool("pdffonts", &[path.as_os_str()]).unwrap();
    let ipaex = fonts
        .lines()
        .find(|l| l.contains("IPAexGothic"))
        .unwrap_or_else(|| panic!("{fonts}"));
    assert!(
        ipaex.split_whitespace().filter(|w| *w == "yes").count() >= 3,
        "embedded, subset, unicode: {fonts}"
    );
    let text = tool(
        "pdftotext",
        &["-layout".as_ref(), path.as_os_str(), "-".as_ref()],
    )
    .unwrap();
    for shown in [
        "沼津市 ICT推進課 御中",
        "ヘルプデスク月次報告 2026年11月",
        "対象期間: 2026年11月01日 ～ 2026年11月30日",
        "質問件数",
        "2件（50.0%）",
        "50.0%（1／2件）",
        "LoGoチャット",
        "市民課",
        "11/30",
        "K012-PC001",
        "トナー LP-S3250",
        "月例パッチ",
        "各バッチの運用状況",
    ] {
        assert!(text.contains(shown), "{shown} missing from:\n{text}");
    }
    // Each day of the month has its row, with the seeded counts.
    let first = text
        .lines()
        .find(|l| l.trim_start().starts_with("11/01"))
        .unwrap();
    let numbers: Vec<&str> = first.split_whitespace().skip(1).collect();
    assert_eq!(numbers, ["2", "1", "50.0%"], "{first}");
    // The print-batch job's runs of the month.
    let job = text
        .lines()
        .find(|l| l.trim_start().starts_with("kouki-kettei"))
        .unwrap_or_else(|| panic!("no batch row in:\n{text}"));
    let numbers: Vec<&str> = job.split_whitespace().skip(1).collect();
    assert_eq!(numbers, ["1", "0", "1", "0", "0", "40", "40"], "{job}");

    let prefix = artifacts().join("report-2026-11");
    tool(
        "pdftoppm",
        &[
            "-png".as_ref(),
            "-r".as_ref(),
            "60".as_ref(),
            "-f".as_ref(),
            "1".as_ref(),
            "-l".as_ref(),
            "1".as_ref(),
            path.as_os_str(),
            prefix.as_os_str(),
        ],
    )
    .unwrap();
    let png = artifacts().join("report-2026-11-1.png");
    assert!(
        std::fs::metadata(&png).unwrap().len() > 5_000,
        "a page was drawn"
    );
}

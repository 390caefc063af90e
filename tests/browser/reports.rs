//! The reports page in headless Chromium: an operator opens 報告 from the menu, sees this
//! month's report with its charts and the questions asked, switches to the fiscal year's
//! report with the form, and finds the PDF download for what is shown. Screenshot:
//! `console-reports.png` in the artifacts folder.

use fantoccini::{Client, Locator};
use madoguchi::accounts::Role;

use crate::console::{add_account, sign_in, wait_page};
use crate::driver::artifacts_dir;
use crate::widget::setup;

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css}"))
        .click()
        .await
        .expect("click");
}

#[tokio::test]
async fn an_operator_reads_the_month_and_the_fiscal_year_and_finds_the_pdf() {
    let Some((server, browser)) = setup(1280, 1000).await else {
        return;
    };
    let client = &browser.client;
    let helpdesk = &server.helpdesk;
    add_account(helpdesk, "op", "窓口 一郎", Role::Operator).await;
    for text in [
        "VPNがつながらない",
        "パスワードを忘れた",
        "ＶＰＮ 接続できない",
    ] {
        helpdesk
            .conversations()
            .ask(text, "web")
            .await
            .expect("ask");
    }
    let jst = chrono::FixedOffset::east_opt(9 * 3600).unwrap();
    let today = helpdesk.now().with_timezone(&jst).date_naive();
    let month = today.format("%Y年%-m月").to_string();
    let fiscal_year = if chrono::Datelike::month(&today) >= 4 {
        chrono::Datelike::year(&today)
    } else {
        chrono::Datelike::year(&today) - 1
    };

    sign_in(client, &server.base, "op").await;
    client
        .find(Locator::LinkText("報告"))
        .await
        .expect("the menu link")
        .click()
        .await
        .expect("click");
    let title = format!("ヘルプデスク月次報告 {month}");
    let html = wait_page(client, "this month's report", |h| h.contains(&title)).await;
    assert!(html.contains("<svg"), "the charts are drawn");
    let questions = client
        .find(Locator::Css("#report"))
        .await
        .expect("the report")
        .text()
        .await
        .expect("its text");
    let asked = questions.split("質問件数").nth(1).unwrap_or_default();
    assert!(
        asked.trim_start().starts_with("3件"),
        "the three questions are counted: {questions}"
    );
    // The form says what the report is of.
    let shown = client
        .find(Locator::Id("report-month"))
        .await
        .expect("the month field")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(
        shown.as_deref(),
        Some(today.format("%Y-%m").to_string().as_str())
    );
    let shot = client.screenshot().await.expect("screenshot");
    std::fs::write(artifacts_dir().join("console-reports.png"), shot).expect("write");

    click(client, "#report-kind option[value=annual]").await;
    let year = client
        .find(Locator::Id("report-year"))
        .await
        .expect("the year field");
    year.clear().await.expect("clear");
    year.send_keys(&fiscal_year.to_string())
        .await
        .expect("type");
    click(client, "#report-show").await;
    let title = format!("ヘルプデスク年次報告 {fiscal_year}年度");
    wait_page(client, "the fiscal year's report", |h| h.contains(&title)).await;
    let pdf = client
        .find(Locator::Id("report-pdf"))
        .await
        .expect("the PDF link")
        .attr("href")
        .await
        .expect("href")
        .expect("a link");
    assert!(
        pdf.contains("kind=annual") && pdf.contains(&format!("fiscal_year={fiscal_year}")),
        "{pdf}"
    );
    assert!(pdf.contains("file=pdf"), "{pdf}");
}

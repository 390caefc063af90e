//! The IP address ledger in headless Chromium: an operator opens IP台帳 from the menu,
//! picks a segment, allocates the next free address, finds it by its host name, and
//! releases it. Screenshot: `console-ip-ledger.png` in the artifacts folder.

use fantoccini::{Client, Locator};
use madoguchi::accounts::Role;
use madoguchi::ledgers::SegmentSpec;

use crate::console::{add_account, sign_in, wait_page};
use crate::driver::artifacts_dir;
use crate::widget::setup;

async fn fill(client: &Client, id: &str, text: &str) {
    let field = client.find(Locator::Id(id)).await.expect(id);
    field.clear().await.expect("clear");
    field.send_keys(text).await.expect("type");
}

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
async fn an_operator_allocates_finds_and_releases_an_address() {
    let Some((server, browser)) = setup(1280, 900).await else {
        return;
    };
    let client = &browser.client;
    let helpdesk = &server.helpdesk;
    add_account(helpdesk, "op", "窓口 一郎", Role::Operator).await;
    let spec = SegmentSpec {
        network: "lgwan".into(),
        cidr: "10.1.0.0/24".into(),
        name: "本庁舎2階".into(),
        gateway: Some("10.1.0.1".into()),
        ..SegmentSpec::default()
    };
    let id = helpdesk
        .ledgers()
        .create_segment(&spec, "setup")
        .await
        .expect("segment");

    sign_in(client, &server.base, "op").await;
    client
        .find(Locator::LinkText("IP台帳"))
        .await
        .expect("the menu link")
        .click()
        .await
        .expect("click");
    wait_page(client, "the segments", |h| h.contains("本庁舎2階")).await;
    client
        .find(Locator::LinkText("本庁舎2階"))
        .await
        .expect("the segment link")
        .click()
        .await
        .expect("click");
    wait_page(client, "the segment's lines", |h| {
        h.contains("次の空きアドレスを払い出す")
    })
    .await;
    fill(client, "assign-host", "PC-Shimin-01").await;
    fill(client, "assign-department", "市民課").await;
    fill(client, "assign-person", "沼津 花子").await;
    click(client, "#allocate-form button[type=submit]").await;
    let html = wait_page(client, "the allocated address", |h| {
        h.contains("<h1>10.1.0.2")
    })
    .await;
    assert!(html.contains("使用中") && html.contains("PC-Shimin-01"));
    assert_eq!(
        client.current_url().await.expect("url").path(),
        "/operator/ip/addresses/10.1.0.2"
    );

    // Found by its host name, written in lower case.
    client
        .goto(&server.url(&format!("/operator/ip/addresses?segment={id}")))
        .await
        .expect("open the list");
    fill(client, "ip-q", "pc-shimin").await;
    click(client, "#ip-search").await;
    let html = wait_page(client, "the search result", |h| {
        h.contains("id=\"line-10.1.0.2\"") && h.contains("1件")
    })
    .await;
    assert!(html.contains("沼津 花子"));
    let shot = client.screenshot().await.expect("screenshot");
    std::fs::write(artifacts_dir().join("console-ip-ledger.png"), shot).expect("write");
    client
        .find(Locator::LinkText("10.1.0.2"))
        .await
        .expect("the address link")
        .click()
        .await
        .expect("click");
    wait_page(client, "the address", |h| h.contains("返却する")).await;
    click(client, "#release").await;
    let html = wait_page(client, "the released address", |h| {
        h.contains("再利用できる日時")
    })
    .await;
    assert!(html.contains("返却") && html.contains("空き"));
    let line = helpdesk
        .ledgers()
        .address("10.1.0.2")
        .await
        .expect("line")
        .expect("kept");
    assert_eq!(line.state.as_str(), "free");
    assert_eq!(line.host, None);
}

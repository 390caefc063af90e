//! The equipment register in headless Chromium: an operator searches by a person's name,
//! opens the device, sends it for repair with a reason, and sees the change in its
//! history; the page has the console's style sheet and its nav. Screenshot:
//! `console-equipment.png` in the artifacts folder.

use fantoccini::Locator;
use madoguchi::accounts::Role;
use madoguchi::ledgers::DeviceSpec;
use madoguchi::storage::StaffMember;

use crate::console::{add_account, sign_in, wait_page};
use crate::driver::artifacts_dir;
use crate::widget::setup;

#[tokio::test]
async fn an_operator_finds_a_device_by_person_and_sends_it_for_repair() {
    let Some((server, browser)) = setup(1280, 900).await else {
        return;
    };
    let client = &browser.client;
    let helpdesk = &server.helpdesk;
    add_account(helpdesk, "yamada", "山田 花子", Role::Operator).await;
    helpdesk
        .store()
        .replace_staff(&[StaffMember {
            employee_no: "10001".into(),
            name: "沼津 太郎".into(),
            department: "市民課".into(),
            email: None,
            extension: None,
            logochat_id: None,
        }])
        .await
        .unwrap();
    for (asset, person) in [("PC-0001", Some("10001")), ("PC-0002", None)] {
        let spec = DeviceSpec {
            asset: asset.into(),
            kind: "PC".into(),
            department: Some("市民課".into()),
            person: person.map(str::to_owned),
            ..DeviceSpec::default()
        };
        helpdesk
            .ledgers()
            .register_device(&spec, None, "setup")
            .await
            .unwrap();
    }

    sign_in(client, &server.base, "yamada").await;
    client
        .find(Locator::LinkText("機器台帳"))
        .await
        .expect("the nav link")
        .click()
        .await
        .expect("click");
    wait_page(client, "the register", |h| h.contains("equipment-total")).await;
    let person = client
        .find(Locator::Id("equipment-person"))
        .await
        .expect("the person field");
    person.send_keys("沼津太郎").await.expect("type");
    client
        .find(Locator::Css("#equipment-search button[type=submit]"))
        .await
        .expect("the search button")
        .click()
        .await
        .expect("search");
    let html = wait_page(client, "the search result", |h| h.contains(">1台<")).await;
    assert!(
        html.contains("PC-0001") && !html.contains("PC-0002"),
        "{html}"
    );

    client
        .find(Locator::LinkText("PC-0001"))
        .await
        .expect("the device link")
        .click()
        .await
        .expect("open the device");
    wait_page(client, "the device page", |h| h.contains("device-title")).await;
    let select = client
        .find(Locator::Id("state-to"))
        .await
        .expect("the state select");
    select
        .select_by_value("in_repair")
        .await
        .expect("choose 修理中");
    client
        .find(Locator::Id("state-reason"))
        .await
        .expect("the reason")
        .send_keys("液晶割れのためメーカー修理")
        .await
        .expect("type");
    client
        .find(Locator::Css("#state-form button[type=submit]"))
        .await
        .expect("the button")
        .click()
        .await
        .expect("change the state");
    let html = wait_page(client, "the state changed", |h| {
        h.contains("液晶割れのためメーカー修理") && h.contains("状態: 配備中 → 修理中")
    })
    .await;
    assert!(html.contains("id=\"device-state\">修理中<"), "{html}");
    assert!(
        html.contains("沼津 太郎（10001）"),
        "repair keeps the person"
    );
    let look = client
        .execute(
            "return document.styleSheets.length === 1 \
             && document.querySelector('nav a[aria-current=page]').textContent === '機器台帳' \
             && getComputedStyle(document.getElementById('device-state')).borderTopStyle === 'solid';",
            Vec::new(),
        )
        .await
        .expect("run a script");
    assert_eq!(
        look.as_bool(),
        Some(true),
        "the console's style sheet and nav"
    );
    let shot = client.screenshot().await.expect("screenshot");
    std::fs::write(artifacts_dir().join("console-equipment.png"), shot).expect("write");
    let stored = helpdesk.ledgers().device("PC-0001").await.unwrap().unwrap();
    assert_eq!(stored.line.state.label(), "修理中");
}

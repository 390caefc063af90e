//! Outages (障害) in headless Chromium: an operator follows the nav link, declares an
//! outage of メール, records a timeline entry, and closes it with its cause; the page
//! shows each state. Screenshot: `console-outage.png` in the artifacts folder.

use fantoccini::Locator;
use madoguchi::accounts::Role;

use crate::console::{add_account, sign_in, wait_page};
use crate::driver::artifacts_dir;
use crate::widget::setup;

/// Types `text` into the field with id `id`. The field is found again when the page it
/// was found on was replaced meanwhile (a stale element: the previous form's answer was
/// still arriving).
async fn fill(client: &fantoccini::Client, id: &str, text: &str) {
    let mut tries = 0;
    loop {
        let field = client
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|_| panic!("the field {id}"));
        match field.send_keys(text).await {
            Ok(()) => return,
            Err(e) if tries < 5 && format!("{e:?}").contains("StaleElementReference") => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => panic!("type into {id}: {e:?}"),
        }
    }
}

/// Presses the submit button of the form with id `form`.
async fn submit(client: &fantoccini::Client, form: &str) {
    client
        .find(Locator::Css(&format!("#{form} button[type=submit]")))
        .await
        .unwrap_or_else(|_| panic!("the button of {form}"))
        .click()
        .await
        .expect("submit");
}

#[tokio::test]
async fn an_operator_declares_an_outage_notes_it_and_closes_it() {
    let Some((server, browser)) = setup(1280, 900).await else {
        return;
    };
    let client = &browser.client;
    add_account(&server.helpdesk, "yamada", "山田 花子", Role::Operator).await;
    sign_in(client, &server.base, "yamada").await;
    client
        .find(Locator::LinkText("障害"))
        .await
        .expect("the nav link")
        .click()
        .await
        .expect("click");
    wait_page(client, "the outages page", |h| h.contains("declare-form")).await;
    fill(client, "outage-title", "メールサーバ障害（送信不可）").await;
    fill(client, "outage-systems", "メール").await;
    fill(client, "outage-vendor", "沼津システム").await;
    submit(client, "declare-form").await;
    let html = wait_page(client, "the outage page", |h| h.contains("id=\"timeline\"")).await;
    assert!(html.contains("メールサーバ障害（送信不可）"), "{html}");
    assert!(html.contains("発生中"), "{html}");

    fill(client, "note-text", "業者が到着、原因を調査中").await;
    submit(client, "note-form").await;
    wait_page(client, "the note in the timeline", |h| {
        h.contains("業者が到着、原因を調査中")
    })
    .await;

    fill(client, "close-cause", "送信サーバのディスク不足").await;
    submit(client, "close-form").await;
    let html = wait_page(client, "the outage closed", |h| {
        h.contains("送信サーバのディスク不足") && h.contains("復旧")
    })
    .await;
    assert!(
        !html.contains("id=\"close-form\""),
        "a closed outage cannot be closed again"
    );
    let shot = client.screenshot().await.expect("screenshot");
    std::fs::write(artifacts_dir().join("console-outage.png"), shot).expect("write");
}

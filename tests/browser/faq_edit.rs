//! FAQ maintenance in headless Chromium: an admin edits an entry's body in the console,
//! previews it, saves it, and the portal widget then answers with the new text, with no
//! restart. Screenshot: `console-faq-edit.png` in the artifacts folder.

use fantoccini::{Client, Locator};
use madoguchi::accounts::Role;

use crate::console::{add_account, sign_in, wait_page};
use crate::driver::artifacts_dir;
use crate::page::open_page;
use crate::widget::{ask, click_launcher, setup};

const ID: &str = "pc-external-display";
const QUESTION: &str = "プロジェクターに画面が映りません";
const NEW_BODY: &str =
    "会議室の壁の切替器で入力を「PC」に合わせてから、**Windowsキー＋P** を押してください。";

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .expect("click");
}

#[tokio::test]
async fn an_admin_edits_an_entry_in_the_console_and_the_widget_answers_with_it() {
    let Some((server, browser)) = setup(1280, 1000).await else {
        return;
    };
    let client = &browser.client;
    let helpdesk = &server.helpdesk;
    add_account(helpdesk, "kanri", "管理 三郎", Role::Admin).await;
    sign_in(client, &server.base, "kanri").await;

    // From the list to the entry's form.
    client
        .goto(&server.url(
            "/operator/faqs?q=%E3%83%97%E3%83%AD%E3%82%B8%E3%82%A7%E3%82%AF%E3%82%BF%E3%83%BC",
        ))
        .await
        .expect("the FAQ list");
    wait_page(client, "the FAQ list", |h| h.contains(ID)).await;
    click(client, &format!("a[href=\"/operator/faqs/{ID}\"]")).await;
    wait_page(client, "the edit form", |h| h.contains("id=\"faq-body\"")).await;

    let body = client
        .find(Locator::Id("faq-body"))
        .await
        .expect("the body field");
    body.clear().await.expect("clear the body");
    body.send_keys(NEW_BODY).await.expect("type the body");
    click(client, "button[value=preview]").await;
    let html = wait_page(client, "the preview", |h| h.contains("preview-title")).await;
    assert!(
        html.contains("<strong>Windowsキー＋P</strong>"),
        "rendered Markdown"
    );
    assert_eq!(
        helpdesk.store().faq_revisions(ID).await.unwrap().len(),
        1,
        "a preview saves nothing"
    );

    click(client, "#faq-save").await;
    wait_page(client, "the saved entry", |h| {
        h.contains("保存しました（版 2）")
    })
    .await;
    let shot = client.screenshot().await.expect("screenshot");
    std::fs::write(artifacts_dir().join("console-faq-edit.png"), shot).expect("write");
    let saved = helpdesk.store().get_faq(ID).await.unwrap().unwrap();
    assert_eq!(saved.body, NEW_BODY);
    assert!(saved.published, "still published");
    assert_eq!(
        helpdesk.knowledge().faq_history(ID).await.unwrap()[0].author,
        "kanri"
    );

    // The staff side: the widget answers with the new text at once.
    open_page(client, &server.url("/widget/demo")).await;
    click_launcher(client).await;
    let state = ask(client, QUESTION).await;
    let answer = &state.bot_messages()[0].text;
    assert!(
        answer.contains("切替器で入力を「PC」に合わせて"),
        "{answer}"
    );
    let answered = helpdesk
        .conversations()
        .ask(QUESTION, "test")
        .await
        .unwrap();
    assert_eq!(answered.entry.map(|e| e.body).as_deref(), Some(NEW_BODY));
    browser.quit().await;
}

//! The learning loop in headless Chromium: a LoGo question the bot cannot answer escalates
//! and is resolved with an FAQ link; an admin signs in, accepts the proposed question with
//! one click, looks at the dashboard, and the same question then gets an automatic answer.
//! Screenshots: `console-proposals.png`, `console-dashboard.png` in the artifacts folder.

use fantoccini::Locator;
use madoguchi::accounts::Role;
use madoguchi::conversation::Handled;
use madoguchi::tickets::OperatorAction;

use crate::console::{add_account, logo, sign_in, wait_page};
use crate::driver::artifacts_dir;
use crate::widget::setup;

/// The library's own example: nothing in the knowledge base says it this way.
const QUESTION: &str = "朝来たらパソコンがウンともスンとも言わない";
/// The entry an operator answers it with: パソコンの電源が入りません.
const ENTRY: &str = "pc-wont-start";

/// The ticket number the bot's reply quotes (「受付番号は #12 です」).
fn ticket_in(handled: &Handled) -> i64 {
    let text: String = handled.replies.iter().map(|m| m.text.as_str()).collect();
    let after = text.split('#').nth(1).expect("a ticket number");
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().expect("a ticket number")
}

#[tokio::test]
async fn an_admin_accepts_a_proposed_question_and_the_bot_answers_it() {
    let Some((server, browser)) = setup(1280, 900).await else {
        return;
    };
    let client = &browser.client;
    let helpdesk = &server.helpdesk;
    add_account(helpdesk, "admin", "管理 三郎", Role::Admin).await;

    // Today the bot has no answer; the operator resolves the ticket with the entry.
    let first = logo(helpdesk, "room-1", QUESTION).await;
    assert_eq!(first.replies[0].faq_id, None);
    let ticket = ticket_in(&logo(helpdesk, "room-1", "担当者と話したい").await);
    let resolve = OperatorAction::Resolve {
        faq_id: Some(ENTRY.into()),
    };
    helpdesk
        .tickets()
        .act(ticket, "yamada", resolve)
        .await
        .expect("resolved");
    let id = helpdesk.learning().pending_proposals().await.unwrap()[0].id;

    // The admin opens 提案 from the menu and accepts with one click.
    sign_in(client, &server.base, "admin").await;
    client
        .find(Locator::LinkText("提案"))
        .await
        .expect("the menu link")
        .click()
        .await
        .expect("click");
    wait_page(client, "the proposals", |h| {
        h.contains("提案された質問") && h.contains(QUESTION)
    })
    .await;
    let shot = client.screenshot().await.expect("screenshot");
    std::fs::write(artifacts_dir().join("console-proposals.png"), shot).expect("write");
    client
        .find(Locator::Id(&format!("accept-{id}")))
        .await
        .expect("the accept button")
        .click()
        .await
        .expect("click");
    let html = wait_page(client, "the proposal accepted", |h| {
        h.contains("承認しました")
    })
    .await;
    assert!(html.contains("承認待ちの提案はありません"));
    let url = client.current_url().await.expect("url");
    assert_eq!(url.path(), "/operator/proposals");

    // The same question, asked again, is answered by the bot with that entry.
    let again = logo(helpdesk, "room-2", QUESTION).await;
    assert_eq!(again.replies[0].faq_id.as_deref(), Some(ENTRY));
    let entry = helpdesk.store().get_faq(ENTRY).await.unwrap().unwrap();
    assert!(entry.alternatives.contains(&QUESTION.to_owned()));

    // The dashboard counts it: two questions today, one answered by the bot.
    client
        .find(Locator::LinkText("ダッシュボード"))
        .await
        .expect("the menu link")
        .click()
        .await
        .expect("click");
    wait_page(client, "the dashboard", |h| {
        h.contains("answer-rate-chart") && h.contains("<td>2件</td><td>1件</td><td>50%</td>")
    })
    .await;
    let shot = client.screenshot().await.expect("screenshot");
    std::fs::write(artifacts_dir().join("console-dashboard.png"), shot).expect("write");
    browser.quit().await;
}

//! The operator console in headless Chromium: an operator signs in, finds the escalated
//! question in the queue (which updates by itself), opens it with the keyboard, takes it,
//! replies and resolves it with an FAQ link. Screenshots: `console-queue.png`,
//! `console-ticket.png` in the artifacts folder.

use std::time::{Duration, Instant};

use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use madoguchi::accounts::{HashedPassword, NewUser, Role};
use madoguchi::conversation::{new_token, Channel, Handled, Identity, Incoming};
use madoguchi::helpdesk::Helpdesk;

use crate::driver::artifacts_dir;
use crate::page::{press, type_text};
use crate::widget::setup;

const PASSWORD: &str = "correct horse battery";

/// A LoGo message from 沼津 太郎 in `room`.
pub async fn logo(helpdesk: &Helpdesk, room: &str, text: &str) -> Handled {
    helpdesk
        .conversations()
        .receive(Incoming {
            channel: Channel::LogoChat,
            room: room.into(),
            user_ref: "logo-taro".into(),
            user_name: Some("沼津 太郎".into()),
            identity: Identity::LogoChatId("logo-taro".into()),
            message_id: Some(new_token()),
            text: text.into(),
        })
        .await
        .expect("a turn")
}

async fn escalate(helpdesk: &Helpdesk, room: &str, question: &str) {
    for text in [question, "担当者と話したい"] {
        logo(helpdesk, room, text).await;
    }
}

/// Waits until `check` holds for the page's HTML (polling), or fails with the page.
pub async fn wait_page(client: &Client, what: &str, check: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    loop {
        let html = client.source().await.expect("the page source");
        let loaded = client
            .execute("return document.readyState === 'complete';", Vec::new())
            .await
            .expect("the page state");
        if loaded.as_bool() == Some(true) && check(&html) {
            return html;
        }
        if started.elapsed() > Duration::from_secs(15) {
            panic!("waited 15 s for {what}; the page is:\n{html}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls `script` (returning a boolean) until it is true, for at most 15 s.
pub async fn wait_script(client: &Client, what: &str, script: &str) {
    let started = Instant::now();
    loop {
        let value = client
            .execute(script, Vec::new())
            .await
            .expect("run a script");
        if value.as_bool() == Some(true) {
            return;
        }
        if started.elapsed() > Duration::from_secs(15) {
            panic!("waited 15 s for {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Presses `key` until the element `id` has the focus (the page's script may still be
/// loading on a busy machine), for at most 15 s.
async fn shortcut_focuses(client: &Client, key: &str, id: &str) {
    let check = format!("return document.activeElement && document.activeElement.id === '{id}';");
    let started = Instant::now();
    loop {
        type_text(client, key).await;
        let focused = client
            .execute(&check, Vec::new())
            .await
            .expect("run a script");
        if focused.as_bool() == Some(true) {
            return;
        }
        if started.elapsed() > Duration::from_secs(15) {
            panic!("the {key} key did not focus #{id} in 15 s");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub async fn sign_in(client: &Client, base: &str, login: &str) {
    client
        .goto(&format!("{base}/operator"))
        .await
        .expect("open the console");
    let url = client.current_url().await.expect("url");
    assert_eq!(
        url.path(),
        "/operator/sign-in",
        "not signed in: sent to sign-in"
    );
    let field = |id: &'static str| client.find(Locator::Id(id));
    field("login")
        .await
        .expect("login")
        .send_keys(login)
        .await
        .expect("type");
    field("password")
        .await
        .expect("password")
        .send_keys(PASSWORD)
        .await
        .expect("type");
    press(client, Key::Enter).await;
    wait_page(client, "the queue", |h| h.contains("チケットキュー")).await;
}

pub async fn add_account(helpdesk: &Helpdesk, login: &str, name: &str, role: Role) {
    helpdesk
        .store()
        .create_user(&NewUser {
            login: login.into(),
            display_name: name.into(),
            role,
            password: HashedPassword::new(PASSWORD).unwrap(),
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn an_operator_works_an_escalated_question_from_the_console() {
    let Some((server, browser)) = setup(1280, 900).await else {
        return;
    };
    let client = &browser.client;
    let helpdesk = &server.helpdesk;
    add_account(helpdesk, "yamada", "山田 花子", Role::Operator).await;
    escalate(helpdesk, "room-1", "会議室のプロジェクターに映りません").await;

    sign_in(client, &server.base, "yamada").await;
    // A second question escalates while the queue is open: it appears without a reload.
    escalate(helpdesk, "room-2", "庁内Wi-Fiにつながりません").await;
    let html = wait_page(client, "the live update", |h| {
        h.contains("庁内Wi-Fiにつながりません")
    })
    .await;
    assert!(html.contains("2件"), "the count follows");
    let shot = client.screenshot().await.expect("screenshot");
    std::fs::write(artifacts_dir().join("console-queue.png"), shot).expect("write");

    // Keyboard: j selects the newest, j again the older one, Enter opens it.
    type_text(client, "j").await;
    type_text(client, "j").await;
    press(client, Key::Enter).await;
    wait_page(client, "the ticket page", |h| {
        h.contains("ticket-title") && h.contains("会議室のプロジェクターに映りません")
    })
    .await;
    let ticket_url = client.current_url().await.expect("url");
    let id: i64 = ticket_url
        .path()
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("a ticket id in the URL");

    // t takes the ticket.
    type_text(client, "t").await;
    wait_page(client, "the ticket taken", |h| h.contains(">対応中<")).await;

    // r goes to the reply box; a template fills it; the reply is sent.
    shortcut_focuses(client, "r", "reply-text").await;
    // On a busy machine an earlier press of r may have landed in the box once it had
    // the focus: start from an empty box.
    client
        .execute(
            "document.getElementById('reply-text').value = '';",
            Vec::new(),
        )
        .await
        .expect("clear the reply box");
    type_text(client, "映像ケーブルを挿し直してください。").await;
    wait_script(
        client,
        "the reply typed",
        "return document.getElementById('reply-text').value === '映像ケーブルを挿し直してください。';",
    )
    .await;
    client
        .find(Locator::Css("#reply-form button[type=submit]"))
        .await
        .expect("send button")
        .click()
        .await
        .expect("send");
    wait_page(client, "the reply in the transcript", |h| {
        h.contains("担当者 山田 花子") && h.contains("映像ケーブルを挿し直してください。")
    })
    .await;

    // Resolve with the FAQ entry that answers it.
    client
        .find(Locator::Id("faq-id"))
        .await
        .expect("faq field")
        .send_keys("pc-external-display")
        .await
        .expect("type");
    client
        .find(Locator::Id("resolve"))
        .await
        .expect("resolve")
        .click()
        .await
        .expect("click");
    let html = wait_page(client, "the ticket resolved", |h| h.contains(">解決済<")).await;
    assert!(html.contains("pc-external-display"));
    let shot = client.screenshot().await.expect("screenshot");
    std::fs::write(artifacts_dir().join("console-ticket.png"), shot).expect("write");

    let ticket = helpdesk.store().ticket(id).await.unwrap().unwrap();
    assert_eq!(ticket.status, madoguchi::domain::TicketStatus::Resolved);
    assert_eq!(ticket.faq_id.as_deref(), Some("pc-external-display"));
    assert_eq!(ticket.assignee.as_deref(), Some("yamada"));
    browser.quit().await;
}

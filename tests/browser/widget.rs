//! The portal widget on the demo page (`/widget/demo`, served with a strict CSP), driven
//! by keyboard and pointer in headless Chromium against the real helpdesk: the shared
//! steps, and the keyboard-only walk through a conversation.

use std::time::Instant;

use fantoccini::key::Key;
use fantoccini::{Client, Locator};

use crate::app::TestServer;
use crate::driver::{self, artifacts_dir, Browser};
use crate::page::{self, open_page, press, run, tab_until, type_text, wait_for, WidgetState};

pub const QUESTION: &str = "ＶＰＮつながらない";

/// The server and a browser of the given viewport, started side by side, or `None` when
/// browser tests skip.
pub async fn setup(width: u32, height: u32) -> Option<(TestServer, Browser)> {
    if !driver::available() {
        return None;
    }
    let (browser, server) = tokio::join!(Browser::start(width, height), TestServer::start());
    Some((server, browser))
}

#[track_caller]
pub fn assert_no_csp_violations(state: &WidgetState) {
    assert!(
        state.csp_violations.is_empty(),
        "Content-Security-Policy violations on the demo page: {:#?}",
        state.csp_violations
    );
}

/// Opens the panel with a pointer click on the launcher.
pub async fn click_launcher(client: &Client) {
    let host = client
        .find(Locator::Css("madoguchi-widget"))
        .await
        .expect("the widget's host element");
    let root = host.shadow_root().await.expect("an open shadow root");
    let launcher = root
        .find(Locator::Css("button.launcher"))
        .await
        .expect("the launcher");
    launcher.click().await.expect("click the launcher");
    wait_for(client, "the panel to open", |s| {
        s.open && s.active.is("input")
    })
    .await;
}

/// Types `text` into the focused input, presses Enter and waits for the next bot message.
pub async fn ask(client: &Client, text: &str) -> WidgetState {
    let before = page::state(client).await.bot_messages().len();
    type_text(client, text).await;
    wait_for(client, "the typed question", |s| s.input == text).await;
    press(client, Key::Enter).await;
    wait_for(client, "the bot's answer", |s| {
        s.bot_messages().len() > before && s.input.is_empty()
    })
    .await
}

#[tokio::test]
async fn keyboard_alone_opens_the_widget_asks_follows_a_choice_and_closes() {
    let Some((server, browser)) = setup(1000, 700).await else {
        return;
    };
    let started = Instant::now();
    let client = &browser.client;
    open_page(client, &server.url("/widget/demo")).await;

    // Tab from the top of the page through the portal's links to the launcher.
    tab_until(client, false, 60, "the launcher", |f| f.is("launcher")).await;
    let focused = page::state(client).await.active;
    assert_eq!(focused.tag, "button");
    assert!(focused.text.contains("ヘルプデスクに質問"), "{focused:?}");
    let outline = run(
        client,
        "const s = getComputedStyle(deepActive()); return [s.outlineStyle, parseFloat(s.outlineWidth)];",
    )
    .await;
    assert_ne!(outline[0], "none", "a visible focus outline: {outline}");
    assert!(outline[1].as_f64().unwrap_or(0.0) >= 2.0, "{outline}");

    // Enter opens the panel and puts focus in the input.
    press(client, Key::Enter).await;
    wait_for(client, "the panel to open with focus in the input", |s| {
        s.open && s.active.is("input")
    })
    .await;

    let state = ask(client, QUESTION).await;
    let answer = state.bot_messages()[0].clone();
    assert!(
        answer.text.contains("VPN") || answer.text.contains("リモートアクセス"),
        "the answer is about VPN: {answer:#?}"
    );
    assert!(answer.text.contains("解決しましたか？"), "{answer:#?}");
    assert_eq!(answer.author, "自動応答", "marked as the bot's answer");
    let labels: Vec<&str> = answer.choices.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, ["はい", "いいえ"]);
    let staff: Vec<&str> = state
        .messages
        .iter()
        .filter(|m| m.is("staff"))
        .map(|m| m.text.as_str())
        .collect();
    assert_eq!(staff, [QUESTION], "the question is shown as sent");
    assert!(state.active.is("input"), "focus stays in the input");

    // Screen readers: a labelled dialog, and the answer arrived in a polite live log.
    let aria = run(
        client,
        r#"const panel = $('.panel');
        const log = $('[role="log"]');
        return {
          role: panel.getAttribute('role'),
          title: root.getElementById(panel.getAttribute('aria-labelledby')).textContent,
          live: log.getAttribute('aria-live'),
          in_log: $$('.message').every((m) => log.contains(m)),
          input_label: root.querySelector('label[for="' + $('textarea').id + '"]').textContent,
          close: $('button.close').textContent,
          send: $('button.send').textContent,
          notice: $('.notice').textContent,
        };"#,
    )
    .await;
    assert_eq!(aria["role"], "dialog");
    assert_eq!(aria["title"], "ITヘルプデスク（窓口）");
    assert_eq!(aria["live"], "polite");
    assert_eq!(aria["in_log"], true);
    assert_eq!(aria["input_label"], "質問を入力");
    assert_eq!(aria["close"], "閉じる");
    assert_eq!(aria["send"], "送信");
    let notice = aria["notice"].as_str().unwrap_or_default();
    assert!(
        notice.contains("自動応答") && notice.contains("個人情報"),
        "{notice}"
    );

    let screenshot = browser.client.screenshot().await.expect("a screenshot");
    let path = artifacts_dir().join("widget-open.png");
    std::fs::write(&path, screenshot).expect("write the screenshot");

    // Back from the input to the 「いいえ」 choice, and Enter.
    tab_until(client, true, 6, "the いいえ choice", |f| {
        f.is("choice") && f.text == "いいえ"
    })
    .await;
    press(client, Key::Enter).await;
    let state = wait_for(client, "the bot's next message", |s| {
        s.bot_messages().len() >= 2
    })
    .await;
    let next = state.bot_messages()[1];
    assert!(
        next.choices.iter().any(|c| c.label.contains("担当者")),
        "other candidates and a way to a person: {next:#?}"
    );
    assert!(
        state.bot_messages()[0].choices.iter().all(|c| c.disabled),
        "answered choices no longer work: {state:#?}"
    );
    assert!(state.active.is("input"), "focus back in the input");

    // Escape closes and returns focus to the launcher.
    press(client, Key::Escape).await;
    let state = wait_for(client, "the panel to close", |s| {
        !s.open && s.active.is("launcher")
    })
    .await;
    assert_no_csp_violations(&state);

    // The violation collector itself works: an inline style attribute is reported.
    run(
        client,
        "const probe = document.createElement('div'); probe.setAttribute('style', 'color: red'); document.body.append(probe); return null;",
    )
    .await;
    wait_for(client, "the deliberate violation to be recorded", |s| {
        !s.csp_violations.is_empty()
    })
    .await;

    eprintln!(
        "keyboard test: {:?} (screenshot {})",
        started.elapsed(),
        path.display()
    );
    browser.quit().await;
}

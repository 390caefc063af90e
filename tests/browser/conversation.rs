//! The conversation outlives a reload, and survives the network going away.

use fantoccini::key::Key;

use crate::driver::set_offline;
use crate::page::{open_page, press, type_text, wait_for, WidgetState};
use crate::widget::{ask, assert_no_csp_violations, click_launcher, setup, QUESTION};

#[tokio::test]
async fn a_reload_keeps_the_conversation() {
    let Some((server, browser)) = setup(1000, 700).await else {
        return;
    };
    let client = &browser.client;
    open_page(client, &server.url("/widget/demo")).await;
    click_launcher(client).await;
    let before = ask(client, QUESTION).await;
    let token = before.conversation.clone().expect("a conversation token");

    client.refresh().await.expect("reload");
    // The transcript comes back (GET ?after=0) before the panel is even opened.
    let after = wait_for(client, "the transcript to be restored", |s| {
        s.ready && s.messages.len() >= before.messages.len()
    })
    .await;
    assert_eq!(after.conversation.as_deref(), Some(token.as_str()));
    let texts = |s: &WidgetState| -> Vec<(String, String)> {
        let pairs = s.messages.iter().map(|m| (m.class.clone(), m.text.clone()));
        pairs.collect()
    };
    assert_eq!(texts(&after), texts(&before));
    assert!(
        after.bot_messages()[0].choices.iter().all(|c| !c.disabled),
        "the last answer's choices still work after a reload: {after:#?}"
    );

    // The conversation continues: same token, and the old choices are done with.
    click_launcher(client).await;
    let state = ask(client, "こんにちは").await;
    assert_eq!(state.conversation.as_deref(), Some(token.as_str()));
    let greeting = state.bot_messages().last().copied().expect("a greeting");
    assert!(greeting.choices.is_empty(), "{greeting:#?}");
    assert!(state.bot_messages()[0].choices.iter().all(|c| c.disabled));
    assert_no_csp_violations(&state);
    browser.quit().await;
}

#[tokio::test]
async fn when_the_helpdesk_is_unreachable_the_question_stays_and_an_error_shows() {
    let Some((server, browser)) = setup(1000, 700).await else {
        return;
    };
    let client = &browser.client;
    open_page(client, &server.url("/widget/demo")).await;
    click_launcher(client).await;

    set_offline(client, true).await;
    type_text(client, QUESTION).await;
    press(client, Key::Enter).await;
    // One retry with the same message_id, then the error.
    let state = wait_for(client, "the error message", |s| {
        s.messages.iter().any(|m| m.is("error"))
    })
    .await;
    let error = state
        .messages
        .iter()
        .find(|m| m.is("error"))
        .expect("error");
    assert_eq!(error.text, "送信できませんでした。もう一度お試しください。");
    assert_eq!(state.input, QUESTION, "the typed question is kept");
    assert!(
        !state.messages.iter().any(|m| m.is("staff")),
        "no unsent question in the log: {state:#?}"
    );
    assert!(state.active.is("input"));

    // Back online, Enter sends the same text again.
    set_offline(client, false).await;
    press(client, Key::Enter).await;
    let state = wait_for(client, "the answer once online", |s| {
        !s.bot_messages().is_empty() && s.input.is_empty()
    })
    .await;
    assert!(state.conversation.is_some());
    assert_no_csp_violations(&state);
    browser.quit().await;
}

#[tokio::test]
async fn an_operators_reply_reaches_the_open_widget() {
    let Some((server, browser)) = setup(1000, 700).await else {
        return;
    };
    let client = &browser.client;
    open_page(client, &server.url("/widget/demo")).await;
    click_launcher(client).await;
    ask(client, "担当者と話したい").await;
    // Anonymous: the bot asks for a number first; 内線 will do.
    let escalated = ask(client, "内線1234").await;
    let said = &escalated.bot_messages().last().expect("a reply").text;
    assert!(said.contains("受付番号"), "{said}");
    let tickets = server
        .helpdesk
        .store()
        .tickets(None, 10)
        .await
        .expect("tickets");
    let reply = "VPNの設定を確認しました。もう一度お試しください。";
    server
        .helpdesk
        .tickets()
        .act(
            tickets[0].id,
            "山田",
            madoguchi::tickets::OperatorAction::Reply(reply.into()),
        )
        .await
        .expect("the operator replies");
    // The widget polls every 5 s while the page is visible.
    let state = wait_for(client, "the operator's reply", |s| {
        s.messages
            .iter()
            .any(|m| m.is("operator") && m.text.contains(reply))
    })
    .await;
    let message = state.messages.iter().find(|m| m.is("operator")).unwrap();
    assert!(message.author.contains("担当者"), "{message:?}");
    assert_no_csp_violations(&state);
    browser.quit().await;
}

//! The loans calendar in headless Chromium: an operator follows the nav link 貸出, opens
//! the calendar (a Mon–Sun table with a caption) and moves to the next month by its link.

use fantoccini::Locator;
use madoguchi::accounts::Role;

use crate::console::{add_account, sign_in, wait_page};
use crate::widget::setup;

#[tokio::test]
async fn an_operator_opens_the_loan_calendar_and_moves_a_month() {
    let Some((server, browser)) = setup(1280, 900).await else {
        return;
    };
    let client = &browser.client;
    add_account(&server.helpdesk, "yamada", "山田 花子", Role::Operator).await;
    sign_in(client, &server.base, "yamada").await;
    client
        .find(Locator::LinkText("貸出"))
        .await
        .expect("the nav link")
        .click()
        .await
        .expect("click");
    wait_page(client, "today's list", |h| h.contains("loans-today")).await;
    client
        .find(Locator::Id("loans-calendar-link"))
        .await
        .expect("the calendar link")
        .click()
        .await
        .expect("click");
    wait_page(client, "the calendar", |h| h.contains("calendar-caption")).await;
    let caption = |c: &fantoccini::Client| {
        let c = c.clone();
        async move {
            c.find(Locator::Id("calendar-caption"))
                .await
                .expect("caption")
                .text()
                .await
                .expect("text")
        }
    };
    let this_month = caption(client).await;
    let heads = client
        .find_all(Locator::Css("#loans-calendar thead th[scope=col]"))
        .await
        .expect("heads");
    assert_eq!(heads.len(), 7);
    client
        .find(Locator::Id("calendar-next"))
        .await
        .expect("next link")
        .click()
        .await
        .expect("click");
    let before = this_month.clone();
    wait_page(client, "the next month", move |h| {
        h.contains("calendar-caption") && !h.contains(&before)
    })
    .await;
    assert_ne!(caption(client).await, this_month);
}

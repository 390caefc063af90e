//! The loans pages in headless Chromium: an operator follows the nav link 貸出, opens the
//! calendar (a Mon–Sun table with a caption) and moves to the next month by its link; an
//! operator approves a reservation and checks it out from its page.

use fantoccini::Locator;
use madoguchi::accounts::Role;
use madoguchi::calendar::to_local;
use madoguchi::domain::{Channel, ItemKind};
use madoguchi::loans::{NewItem, ReservationRequest, When};
use madoguchi::storage::StaffMember;

use crate::console::{add_account, sign_in, wait_page};
use crate::driver::artifacts_dir;
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

/// An operator finds a reservation waiting for a decision, approves it on its page, then
/// checks it out with the asset numbers, condition and settings done; the page shows each
/// change. Screenshot: `console-loan.png` in the artifacts folder.
#[tokio::test]
async fn an_operator_approves_and_checks_out_a_loan() {
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
    let loans = helpdesk.loans();
    let item = NewItem {
        id: "projector".into(),
        name: "プロジェクター".into(),
        kind: ItemKind::Device,
        quantity: 1,
        max_days: None,
    };
    loans.create_item(&item, "setup").await.unwrap();
    // A whole business day a week ahead of the real clock the server runs on.
    let today = to_local(helpdesk.now()).date();
    let day = loans.calendar().business_days_after(today, 5);
    let request = ReservationRequest {
        item: "projector".into(),
        quantity: 1,
        from: When::Day(day),
        to: When::Day(day),
        requester: "10001".into(),
        purpose: "市民向け説明会".into(),
        channel: Channel::Api,
        conversation_id: None,
        actor: "10001".into(),
    };
    let id = loans.reserve(&request).await.unwrap().reservation.id;

    sign_in(client, &server.base, "yamada").await;
    let click = |locator: Locator<'static>| {
        let client = client.clone();
        async move {
            client
                .find(locator)
                .await
                .expect("find")
                .click()
                .await
                .expect("click");
        }
    };
    click(Locator::LinkText("貸出")).await;
    wait_page(client, "today's list", |h| h.contains("loans-pending-link")).await;
    click(Locator::Id("loans-pending-link")).await;
    wait_page(client, "the reservations waiting", |h| {
        h.contains("loans-pending-count")
    })
    .await;
    let number = format!("L-{id}");
    client
        .find(Locator::LinkText(&number))
        .await
        .expect("the reservation's link")
        .click()
        .await
        .expect("open it");
    wait_page(client, "the reservation", |h| h.contains("action-approve")).await;
    click(Locator::Id("action-approve")).await;
    let html = wait_page(client, "approved", |h| {
        h.contains("id=\"loan-status\">承認<")
    })
    .await;
    assert!(
        html.contains("action-checkout") && html.contains("市民向け説明会"),
        "{html}"
    );

    for (id, text) in [
        ("checkout-assets", "PJ-0007"),
        ("checkout-condition", "良好（ランプ使用時間 120h）"),
        ("checkout-settings", "説明会用PCとHDMIで接続確認"),
    ] {
        client
            .find(Locator::Id(id))
            .await
            .expect("the field")
            .send_keys(text)
            .await
            .expect("type");
    }
    click(Locator::Id("action-checkout")).await;
    let html = wait_page(client, "checked out", |h| {
        h.contains("id=\"loan-status\">貸出中<")
    })
    .await;
    assert!(
        html.contains("PJ-0007") && html.contains("説明会用PCとHDMIで接続確認"),
        "{html}"
    );
    let shot = client.screenshot().await.expect("screenshot");
    std::fs::write(artifacts_dir().join("console-loan.png"), shot).expect("write");
    let stored = loans.reservation(id).await.unwrap();
    assert_eq!(stored.assets(), ["PJ-0007"]);
    assert!(stored.checked_out_at.is_some());
}

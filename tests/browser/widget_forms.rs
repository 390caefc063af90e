//! The widget's forms in headless Chromium, keyboard only, signed in through the portal's
//! proxy (an identity header on every request): 「新しく来た職員のアカウントを作りたい」 →
//! the answer offers the request → 「はい」 → the form → a bad 職員番号 is named next to
//! its field, with focus on it → corrected → the 受付番号; and the loan form, prefilled
//! from the chat, showing the free units, refused once the units are taken meanwhile,
//! moved to the nearest free dates it offers, and submitting a reservation.

use std::sync::Arc;

use chrono::NaiveDateTime;
use fantoccini::key::Key;
use fantoccini::Client;
use madoguchi::clock::FixedClock;
use madoguchi::domain::{Channel, ItemKind};
use madoguchi::loans::{NewItem, ReservationRequest, When};
use madoguchi::storage::StaffMember;
use serde::Deserialize;

use crate::app::TestServer;
use crate::driver::{self, set_header, Browser};
use crate::page::{self, open_page, press, run, tab_until, type_text, wait_for};
use crate::widget::{ask, assert_no_csp_violations};

/// The form as a person (and a screen reader) meets it.
const FORM: &str = r#"
const form = $('form.mw-form');
const active = deepActive();
const field = active && active.closest ? active.closest('[data-field]') : null;
return {
  open: !!form && !$('.form-area').hidden,
  title: form ? form.querySelector('.form-title').textContent : '',
  status: form ? form.querySelector('.form-status').textContent : '',
  availability: ($('.availability-text') || {}).textContent || '',
  active_field: field ? field.dataset.field : '',
  fields: form ? Array.from(form.querySelectorAll('[data-field]')).map((f) => {
    const error = f.querySelector('.field-error');
    const inputs = Array.from(f.querySelectorAll('input, select'));
    const label = f.querySelector('label.field-label, legend');
    return {
      id: f.dataset.field,
      label: label ? label.textContent : '',
      error: error.hidden ? '' : error.textContent,
      invalid: inputs.some((i) => i.getAttribute('aria-invalid') === 'true'),
      described_by_error: inputs.every((i) =>
        (i.getAttribute('aria-describedby') || '').split(' ').includes(error.id)),
      values: inputs.map((i) => (i.type === 'checkbox' ? String(i.checked) : i.value)),
    };
  }) : [],
};
"#;

#[derive(Debug, Clone, Deserialize)]
struct FormState {
    open: bool,
    title: String,
    status: String,
    availability: String,
    active_field: String,
    fields: Vec<Field>,
}

#[derive(Debug, Clone, Deserialize)]
struct Field {
    id: String,
    label: String,
    error: String,
    invalid: bool,
    described_by_error: bool,
    values: Vec<String>,
}

impl FormState {
    fn field(&self, id: &str) -> &Field {
        self.fields
            .iter()
            .find(|f| f.id == id)
            .unwrap_or_else(|| panic!("no field {id}: {self:#?}"))
    }
}

async fn form(client: &Client) -> FormState {
    serde_json::from_value(run(client, FORM).await).expect("the form's state")
}

async fn wait_form(client: &Client, what: &str, ready: impl Fn(&FormState) -> bool) -> FormState {
    let started = std::time::Instant::now();
    loop {
        let current = form(client).await;
        if ready(&current) {
            return current;
        }
        if started.elapsed() > page::DEADLINE {
            panic!("waited for {what}; the form is now: {current:#?}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(40)).await;
    }
}

/// A helpdesk at Thursday 2026-11-26 10:00 JST that trusts `X-Remote-User`, with two
/// staff members, and a browser whose every request carries 沼津 太郎's 職員番号.
async fn signed_in() -> Option<(TestServer, Browser)> {
    if !driver::available() {
        return None;
    }
    let at = NaiveDateTime::parse_from_str("2026-11-26 10:00", "%Y-%m-%d %H:%M").unwrap();
    let clock = Arc::new(FixedClock::new(madoguchi::calendar::to_utc(at)));
    let server = TestServer::start_with(
        |s| s.widget.identity_header = Some("X-Remote-User".into()),
        Some(clock),
    );
    let (browser, server) = tokio::join!(Browser::start(1000, 800), server);
    let member = |no: &str, name: &str| StaffMember {
        employee_no: no.into(),
        name: name.into(),
        department: "ICT推進課".into(),
        email: None,
        extension: None,
        logochat_id: None,
    };
    server
        .helpdesk
        .store()
        .replace_staff(&[member("10001", "沼津 太郎"), member("10002", "沼津 花子")])
        .await
        .expect("the staff directory");
    set_header(&browser.client, "X-Remote-User", "10001").await;
    Some((server, browser))
}

/// Opens the panel from the page by keyboard alone.
async fn open_by_keyboard(client: &Client, server: &TestServer) {
    open_page(client, &server.url("/widget/demo")).await;
    tab_until(client, false, 60, "the launcher", |f| f.is("launcher")).await;
    press(client, Key::Enter).await;
    wait_for(client, "the panel to open", |s| {
        s.open && s.active.is("input")
    })
    .await;
}

#[tokio::test]
async fn a_new_account_is_requested_in_the_widget_form_by_keyboard_alone() {
    let Some((server, browser)) = signed_in().await else {
        return;
    };
    let client = &browser.client;
    open_by_keyboard(client, &server).await;
    let state = ask(client, "新しく来た職員のアカウントを作りたい").await;
    let offer = state.bot_messages().last().copied().expect("the answer");
    assert!(offer.text.contains("この申請をしますか？"), "{offer:#?}");

    tab_until(client, true, 6, "the はい choice", |f| {
        f.is("choice") && f.text == "はい"
    })
    .await;
    press(client, Key::Enter).await;
    let opened = wait_form(client, "the request form", |f| {
        f.open && f.active_field == "staff"
    })
    .await;
    assert_eq!(opened.title, "ネットワークアカウントの追加");
    // The chat above the form points to it; it does not also ask the first field.
    let log = page::state(client).await;
    let said = log
        .bot_messages()
        .last()
        .copied()
        .expect("the reply to はい");
    assert!(
        said.text.contains("申請フォームを下に開きました"),
        "{said:#?}"
    );
    assert!(
        log.bot_messages()
            .iter()
            .all(|m| !m.text.contains("職員番号を入力してください")),
        "{log:#?}"
    );
    let ids: Vec<&str> = opened.fields.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["staff", "network", "login", "start_date", "note"]);
    assert!(opened
        .field("staff")
        .label
        .contains("対象の職員（職員番号）"));
    assert!(opened.field("note").label.contains("任意"));

    // A 職員番号 not in the directory, the rest right; Enter hands it in.
    type_text(client, "99999").await;
    press(client, Key::Tab).await; // マイナンバー利用事務系
    press(client, Key::Tab).await; // LGWAN接続系
    type_text(client, " ").await;
    tab_until(client, false, 3, "the login", |f| {
        f.class.contains("field-input")
    })
    .await;
    type_text(client, "numazu.hanako").await;
    press(client, Key::Tab).await;
    type_date(client, "2026", "12", "01").await;
    press(client, Key::Enter).await;
    let refused = wait_form(client, "the error next to the 職員番号", |f| {
        !f.field("staff").error.is_empty()
    })
    .await;
    let staff = refused.field("staff");
    assert!(
        staff
            .error
            .contains("職員番号 99999 は職員名簿にありません"),
        "{staff:#?}"
    );
    assert!(staff.invalid && staff.described_by_error, "{staff:#?}");
    assert_eq!(
        refused.active_field, "staff",
        "focus moves to the first error"
    );
    for other in ["network", "login", "start_date"] {
        assert!(refused.field(other).error.is_empty(), "{refused:#?}");
    }
    assert_eq!(refused.field("start_date").values, ["2026-12-01"]);
    assert!(!refused.status.is_empty(), "the summary above the fields");

    // The error's text is selected: typing replaces it.
    type_text(client, "10002").await;
    press(client, Key::Enter).await;
    let state = wait_for(client, "the 受付番号", |s| {
        s.messages.iter().any(|m| m.text.starts_with("受付番号"))
    })
    .await;
    let receipt = state
        .messages
        .iter()
        .find(|m| m.text.starts_with("受付番号"))
        .unwrap();
    assert_eq!(receipt.text, "受付番号：R-1");
    assert!(
        state
            .bot_messages()
            .iter()
            .any(|m| m.text.contains("申請 R-1") && m.text.contains("受け付けました")),
        "{state:#?}"
    );
    assert!(state.active.is("input"), "back in the input: {state:#?}");
    assert!(!form(client).await.open);
    let row = server
        .helpdesk
        .requests()
        .request(1)
        .await
        .expect("request R-1");
    assert_eq!(
        (row.requester_no.as_str(), row.type_id.as_str()),
        ("10001", "ad-account-add")
    );
    assert_no_csp_violations(&state);
    browser.quit().await;
}

/// Types a date into a focused `<input type="date">`, segment by segment in the order the
/// browser's locale shows them (month and day move on by themselves once complete; the
/// year, which takes up to six digits, with Tab).
async fn type_date(client: &Client, year: &str, month: &str, day: &str) {
    let order = run(
        client,
        "return new Intl.DateTimeFormat(navigator.language, {year: 'numeric', month: '2-digit', day: '2-digit'})
           .formatToParts(new Date(2026, 11, 1)).map((p) => p.type).filter((t) => t !== 'literal');",
    )
    .await;
    let order: Vec<String> = serde_json::from_value(order).expect("the date's parts");
    let last = order.len() - 1;
    for (i, part) in order.iter().enumerate() {
        match part.as_str() {
            "year" => {
                type_text(client, year).await;
                if i < last {
                    press(client, Key::Tab).await;
                }
            }
            "month" => type_text(client, month).await,
            _ => type_text(client, day).await,
        }
    }
}

#[tokio::test]
async fn the_loan_form_shows_the_free_units_offers_the_nearest_free_dates_and_reserves() {
    let Some((server, browser)) = signed_in().await else {
        return;
    };
    let item = NewItem {
        id: "training-pc".into(),
        name: "研修用端末".into(),
        kind: ItemKind::Pool,
        quantity: 30,
        max_days: None,
    };
    server
        .helpdesk
        .loans()
        .create_item(&item, "test")
        .await
        .expect("an item");
    let client = &browser.client;
    open_by_keyboard(client, &server).await;
    type_text(client, "研修用のパソコンを12月10日から2日間3台借りたい").await;
    press(client, Key::Enter).await;
    let opened = wait_form(client, "the loan form with the free units", |f| {
        // Not 「空きを確かめています…」, shown while the check is on its way.
        f.open && f.availability.starts_with("空き：")
    })
    .await;
    assert_eq!(opened.title, "貸出の予約");
    assert_eq!(opened.active_field, "item");
    assert_eq!(opened.field("item").values, ["training-pc"]);
    assert_eq!(opened.field("quantity").values, ["3"]);
    assert_eq!(opened.field("from").values[0], "2026-12-10");
    assert_eq!(opened.field("to").values[0], "2026-12-11");
    assert_eq!(opened.field("purpose").values, ["研修"]);
    assert_eq!(opened.availability, "空き：30台");

    // Meanwhile someone else takes 28 of the 30 for those days.
    let taken = ReservationRequest {
        item: "training-pc".into(),
        quantity: 28,
        from: When::Day("2026-12-10".parse().unwrap()),
        to: When::Day("2026-12-11".parse().unwrap()),
        requester: "10002".into(),
        purpose: "研修".into(),
        channel: Channel::Api,
        conversation_id: None,
        actor: "10002".into(),
    };
    server.helpdesk.loans().reserve(&taken).await.expect("L-1");

    // Tab to 予約を申請する and press Enter: refused, with the nearest free dates.
    tab_until(client, false, 30, "the submit button", |f| {
        f.class.contains("form-submit")
    })
    .await;
    press(client, Key::Enter).await;
    let refused = wait_form(client, "the nearest free dates", |f| {
        f.availability.contains("からなら空いています")
    })
    .await;
    assert!(refused.status.contains("空きが 2台"), "{refused:#?}");
    assert!(refused.availability.contains("12月14日"), "{refused:#?}");
    // Back to この日程にする, Enter: the dates move and the period is free.
    tab_until(client, true, 3, "この日程にする", |f| {
        f.class.contains("use-alternative")
    })
    .await;
    press(client, Key::Enter).await;
    let moved = wait_form(client, "the moved dates", |f| {
        f.availability == "空き：30台"
    })
    .await;
    assert_eq!(moved.field("from").values[0], "2026-12-14");
    assert_eq!(moved.field("to").values[0], "2026-12-15");
    assert_eq!(moved.active_field, "from");
    press(client, Key::Enter).await;
    let state = wait_for(client, "the reservation", |s| {
        s.messages.iter().any(|m| m.text.starts_with("受付番号"))
    })
    .await;
    let receipt = state
        .messages
        .iter()
        .find(|m| m.text.starts_with("受付番号"))
        .unwrap();
    assert_eq!(receipt.text, "受付番号：L-2");
    let made = server.helpdesk.loans().reservation(2).await.expect("L-2");
    assert_eq!((made.requester_no.as_str(), made.quantity), ("10001", 3));
    let pickup = madoguchi::calendar::to_local(made.starts_at).date();
    assert_eq!(pickup.to_string(), "2026-12-14");
    assert_no_csp_violations(&state);
    browser.quit().await;
}

#[tokio::test]
async fn yameru_closes_the_form_and_the_chat_goes_on() {
    let Some((server, browser)) = signed_in().await else {
        return;
    };
    let client = &browser.client;
    open_by_keyboard(client, &server).await;
    ask(client, "新しく来た職員のアカウントを作りたい").await;
    tab_until(client, true, 6, "the はい choice", |f| {
        f.is("choice") && f.text == "はい"
    })
    .await;
    press(client, Key::Enter).await;
    wait_form(client, "the request form", |f| f.open).await;
    tab_until(client, false, 20, "やめる", |f| {
        f.class.contains("form-cancel")
    })
    .await;
    press(client, Key::Enter).await;
    let state = wait_for(client, "the chat again", |s| {
        s.bot_messages()
            .last()
            .is_some_and(|m| m.text.contains("申請をやめました"))
    })
    .await;
    assert!(state.active.is("input"), "{state:#?}");
    assert!(!form(client).await.open);
    let none = server.helpdesk.requests().request(1).await;
    assert!(none.is_err(), "nothing was requested");
    assert_no_csp_violations(&state);
    browser.quit().await;
}

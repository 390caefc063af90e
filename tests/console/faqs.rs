//! The FAQ list and the edit form: search with statistics, and a saved change (an edit,
//! a new entry) answered by the bot at once. Roles, bad input and escaping: faq_rules.rs.

use axum::http::StatusCode;
use madoguchi::learning::Period;

use crate::faq_support::{draft, edited, post, row, team, with};
use crate::helpers::{desk, said};

const PROJECTOR: &str = "pc-external-display";
const QUESTION: &str = "プロジェクターに画面が映りません";

#[tokio::test]
async fn the_list_finds_entries_by_text_category_and_state_with_this_months_statistics() {
    let d = desk().await;
    let t = team(&d).await;
    d.logo("room-1", QUESTION).await;
    d.logo("room-1", "はい").await;
    let draft_page = post(
        &d,
        &t.operator,
        "/operator/faqs/new",
        &draft("scan-mail", "本文"),
    )
    .await;
    assert_eq!(
        draft_page.status,
        StatusCode::SEE_OTHER,
        "{}",
        draft_page.body
    );

    let page = t.viewer.get(&d, "/operator/faqs").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("value=\"2026-11\""),
        "this month by default"
    );
    let month = Period::local_month(chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
    let figures = d
        .helpdesk
        .knowledge()
        .entry_statistics(month)
        .await
        .unwrap();
    let projector = figures.iter().find(|s| s.faq_id == PROJECTOR).unwrap();
    assert!(projector.counts.answered >= 1, "{projector:?}");
    let counts = &projector.counts;
    let cells = format!(
        "<td class=\"num\">{}</td>\n      <td class=\"num\">{}</td>\n      <td class=\"num\">{}</td>\n      <td class=\"num\">{}</td>\n      <td class=\"num\">{}</td>",
        counts.shown, counts.answered, counts.resolved, counts.unresolved, counts.escalated
    );
    assert!(
        row(&page, PROJECTOR).contains(&cells),
        "{}",
        row(&page, PROJECTOR)
    );
    assert!(row(&page, PROJECTOR).contains("/operator/faqs/pc-external-display/history"));

    let found = t
        .viewer
        .get(&d, "/operator/faqs?q=%EF%BC%A8%EF%BC%A4%EF%BC%AD%EF%BC%A9")
        .await; // ＨＤＭＩ
    assert!(found.body.contains(PROJECTOR) && !found.body.contains("account-locked-out"));
    let by_alternative = t
        .viewer
        .get(
            &d,
            "/operator/faqs?q=2%E7%94%BB%E9%9D%A2%E3%81%AB%E3%81%97%E3%81%9F%E3%81%84",
        )
        .await; // 2画面にしたい
    assert!(by_alternative.body.contains(PROJECTOR));
    let category = t
        .viewer
        .get(
            &d,
            "/operator/faqs?category=%E3%83%91%E3%82%BD%E3%82%B3%E3%83%B3%E3%83%BBWindows",
        )
        .await;
    assert!(category.body.contains(PROJECTOR) && !category.body.contains("account-locked-out"));
    let drafts = t.viewer.get(&d, "/operator/faqs?published=no").await;
    assert!(drafts.body.contains("scan-mail") && !drafts.body.contains(PROJECTOR));
    assert!(drafts.body.contains("1件 / 全"), "one draft found");

    let october = t.viewer.get(&d, "/operator/faqs?month=2026-10").await;
    assert!(row(&october, PROJECTOR)
        .contains("<td class=\"num\">0</td>\n      <td class=\"num\">0</td>"));
    let bad = t.viewer.get(&d, "/operator/faqs?month=november").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("年と月で指定"));
}

#[tokio::test]
async fn an_admin_edits_an_entry_and_the_bot_answers_with_the_change_at_once() {
    let d = desk().await;
    let t = team(&d).await;
    let new_text = "会議室の壁にある切替器の電源を入れてから、入力を「PC」にしてください。";
    let fields = edited(&d, PROJECTOR, new_text).await;
    let saved = post(
        &d,
        &t.admin,
        &format!("/operator/faqs/{PROJECTOR}"),
        &fields,
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        saved.location.as_deref(),
        Some("/operator/faqs/pc-external-display?saved=2")
    );
    // The very next question, with nothing waited for: the save rebuilt the index.
    let answered = d
        .helpdesk
        .conversations()
        .ask(QUESTION, "test")
        .await
        .unwrap();
    let entry = answered.entry.expect("answered automatically");
    assert_eq!(entry.id, PROJECTOR);
    assert_eq!(entry.body, new_text);
    assert!(
        said(&d.logo("room-1", QUESTION).await).contains("切替器の電源"),
        "a chat turn too"
    );

    let page = t
        .admin
        .get(&d, "/operator/faqs/pc-external-display?saved=2")
        .await;
    assert!(page.body.contains("保存しました（版 2）"));
    assert!(page.body.contains("版 2（kanri、"));
    let revisions = d.helpdesk.knowledge().faq_history(PROJECTOR).await.unwrap();
    assert_eq!(
        (revisions[0].revision, revisions[0].author.as_str()),
        (2, "kanri")
    );
    let log = d.helpdesk.store().audit_log(10).await.unwrap();
    assert!(log
        .iter()
        .any(|r| r.actor == "kanri" && r.action == "faq.save" && r.object_id == PROJECTOR));
}

#[tokio::test]
async fn an_admin_creates_a_published_entry_that_is_answered_at_once() {
    let d = desk().await;
    let t = team(&d).await;
    let fields = with(
        draft(
            "scan-mail",
            "複合機の「スキャンtoメール」の宛先を確認してください。",
        ),
        "published",
        "1",
    );
    let saved = post(&d, &t.admin, "/operator/faqs/new", &fields).await;
    assert_eq!(
        saved.location.as_deref(),
        Some("/operator/faqs/scan-mail?saved=1"),
        "{}",
        saved.body
    );
    let answered = d
        .helpdesk
        .conversations()
        .ask("スキャンした書類がメールで届きません", "test")
        .await
        .unwrap();
    assert_eq!(answered.entry.map(|e| e.id).as_deref(), Some("scan-mail"));
    let new_page = t.admin.get(&d, "/operator/faqs/new").await;
    assert!(
        new_page
            .body
            .contains("<option value=\"プリンター・複合機\">"),
        "categories offered"
    );
}

//! An entry's history: revisions with authors, diffs marked in signs and words, comparing
//! two revisions, and restoring one (admins, after confirming).

use axum::http::StatusCode;

use crate::faq_support::{edited, post, team};
use crate::helpers::desk;

const ID: &str = "pc-external-display";
const QUESTION: &str = "プロジェクターに画面が映りません";
const NEW_LINE: &str = "切替器の電源を入れてください。";

/// Saves one body edit as the admin: the entry then has revisions 1 (seed) and 2.
async fn edit_once(d: &crate::helpers::Desk, t: &crate::faq_support::Team) -> String {
    let old = d.helpdesk.store().get_faq(ID).await.unwrap().unwrap().body;
    let body = format!("{NEW_LINE}\n{old}");
    let saved = post(
        d,
        &t.admin,
        &format!("/operator/faqs/{ID}"),
        &edited(d, ID, &body).await,
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    old
}

#[tokio::test]
async fn the_history_lists_revisions_with_authors_and_marks_changes_in_signs_and_words() {
    let d = desk().await;
    let t = team(&d).await;
    edit_once(&d, &t).await;
    let page = t
        .viewer
        .get(&d, &format!("/operator/faqs/{ID}/history"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let two = page.body.find("id=\"revision-2\"").expect("revision 2");
    let one = page.body.find("id=\"revision-1\"").expect("revision 1");
    assert!(two < one, "newest first");
    assert!(page.body[two..one].contains("kanri") && page.body[one..].contains("seed"));
    assert!(page.body[two..one].contains("<h4>本文</h4>"));
    let inserted = format!(
        "<li class=\"diff-ins\"><span class=\"diff-sign\" aria-hidden=\"true\">＋</span><span class=\"visually-hidden\">追加：</span>{NEW_LINE}</li>"
    );
    assert!(
        page.body[two..one].contains(&inserted),
        "{}",
        &page.body[two..one]
    );
    assert!(page.body[one..].contains("最初の版です"));
    assert!(!page.body.contains("/restore"), "viewers cannot restore");
}

#[tokio::test]
async fn two_chosen_revisions_are_compared_field_by_field() {
    let d = desk().await;
    let t = team(&d).await;
    edit_once(&d, &t).await;
    let mut fields = edited(&d, ID, NEW_LINE).await;
    fields.retain(|(n, _)| *n != "published");
    assert_eq!(
        post(&d, &t.admin, &format!("/operator/faqs/{ID}"), &fields)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let page = t
        .admin
        .get(&d, &format!("/operator/faqs/{ID}/history?from=1&to=3"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let compared = &page.body[page
        .body
        .find("版 1 → 版 3 の違い")
        .expect("the comparison")..];
    let compared = &compared[..compared.find("版の一覧").unwrap()];
    assert!(compared.contains("<h4>公開</h4>") && compared.contains("削除：</span>公開</li>"));
    assert!(compared.contains("追加：</span>非公開</li>"));
    assert!(compared.contains("－</span><span class=\"visually-hidden\">削除：</span>1. ケーブル"));
    let unknown = t
        .admin
        .get(&d, &format!("/operator/faqs/{ID}/history?from=1&to=9"))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(
        t.admin
            .get(&d, "/operator/faqs/no-such-entry/history")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_admin_restores_a_revision_after_confirming_and_the_bot_answers_with_it() {
    let d = desk().await;
    let t = team(&d).await;
    let old = edit_once(&d, &t).await;
    let uri = format!("/operator/faqs/{ID}/restore");
    let unconfirmed = t.admin.post(&d, &uri, &[("revision", "1")]).await;
    assert_eq!(unconfirmed.status, StatusCode::BAD_REQUEST);
    assert!(unconfirmed.body.contains("確認のチェックを入れてください"));
    assert_eq!(
        d.helpdesk.knowledge().faq_history(ID).await.unwrap().len(),
        2,
        "nothing restored"
    );
    let unknown = t
        .admin
        .post(&d, &uri, &[("revision", "7"), ("confirm", "yes")])
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.body.contains("版 7 はありません"));

    let restored = t
        .admin
        .post(&d, &uri, &[("revision", "1"), ("confirm", "yes")])
        .await;
    assert_eq!(restored.status, StatusCode::SEE_OTHER, "{}", restored.body);
    assert_eq!(
        restored.location.as_deref(),
        Some("/operator/faqs/pc-external-display/history?restored=3")
    );
    let history = d.helpdesk.knowledge().faq_history(ID).await.unwrap();
    assert_eq!(
        (history[0].revision, history[0].author.as_str()),
        (3, "kanri")
    );
    let answered = d
        .helpdesk
        .conversations()
        .ask(QUESTION, "test")
        .await
        .unwrap();
    assert_eq!(
        answered.entry.unwrap().body,
        old,
        "answered with the restored text"
    );
    let page = t.admin.get(&d, restored.location.as_deref().unwrap()).await;
    assert!(page.body.contains("復元しました（版 3 として保存）"));
    let log = d.helpdesk.store().audit_log(10).await.unwrap();
    assert!(log
        .iter()
        .any(|r| r.actor == "kanri" && r.action == "faq.restore" && r.object_id == ID));
}

#[tokio::test]
async fn only_admins_restore_a_revision() {
    let d = desk().await;
    let t = team(&d).await;
    edit_once(&d, &t).await;
    let uri = format!("/operator/faqs/{ID}/restore");
    for browser in [&t.operator, &t.viewer] {
        let refused = browser
            .post(&d, &uri, &[("revision", "1"), ("confirm", "yes")])
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let page = browser
            .get(&d, &format!("/operator/faqs/{ID}/history"))
            .await;
        assert!(!page.body.contains("この版に戻す"));
    }
    assert_eq!(
        d.helpdesk.knowledge().faq_history(ID).await.unwrap().len(),
        2
    );
    let page = t
        .admin
        .get(&d, &format!("/operator/faqs/{ID}/history"))
        .await;
    assert!(page.body.contains("この版に戻す") && page.body.contains("name=\"confirm\""));
}

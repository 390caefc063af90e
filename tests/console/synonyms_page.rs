//! The synonym dictionary page: where the dictionary in use comes from, saving (admins),
//! problems by line, and the versions.

use axum::http::StatusCode;
use madoguchi::accounts::Role;

use crate::faq_support::team;
use crate::helpers::{desk, desk_with};
use crate::support::{account, Browser};

#[tokio::test]
async fn the_file_is_used_until_an_admin_saves_a_dictionary_that_applies_at_once() {
    let d = desk().await;
    let t = team(&d).await;
    let page = t.viewer.get(&d, "/operator/synonyms").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("使用中：ファイル"), "{}", page.body);
    assert!(
        page.body.contains("パスワード, pw, pass"),
        "the file's text"
    );
    let before = d
        .helpdesk
        .knowledge()
        .explain("がっちゃんこが動かない")
        .with_synonyms;
    let text = format!(
        "{}\n裁断機, がっちゃんこ\n",
        d.helpdesk.knowledge().synonyms().await.unwrap().text
    );
    let saved = t
        .admin
        .post(&d, "/operator/synonyms", &[("text", &text)])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        saved.location.as_deref(),
        Some("/operator/synonyms?saved=1")
    );
    let after = d
        .helpdesk
        .knowledge()
        .explain("がっちゃんこが動かない")
        .with_synonyms;
    assert!(
        after.contains("裁断機") && !before.contains("裁断機"),
        "{before} / {after}"
    );
    let page = t.viewer.get(&d, "/operator/synonyms?saved=1").await;
    assert!(page
        .body
        .contains("使用中：コンソールで保存した版 1（kanri・"));
    assert!(page.body.contains("保存しました（版 1）"));
    let log = d.helpdesk.store().audit_log(10).await.unwrap();
    assert!(log
        .iter()
        .any(|r| r.actor == "kanri" && r.action == "synonyms.update"));
}

#[tokio::test]
async fn a_bad_dictionary_is_listed_by_line_and_changes_nothing() {
    let d = desk().await;
    let t = team(&d).await;
    let text = "# コメント\nプリンター, プリンタ\n単独語\nメール, プリンタ\n";
    let page = t
        .admin
        .post(&d, "/operator/synonyms", &[("text", text)])
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("<li>3行目："), "{}", page.body);
    assert!(page.body.contains("<li>4行目："));
    assert!(
        page.body.contains("単独語\nメール, プリンタ"),
        "the text is kept for fixing"
    );
    assert!(d
        .helpdesk
        .knowledge()
        .synonym_history(10)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn saved_versions_are_listed_newest_first_and_an_old_one_can_be_read() {
    let d = desk().await;
    let t = team(&d).await;
    for text in [
        "プリンター, ぷりんた\n",
        "プリンター, ぷりんた\nメール, めーる\n",
    ] {
        let saved = t
            .admin
            .post(&d, "/operator/synonyms", &[("text", text)])
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
    }
    let page = t.operator.get(&d, "/operator/synonyms").await;
    let two = page.body.find("?version=2").unwrap();
    let one = page.body.find("?version=1").unwrap();
    assert!(two < one, "newest first");
    assert!(
        page.body.contains("readonly") && !page.body.contains(">保存</button>"),
        "operators read"
    );
    let old = t.operator.get(&d, "/operator/synonyms?version=1").await;
    assert!(
        old.body
            .contains("<pre class=\"old-text\" id=\"old-text\">プリンター, ぷりんた\n</pre>"),
        "{}",
        old.body
    );
    assert_eq!(
        t.operator
            .get(&d, "/operator/synonyms?version=9")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let refused = t
        .operator
        .post(&d, "/operator/synonyms", &[("text", "メール, めーる\n")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        d.helpdesk
            .knowledge()
            .synonym_history(10)
            .await
            .unwrap()
            .len(),
        2
    );
}

/// Two admins open the dictionary at the same version: the second save is refused (409)
/// naming both versions, with that admin's text kept in the editor and nothing saved over
/// the first; saving again from that page is deliberate. The same from the file (nothing
/// saved yet), on both backends.
#[tokio::test]
async fn a_save_over_someone_elses_newer_dictionary_is_refused_and_keeps_the_text() {
    for db in crate::db::backends().await {
        let d = desk_with(|s| s.database_url = Some(db.url.clone())).await;
        let t = team(&d).await;
        account(&d, "kanri2", "管理 四郎", Role::Admin).await;
        let other = Browser::sign_in(&d, "kanri2").await;
        // Both open the editor while the file is in use: the page carries version 0.
        let page = t.admin.get(&d, "/operator/synonyms").await;
        assert!(
            page.body.contains("name=\"version\" value=\"0\""),
            "{}",
            page.body
        );
        let first = t
            .admin
            .post(
                &d,
                "/operator/synonyms",
                &[("text", "プリンター, ぷりんた\n"), ("version", "0")],
            )
            .await;
        assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
        let theirs = "メール, めーる\n";
        let refused = other
            .post(
                &d,
                "/operator/synonyms",
                &[("text", theirs), ("version", "0")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
        assert!(
            refused.body.contains(
                "同義語辞書は、開いた後にほかの人が保存しました\
                 （開いたときはファイルの辞書（保存された版なし）、いまは版 1）"
            ),
            "{}",
            refused.body
        );
        assert!(
            refused.body.contains(&format!(">{theirs}</textarea>")),
            "the text is kept: {}",
            refused.body
        );
        assert!(refused.body.contains("name=\"version\" value=\"1\""));
        let in_use = d.helpdesk.store().synonyms().await.unwrap().unwrap();
        assert_eq!(
            (in_use.version, in_use.text.as_str()),
            (1, "プリンター, ぷりんた\n")
        );

        // Saved again from that page (version 1): deliberate.
        let again = other
            .post(
                &d,
                "/operator/synonyms",
                &[("text", theirs), ("version", "1")],
            )
            .await;
        assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
        assert_eq!(
            again.location.as_deref(),
            Some("/operator/synonyms?saved=2")
        );

        // The first admin's page, still at version 1, is now behind version 2.
        let stale = t
            .admin
            .post(
                &d,
                "/operator/synonyms",
                &[
                    ("text", "プリンター, ぷりんた, プリンタ\n"),
                    ("version", "1"),
                ],
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
        assert!(stale.body.contains("（開いたときは版 1、いまは版 2）"));
        // A bad dictionary keeps the version it was opened at, so fixing it and saving
        // again still meets the check.
        let bad = t
            .admin
            .post(
                &d,
                "/operator/synonyms",
                &[("text", "単独語\n"), ("version", "1")],
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
        assert!(bad.body.contains("name=\"version\" value=\"1\""));
        let history = d.helpdesk.knowledge().synonym_history(10).await.unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0].text, theirs);
        assert_eq!(history[0].author, "kanri2");
    }
}

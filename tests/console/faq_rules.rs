//! The rule for roles on the edit form (admins anything, operators drafts, viewers
//! nothing), bad input shown with every reason, and HTML in an entry neutralised.

use axum::http::StatusCode;

use crate::faq_support::{draft, edited, post, team, with};
use crate::helpers::desk;

const PROJECTOR: &str = "pc-external-display";

#[tokio::test]
async fn an_operator_writes_drafts_but_cannot_publish_or_change_a_published_entry() {
    let d = desk().await;
    let t = team(&d).await;
    let created = post(
        &d,
        &t.operator,
        "/operator/faqs/new",
        &draft("scan-mail", "下書き"),
    )
    .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let stored = d
        .helpdesk
        .store()
        .get_faq("scan-mail")
        .await
        .unwrap()
        .unwrap();
    assert!(!stored.published);
    assert_eq!(
        d.helpdesk
            .knowledge()
            .faq_history("scan-mail")
            .await
            .unwrap()[0]
            .author,
        "yamada"
    );

    let edited_draft = post(
        &d,
        &t.operator,
        "/operator/faqs/scan-mail",
        &edited(&d, "scan-mail", "下書き2").await,
    )
    .await;
    assert_eq!(edited_draft.status, StatusCode::SEE_OTHER);

    let publish = with(edited(&d, "scan-mail", "下書き3").await, "published", "1");
    let refused = post(&d, &t.operator, "/operator/faqs/scan-mail", &publish).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.body.contains("公開・非公開の切り替えは管理者だけ"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("下書き3"), "the input is kept");
    let new_published = with(draft("scan-other", "本文"), "published", "1");
    let refused = post(&d, &t.operator, "/operator/faqs/new", &new_published).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(d
        .helpdesk
        .store()
        .get_faq("scan-other")
        .await
        .unwrap()
        .is_none());

    let before = d
        .helpdesk
        .store()
        .get_faq(PROJECTOR)
        .await
        .unwrap()
        .unwrap();
    let change = edited(&d, PROJECTOR, "オペレーターの変更").await;
    let unpublish: Vec<_> = change
        .iter()
        .filter(|(n, _)| *n != "published")
        .cloned()
        .collect();
    for fields in [change, unpublish] {
        let refused = post(
            &d,
            &t.operator,
            &format!("/operator/faqs/{PROJECTOR}"),
            &fields,
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(refused
            .body
            .contains("公開中の項目を変更できるのは管理者だけ"));
    }
    assert_eq!(
        d.helpdesk
            .store()
            .get_faq(PROJECTOR)
            .await
            .unwrap()
            .unwrap(),
        before
    );
    let form = t
        .operator
        .get(&d, &format!("/operator/faqs/{PROJECTOR}"))
        .await;
    assert!(!form.body.contains("id=\"faq-save\"") && form.body.contains("readonly"));
    let own = t.operator.get(&d, "/operator/faqs/scan-mail").await;
    assert!(own.body.contains("id=\"faq-save\""));
    assert!(
        own.body.contains("id=\"faq-published\" disabled"),
        "no publishing for operators"
    );

    let published = post(
        &d,
        &t.admin,
        "/operator/faqs/scan-mail",
        &with(edited(&d, "scan-mail", "公開版").await, "published", "1"),
    )
    .await;
    assert_eq!(published.status, StatusCode::SEE_OTHER);
    assert!(
        d.helpdesk
            .store()
            .get_faq("scan-mail")
            .await
            .unwrap()
            .unwrap()
            .published
    );
}

#[tokio::test]
async fn a_viewer_sees_an_entry_but_cannot_save_or_create() {
    let d = desk().await;
    let t = team(&d).await;
    let form = t
        .viewer
        .get(&d, &format!("/operator/faqs/{PROJECTOR}"))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("閲覧者は表示のみです") && !form.body.contains("id=\"faq-save\""));
    let before = d
        .helpdesk
        .store()
        .get_faq(PROJECTOR)
        .await
        .unwrap()
        .unwrap();
    let refused = post(
        &d,
        &t.viewer,
        &format!("/operator/faqs/{PROJECTOR}"),
        &edited(&d, PROJECTOR, "閲覧者の変更").await,
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        d.helpdesk
            .store()
            .get_faq(PROJECTOR)
            .await
            .unwrap()
            .unwrap(),
        before
    );
    assert_eq!(
        t.viewer.get(&d, "/operator/faqs/new").await.status,
        StatusCode::FORBIDDEN
    );
    let create = post(
        &d,
        &t.viewer,
        "/operator/faqs/new",
        &draft("scan-mail", "本文"),
    )
    .await;
    assert_eq!(create.status, StatusCode::FORBIDDEN);
    assert!(d
        .helpdesk
        .store()
        .get_faq("scan-mail")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn bad_input_shows_the_form_again_with_every_reason_and_saves_nothing() {
    let d = desk().await;
    let t = team(&d).await;
    let count = d.helpdesk.store().faq_count().await.unwrap();
    let cases = [
        (draft("Scan Mail!", "本文"), "IDは半角の英小文字"),
        (draft("new", "本文"), "「new」はIDに使えません"),
        (draft(PROJECTOR, "本文"), "すでに使われています"),
        (
            with(draft("scan-mail", "本文"), "title", "  "),
            "タイトルを入力してください",
        ),
        (draft("scan-mail", " \n "), "本文を入力してください"),
        (
            with(
                draft("scan-mail", "本文"),
                "related",
                "pc-wont-start, no-such-entry",
            ),
            "関連FAQ「no-such-entry」という項目はありません",
        ),
    ];
    for (fields, reason) in cases {
        let page = post(&d, &t.admin, "/operator/faqs/new", &fields).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{reason}");
        assert!(page.body.contains(reason), "{reason}: {}", page.body);
        assert!(
            page.body.contains("スキャンtoメールができない") || reason.contains("タイトル"),
            "input kept"
        );
    }
    let both = with(draft("scan-mail", ""), "title", "");
    let page = post(&d, &t.admin, "/operator/faqs/new", &both).await;
    assert!(
        page.body.contains("タイトルを入力") && page.body.contains("本文を入力"),
        "every reason"
    );
    assert_eq!(d.helpdesk.store().faq_count().await.unwrap(), count);
    let before = d
        .helpdesk
        .store()
        .get_faq(PROJECTOR)
        .await
        .unwrap()
        .unwrap();
    let empty = post(
        &d,
        &t.admin,
        &format!("/operator/faqs/{PROJECTOR}"),
        &edited(&d, PROJECTOR, "").await,
    )
    .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        d.helpdesk
            .store()
            .get_faq(PROJECTOR)
            .await
            .unwrap()
            .unwrap(),
        before
    );
    assert_eq!(
        t.admin.get(&d, "/operator/faqs/no-such-entry").await.status,
        StatusCode::NOT_FOUND
    );
    let missing = post(
        &d,
        &t.admin,
        "/operator/faqs/no-such-entry",
        &edited(&d, PROJECTOR, "x").await,
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(d
        .helpdesk
        .store()
        .get_faq("no-such-entry")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_script_in_a_body_is_sanitised_in_the_preview_and_escaped_in_the_form() {
    let d = desk().await;
    let t = team(&d).await;
    let body = "**再起動**してください。\n\n<script>alert('x')</script><img src=x onerror=alert(1)>\n\n[リンク](javascript:alert(2))";
    let fields = with(
        with(draft("scan-mail", body), "action", "preview"),
        "title",
        "<b onclick=x>件名</b>",
    );
    let page = post(&d, &t.operator, "/operator/faqs/new", &fields).await;
    assert_eq!(page.status, StatusCode::OK);
    let preview = &page.body[page
        .body
        .find("<div class=\"answer-body\">")
        .expect("a preview")..];
    let preview = &preview[..preview.find("</div>").unwrap()];
    assert!(
        preview.contains("<strong>再起動</strong>"),
        "rendered: {preview}"
    );
    for raw in ["<script", "onerror", "javascript:", "alert('x')"] {
        assert!(!preview.contains(raw), "{raw} in {preview}");
    }
    for raw in [
        "<script>alert",
        "<img src=x",
        "href=\"javascript",
        "<b onclick",
    ] {
        assert!(!page.body.contains(raw), "{raw} in {}", page.body);
    }
    assert!(
        page.body.contains("&#60;script&#62;alert("),
        "escaped in the textarea"
    );
    assert!(page
        .body
        .contains("value=\"&#60;b onclick=x&#62;件名&#60;/b&#62;\""));
    assert!(
        d.helpdesk
            .store()
            .get_faq("scan-mail")
            .await
            .unwrap()
            .is_none(),
        "a preview saves nothing"
    );

    let saved = post(
        &d,
        &t.admin,
        "/operator/faqs/new",
        &with(fields, "action", "save"),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    for uri in [
        "/operator/faqs",
        "/operator/faqs/scan-mail",
        "/operator/faqs/scan-mail/history",
    ] {
        let page = t.admin.get(&d, uri).await;
        for raw in ["<script>alert", "<b onclick", "<img src=x"] {
            assert!(!page.body.contains(raw), "{uri} shows {raw} raw");
        }
        assert!(page.body.contains("&#60;b onclick=x&#62;"), "{uri}");
    }
}

#[tokio::test]
async fn a_control_character_in_the_form_or_the_dictionary_is_refused_on_both_backends() {
    for db in crate::db::backends().await {
        let d = crate::helpers::desk_with(|s| s.database_url = Some(db.url.clone())).await;
        let t = team(&d).await;
        // A browser sends U+0000 as %00.
        let fields = with(
            draft("scan-mail", "本文"),
            "title",
            "スキャン\u{0}が届かない",
        );
        let refused = post(&d, &t.admin, "/operator/faqs/new", &fields).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        assert!(
            refused
                .body
                .contains("タイトルに制御文字（U+0000）は使えません。"),
            "{}",
            refused.body
        );
        assert!(d
            .helpdesk
            .store()
            .get_faq("scan-mail")
            .await
            .unwrap()
            .is_none());

        let fields = edited(&d, "pc-external-display", "映らないときは\u{0}再起動").await;
        let refused = post(&d, &t.admin, "/operator/faqs/pc-external-display", &fields).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        assert!(refused
            .body
            .contains("本文に制御文字（U+0000）は使えません。"));

        let text = "プリンター, プリンタ\u{0}\n";
        let page = t
            .admin
            .post(&d, "/operator/synonyms", &[("text", text)])
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
        assert!(
            page.body
                .contains("<li>1行目：制御文字（U+0000）は使えません。"),
            "{}",
            page.body
        );
        assert!(d.helpdesk.store().synonyms().await.unwrap().is_none());
    }
}

/// Two people edit one entry: the second save of a form opened before the first save is
/// refused (409) with the second editor's text kept, nothing saved over the first; saving
/// again is then deliberate. A new entry under an id taken meanwhile is refused too, and
/// an operator's draft published by an admin meanwhile cannot be saved by the operator.
#[tokio::test]
async fn a_save_over_someone_elses_newer_save_is_refused_and_keeps_the_text() {
    let d = desk().await;
    let t = team(&d).await;
    let created = post(
        &d,
        &t.operator,
        "/operator/faqs/new",
        &draft("scan-mail", "一"),
    )
    .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    // Both open the form at revision 1: the page carries it.
    let page = t.admin.get(&d, "/operator/faqs/scan-mail").await;
    assert!(
        page.body.contains("name=\"revision\" value=\"1\""),
        "{}",
        page.body
    );
    let opened = with(edited(&d, "scan-mail", "管理者の版").await, "revision", "1");
    let theirs = with(edited(&d, "scan-mail", "山田の版").await, "revision", "1");
    let first = post(&d, &t.admin, "/operator/faqs/scan-mail", &opened).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let second = post(&d, &t.operator, "/operator/faqs/scan-mail", &theirs).await;
    assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.body);
    assert!(
        second.body.contains("ほかの人が保存しました"),
        "{}",
        second.body
    );
    assert!(second.body.contains("山田の版"), "the text is kept");
    assert!(second.body.contains("name=\"revision\" value=\"2\""));
    let stored = d
        .helpdesk
        .store()
        .get_faq("scan-mail")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.body, "管理者の版");
    // Saved again from that page: deliberate, over revision 2.
    let again = with(theirs.clone(), "revision", "2");
    let saved = post(&d, &t.operator, "/operator/faqs/scan-mail", &again).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let stored = d
        .helpdesk
        .store()
        .get_faq("scan-mail")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.body, "山田の版");

    // The admin publishes it; the operator's form, opened before, cannot unpublish it
    // (the role rule is checked again on the row locked in the save's transaction).
    let published = with(
        with(edited(&d, "scan-mail", "山田の版").await, "published", "1"),
        "revision",
        "3",
    );
    let done = post(&d, &t.admin, "/operator/faqs/scan-mail", &published).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let stale = with(edited(&d, "scan-mail", "山田の版2").await, "revision", "3");
    let stale: Vec<_> = stale
        .into_iter()
        .filter(|(n, _)| *n != "published")
        .collect();
    let refused = post(&d, &t.operator, "/operator/faqs/scan-mail", &stale).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(
        d.helpdesk
            .store()
            .get_faq("scan-mail")
            .await
            .unwrap()
            .unwrap()
            .published
    );

    // A new entry under an id that exists: refused, the existing one unchanged.
    let taken = post(
        &d,
        &t.admin,
        "/operator/faqs/new",
        &draft("scan-mail", "別の本文"),
    )
    .await;
    assert_ne!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
    assert_eq!(
        d.helpdesk
            .store()
            .get_faq("scan-mail")
            .await
            .unwrap()
            .unwrap()
            .body,
        "山田の版"
    );
}

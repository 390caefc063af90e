//! Export downloads and file imports through the pages: round trips in CSV (UTF-8 with a
//! BOM, and Shift_JIS) and Markdown, problems listed by line, the upload's own CSRF check,
//! its size limit, and who may do which.

use axum::http::{header, StatusCode};

use crate::faq_support::{download, edited, import, multipart, post, team, Part};
use crate::helpers::desk;
use crate::support::{form, send};

const ID: &str = "pc-external-display";

/// Adds a character Shift_JIS cannot hold (𠮷, U+20BB7) to an entry's body, as the admin.
async fn add_unencodable(d: &crate::helpers::Desk, t: &crate::faq_support::Team, id: &str) {
    let body = d.helpdesk.store().get_faq(id).await.unwrap().unwrap().body;
    let fields = edited(d, id, &format!("{body}\n\n𠮷")).await;
    let saved = post(d, &t.admin, &format!("/operator/faqs/{id}"), &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
}

#[tokio::test]
async fn a_character_shift_jis_cannot_hold_is_named_and_utf8_suggested() {
    let d = desk().await;
    let t = team(&d).await;
    add_unencodable(&d, &t, "pc-browser-favorites").await;
    let refused = t
        .operator
        .get(&d, "/operator/faqs/export?format=csv-sjis")
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("ID pc-browser-favorites、「本文」列"),
        "{}",
        refused.body
    );
    assert!(refused
        .body
        .contains("「𠮷」(U+20BB7) はShift_JISで書けません。UTF-8のCSVで書き出してください。"));
}

#[tokio::test]
async fn exported_files_import_back_unchanged_in_csv_utf8_shift_jis_and_markdown() {
    let d = desk().await;
    let t = team(&d).await;
    let count = d.helpdesk.store().faq_count().await.unwrap() as usize;
    for (format, file_name, content_type) in [
        ("csv", "faq-20261126.csv", "text/csv; charset=utf-8"),
        (
            "csv-sjis",
            "faq-20261126.csv",
            "text/csv; charset=shift_jis",
        ),
        ("markdown", "faq-20261126.tar", "application/x-tar"),
    ] {
        let file = download(
            &d,
            &t.operator,
            &format!("/operator/faqs/export?format={format}"),
        )
        .await;
        assert_eq!(file.status, StatusCode::OK, "{format}");
        assert_eq!(file.headers[header::CONTENT_TYPE], content_type);
        assert_eq!(
            file.headers[header::CONTENT_DISPOSITION].to_str().unwrap(),
            format!("attachment; filename=\"{file_name}\"")
        );
        match format {
            "csv" => assert!(file.bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel"),
            "csv-sjis" => {
                assert!(std::str::from_utf8(&file.bytes).is_err(), "not UTF-8");
                let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&file.bytes);
                assert!(!bad && text.contains("プロジェクターや外部モニター"));
            }
            _ => {}
        }
        let page = import(&d, &t.admin, file_name, &file.bytes).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{format}: {}",
            page.body
        );
        assert_eq!(
            page.location.unwrap(),
            format!("/operator/faqs/import?created=0&updated=0&unchanged={count}"),
            "{format}"
        );
    }
    let done = t
        .admin
        .get(
            &d,
            &format!("/operator/faqs/import?created=0&updated=0&unchanged={count}"),
        )
        .await;
    assert!(done.body.contains(&format!("変更なし {count}件")));
    assert_eq!(
        d.helpdesk.knowledge().faq_history(ID).await.unwrap().len(),
        1,
        "no new revisions"
    );
    let log = d.helpdesk.store().audit_log(20).await.unwrap();
    assert_eq!(
        log.iter()
            .filter(|r| r.action == "faq.export" && r.actor == "yamada")
            .count(),
        3
    );
    assert_eq!(
        log.iter()
            .filter(|r| r.action == "faq.import" && r.actor == "kanri")
            .count(),
        3
    );
}

#[tokio::test]
async fn an_edited_csv_updates_the_entry_and_the_bot_answers_with_it() {
    let d = desk().await;
    let t = team(&d).await;
    let file = download(&d, &t.admin, "/operator/faqs/export?format=csv-sjis").await;
    let (text, _, _) = encoding_rs::SHIFT_JIS.decode(&file.bytes);
    let edited = text.replace(
        "ケーブル（HDMIなど）がパソコンと",
        "会議室の切替器の電源を入れ、ケーブル（HDMIなど）がパソコンと",
    );
    assert_ne!(edited, text);
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&edited);
    let page = import(&d, &t.admin, "faq.csv", &bytes).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(page.location.unwrap().contains("created=0&updated=1&"));
    let answered = d
        .helpdesk
        .conversations()
        .ask("プロジェクターに画面が映りません", "test")
        .await
        .unwrap();
    assert!(answered
        .entry
        .unwrap()
        .body
        .contains("会議室の切替器の電源を入れ"));
    assert_eq!(
        d.helpdesk.knowledge().faq_history(ID).await.unwrap()[0].author,
        "kanri"
    );
}

#[tokio::test]
async fn an_import_with_problems_lists_them_by_line_and_changes_nothing() {
    let d = desk().await;
    let t = team(&d).await;
    let csv = "ID,タイトル,カテゴリ,本文,関連FAQ\r\nscan-mail,スキャンが届かない,複合機,宛先を確認,\r\nscan-two,,複合機,本文,no-such-entry\r\n";
    let page = import(&d, &t.admin, "faq.csv", csv.as_bytes()).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body
            .contains("「faq.csv」は取り込めませんでした（何も変更していません）"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<li>3行目 ID scan-two、「タイトル」列："),
        "{}",
        page.body
    );
    assert!(page.body.contains("<li>3行目 ID scan-two、「関連FAQ」列："));
    assert!(d
        .helpdesk
        .store()
        .get_faq("scan-mail")
        .await
        .unwrap()
        .is_none());

    let binary = import(&d, &t.admin, "faq.csv", &[0xFF, 0xFE, 0x00, 0x81, 0x00]).await;
    assert_eq!(binary.status, StatusCode::BAD_REQUEST);
    assert!(binary.body.contains("UTF-8でもShift_JISでもありません"));
    let empty = import(&d, &t.admin, "", b"").await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.body.contains("ファイルを選んでください"));
}

#[tokio::test]
async fn an_archive_with_an_entry_the_editor_refuses_names_its_file_and_changes_nothing() {
    let d = desk().await;
    let t = team(&d).await;
    let entry = |id: &str, related: &[&str]| madoguchi::kb::FaqEntry {
        id: id.into(),
        title: "庁舎屋上の鍵をなくしました".into(),
        category: "ヘルプデスク".into(),
        keywords: vec![],
        alternatives: vec![],
        related: related.iter().map(|r| r.to_string()).collect(),
        body: "総務課で予備の鍵を借ります。".into(),
        published: true,
    };
    let tar = madoguchi::kb::export::to_tar(
        &[
            entry("export", &[]),
            entry("rooftop-key", &["nothing-here"]),
        ],
        0,
    );
    let page = import(&d, &t.admin, "faq.tar", &tar).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.body.contains(
            "<li>knowledge-base/export/export.md、ID export、「ID」：「export」はIDに使えません。"
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains(
        "<li>knowledge-base/rooftop/rooftop-key.md、ID rooftop-key、「関連FAQ」：\
         関連FAQ「nothing-here」という項目はありません。"
    ));
    for id in ["export", "rooftop-key"] {
        assert!(d.helpdesk.store().get_faq(id).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn an_upload_without_or_with_a_wrong_token_is_refused_before_the_file_is_read() {
    let d = desk().await;
    let t = team(&d).await;
    let csv = "ID,タイトル,本文\r\nscan-mail,スキャンが届かない,宛先を確認\r\n";
    let file = Part::File("file", "faq.csv", csv.as_bytes());
    let cases: [Vec<Part>; 4] = [
        vec![Part::File("file", "faq.csv", csv.as_bytes())],
        vec![
            Part::Field("csrf", &t.operator.csrf),
            Part::File("file", "faq.csv", csv.as_bytes()),
        ],
        vec![
            Part::Field("csrf", ""),
            Part::File("file", "faq.csv", csv.as_bytes()),
        ],
        vec![file, Part::Field("csrf", &t.admin.csrf)],
    ];
    for (i, parts) in cases.iter().enumerate() {
        let page = send(
            &d,
            multipart("/operator/faqs/import", &t.admin.cookie, parts),
        )
        .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "case {i}");
        assert!(page.body.contains("フォームが無効です"), "case {i}");
    }
    let urlencoded = send(
        &d,
        form(
            "/operator/faqs/import",
            &t.admin.cookie,
            &[("csrf", &t.admin.csrf)],
        ),
    )
    .await;
    assert_eq!(urlencoded.status, StatusCode::FORBIDDEN);
    let no_session = send(
        &d,
        multipart(
            "/operator/faqs/import",
            "",
            &[Part::Field("csrf", &t.admin.csrf)],
        ),
    )
    .await;
    assert_eq!(no_session.status, StatusCode::SEE_OTHER);
    assert!(
        d.helpdesk
            .store()
            .get_faq("scan-mail")
            .await
            .unwrap()
            .is_none(),
        "nothing imported"
    );
    assert!(!d
        .helpdesk
        .store()
        .audit_log(20)
        .await
        .unwrap()
        .iter()
        .any(|r| r.action == "faq.import" && r.actor != "seed"));
}

#[tokio::test]
async fn a_file_over_five_megabytes_is_refused_with_a_clear_message() {
    let d = desk().await;
    let t = team(&d).await;
    let mut big =
        b"ID,\xE3\x82\xBF\xE3\x82\xA4\xE3\x83\x88\xE3\x83\xAB,\xE6\x9C\xAC\xE6\x96\x87\r\n"
            .to_vec();
    big.resize(5 * 1024 * 1024 + 1, b'a');
    let page = import(&d, &t.admin, "big.csv", &big).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        page.body.contains("ファイルが大きすぎます。5 MBまで"),
        "{}",
        page.body
    );
    big.resize(8 * 1024 * 1024, b'a');
    let page = import(&d, &t.admin, "bigger.csv", &big).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.body.contains("5 MBまで"));
    assert!(!d
        .helpdesk
        .store()
        .audit_log(20)
        .await
        .unwrap()
        .iter()
        .any(|r| r.action == "faq.import" && r.actor != "seed"));
}

#[tokio::test]
async fn operators_export_but_only_admins_import_and_viewers_do_neither() {
    let d = desk().await;
    let t = team(&d).await;
    assert_eq!(
        download(&d, &t.operator, "/operator/faqs/export?format=csv")
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        download(&d, &t.viewer, "/operator/faqs/export?format=csv")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        download(&d, &t.admin, "/operator/faqs/export?format=xlsx")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        t.admin.get(&d, "/operator/faqs/import").await.status,
        StatusCode::OK
    );
    let csv = "ID,タイトル,本文\r\nscan-mail,スキャンが届かない,宛先を確認\r\n";
    for browser in [&t.operator, &t.viewer] {
        assert_eq!(
            browser.get(&d, "/operator/faqs/import").await.status,
            StatusCode::FORBIDDEN
        );
        let page = import(&d, browser, "faq.csv", csv.as_bytes()).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    }
    assert!(d
        .helpdesk
        .store()
        .get_faq("scan-mail")
        .await
        .unwrap()
        .is_none());
    let list = t.viewer.get(&d, "/operator/faqs").await;
    assert!(
        !list.body.contains("/operator/faqs/export")
            && !list.body.contains("/operator/faqs/import")
    );
}

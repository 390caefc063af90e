//! The test box: how a question is read and ranked, for any role, recorded nowhere.

use axum::http::StatusCode;

use crate::faq_support::team;
use crate::helpers::desk;

#[tokio::test]
async fn the_test_box_shows_the_analysis_the_ranked_candidates_and_the_decision_without_logging() {
    let d = desk().await;
    let t = team(&d).await;
    let questions = d.helpdesk.store().question_count().await.unwrap();
    let audit = d.helpdesk.store().audit_log(100).await.unwrap().len();
    let empty = t.viewer.get(&d, "/operator/test-box").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(!empty.body.contains("候補（得点順）"));

    // 「ＰＣ」 in full width: normalised to pc, then the synonym パソコン.
    let page = t
        .viewer
        .get(&d, "/operator/test-box?q=%EF%BC%B0%EF%BC%A3%E3%81%8C%E3%83%97%E3%83%AD%E3%82%B8%E3%82%A7%E3%82%AF%E3%82%BF%E3%83%BC%E3%81%AB%E6%98%A0%E3%82%8A%E3%81%BE%E3%81%9B%E3%82%93")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let explained = d
        .helpdesk
        .knowledge()
        .explain("ＰＣがプロジェクターに映りません");
    assert!(page.body.contains(
        "<td>1</td><td><a href=\"/operator/faqs/pc-external-display\"><code>pc-external-display</code></a></td>"
    ));
    assert!(page.body.contains(&format!(
        "<dd id=\"with-synonyms\">{}</dd>",
        explained.with_synonyms
    )));
    assert!(
        explained.with_synonyms.contains("パソコン"),
        "{}",
        explained.with_synonyms
    );
    assert!(
        page.body.contains("<span class=\"token\">w:"),
        "the units the search used"
    );
    let top = &explained.candidates[0];
    assert_eq!(top.id, "pc-external-display");
    let first = "<td>1</td><td><a href=\"/operator/faqs/pc-external-display\">";
    assert!(
        page.body.contains(first),
        "ranked first, linked to its form"
    );
    assert!(page
        .body
        .contains(&format!("<td class=\"num\">{:.3}</td>", top.score)));
    assert!(
        page.body
            .contains("自動回答：得点 0.51 以上かつ差 0.12 以上"),
        "the thresholds"
    );
    assert!(page.body.contains("理由："));
    assert_eq!(
        d.helpdesk.store().question_count().await.unwrap(),
        questions,
        "not logged"
    );
    assert_eq!(
        d.helpdesk.store().audit_log(100).await.unwrap().len(),
        audit
    );
}

#[tokio::test]
async fn a_greeting_and_html_in_the_test_box_are_shown_as_text() {
    let d = desk().await;
    let t = team(&d).await;
    let page = t
        .operator
        .get(
            &d,
            "/operator/test-box?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("<script>alert"));
    assert!(page.body.contains("&#60;script&#62;alert(1)"));
    let hello = t.operator.get(&d, "/operator/test-box?q=%E3%81%8A%E3%81%AF%E3%82%88%E3%81%86%E3%81%94%E3%81%96%E3%81%84%E3%81%BE%E3%81%99").await;
    assert!(hello.body.contains("あいさつ"), "{}", hello.body);
}

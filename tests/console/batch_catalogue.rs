//! The job catalogue in the console: an admin changes a job's definition (a new
//! revision, shown with what changed), a bad definition is refused with the parser's
//! line and changes nothing, a job is retired (gone from intake and schedule) and
//! restored; operators and viewers read but cannot change (403), nor can a form without
//! the CSRF token.

use axum::http::StatusCode;

use crate::batches::{batch_desk, JOB};
use crate::faq_support::{team, Team};
use crate::support::send;

const PAGE: &str = "/operator/batches/jobs/kouki-kettei";

/// The 決定通知書's definition as the job page's edit box holds it.
fn definition(page: &str) -> String {
    let start = page.find("name=\"definition\"").unwrap();
    let from = page[start..].find('>').unwrap() + start + 1;
    let to = page[from..].find("</textarea>").unwrap() + from;
    unescape(&page[from..to])
}

fn unescape(html: &str) -> String {
    [
        ("&#34;", "\""),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&#x27;", "'"),
        ("&#60;", "<"),
        ("&lt;", "<"),
        ("&#62;", ">"),
        ("&gt;", ">"),
    ]
    .iter()
    .fold(html.to_owned(), |t, (from, to)| t.replace(from, to))
    .replace("&#38;", "&")
    .replace("&amp;", "&")
}

#[tokio::test]
async fn an_admin_changes_a_job_and_sees_the_revision_and_its_diff() {
    let Some((d, _spool)) = batch_desk().await else {
        return;
    };
    let Team {
        admin,
        operator,
        viewer,
    } = team(&d).await;
    let list = viewer.get(&d, "/operator/batches/jobs").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.body.contains(PAGE) && list.body.contains("決定通知書"));
    assert!(!list.body.contains("ジョブを追加する"), "viewers read only");
    let page = admin.get(&d, PAGE).await;
    assert!(page.body.contains("版 1"), "{}", page.body);
    let text = definition(&page.body);
    assert!(text.starts_with("# 決定通知書"), "{text}");
    let changed = text.replacen("x = 25.0, y = 45.0", "x = 26.0, y = 45.0", 1);
    let fields = [
        ("definition", changed.as_str()),
        ("reason", "国保課の依頼（宛名位置）"),
        ("base", "1"),
    ];

    for who in [&operator, &viewer] {
        let refused = who.post(&d, &format!("{PAGE}/change"), &fields).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
    let no_token = send(
        &d,
        crate::support::form(&format!("{PAGE}/change"), &admin.cookie, &fields),
    )
    .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert!(
        !admin.get(&d, PAGE).await.body.contains("版 2"),
        "nothing changed"
    );

    let saved = admin.post(&d, &format!("{PAGE}/change"), &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = viewer.get(&d, saved.location.as_deref().unwrap()).await;
    assert!(
        page.body.contains("版 2 として保存しました"),
        "{}",
        page.body
    );
    assert!(page.body.contains("国保課の依頼（宛名位置）") && page.body.contains("kanri"));
    assert!(page.body.contains("diff-ins") && page.body.contains("x = 26.0, y = 45.0"));
    assert!(page.body.contains("diff-del") && page.body.contains("x = 25.0, y = 45.0"));
    // A run received now is checked with revision 2, and says so.
    let uploaded = crate::batches::upload(&d, &operator, &crate::batches::kettei(3, 2)).await;
    let run = viewer.get(&d, uploaded.location.as_deref().unwrap()).await;
    assert!(
        run.body.contains(&format!("{PAGE}#revision-2\">版 2</a>")),
        "{}",
        run.body
    );
    let compared = viewer.get(&d, &format!("{PAGE}?from=1&to=2")).await;
    assert!(
        compared.body.contains("版 1 → 版 2 の違い"),
        "{}",
        compared.body
    );

    // Back to revision 1, as revision 3.
    let restored = admin
        .post(
            &d,
            &format!("{PAGE}/restore"),
            &[("revision", "1"), ("base", "2"), ("reason", "元に戻す")],
        )
        .await;
    assert_eq!(restored.status, StatusCode::SEE_OTHER, "{}", restored.body);
    let page = admin.get(&d, PAGE).await;
    assert!(
        page.body.contains("版 3：以前の版に戻す（現在）"),
        "{}",
        page.body
    );
    assert_eq!(definition(&page.body), text);
}

#[tokio::test]
async fn a_bad_definition_is_refused_with_its_line_and_the_typed_text_is_kept() {
    let Some((d, _spool)) = batch_desk().await else {
        return;
    };
    let t = team(&d).await;
    let text = definition(&t.admin.get(&d, PAGE).await.body);
    let broken = text.replacen("department = ", "department = = ", 1);
    let refused = t
        .admin
        .post(
            &d,
            &format!("{PAGE}/change"),
            &[("definition", &broken), ("reason", "修正"), ("base", "1")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("保存しませんでした"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("line 4"), "{}", refused.body);
    assert_eq!(definition(&refused.body), broken, "the typed text is kept");
    let no_reason = t
        .admin
        .post(
            &d,
            &format!("{PAGE}/change"),
            &[
                ("definition", &text.replacen("25.0", "26.0", 1)),
                ("reason", ""),
                ("base", "1"),
            ],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    assert!(no_reason.body.contains("理由"), "{}", no_reason.body);
    let page = t.admin.get(&d, PAGE).await;
    assert!(
        !page.body.contains("版 2"),
        "nothing changed: {}",
        page.body
    );
    assert_eq!(definition(&page.body), text);
}

#[tokio::test]
async fn a_retired_job_leaves_intake_and_the_schedule_until_it_is_restored() {
    let Some((d, _spool)) = batch_desk().await else {
        return;
    };
    let t = team(&d).await;
    let option = format!("<option value=\"{JOB}\">");
    let batches = t.operator.get(&d, "/operator/batches?year=2026").await;
    assert!(batches.body.contains(&option));
    let retired = t
        .admin
        .post(
            &d,
            &format!("{PAGE}/retire"),
            &[("base", "1"), ("reason", "市の依頼で廃止")],
        )
        .await;
    assert_eq!(retired.status, StatusCode::SEE_OTHER, "{}", retired.body);
    let batches = t.operator.get(&d, "/operator/batches?year=2026").await;
    assert!(!batches.body.contains(&option), "{}", batches.body);
    assert!(
        !batches.body.contains("04/10 決定通知書"),
        "{}",
        batches.body
    );
    let list = t.viewer.get(&d, "/operator/batches/jobs").await;
    assert!(list.body.contains("決定通知書（廃止）"), "{}", list.body);
    let upload = crate::batches::upload(&d, &t.operator, &crate::batches::kettei(3, 1)).await;
    assert_eq!(upload.status, StatusCode::BAD_REQUEST, "{}", upload.body);

    let restored = t
        .admin
        .post(
            &d,
            &format!("{PAGE}/restore"),
            &[("revision", "1"), ("base", "2"), ("reason", "再開")],
        )
        .await;
    assert_eq!(restored.status, StatusCode::SEE_OTHER, "{}", restored.body);
    let batches = t.operator.get(&d, "/operator/batches?year=2026").await;
    assert!(batches.body.contains(&option));
}

#[tokio::test]
async fn a_changed_job_counts_as_unchecked_until_its_next_selftest() {
    let Some((d, _spool)) = batch_desk().await else {
        return;
    };
    let t = team(&d).await;
    let done = t.admin.post(&d, "/operator/batches/selftest", &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let text = definition(&t.admin.get(&d, PAGE).await.body);
    let fields = [
        (
            "definition",
            text.replacen("x = 25.0, y = 45.0", "x = 26.0, y = 45.0", 1),
        ),
        ("reason", "位置修正".to_owned()),
        ("base", "1".to_owned()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let saved = t.admin.post(&d, &format!("{PAGE}/change"), &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = t.viewer.get(&d, "/operator/batches").await;
    assert_eq!(
        page.body.matches("<td>合格</td>").count(),
        9,
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<tr><td>決定通知書</td><td>未確認</td>"),
        "{}",
        page.body
    );
    // The moved address no longer gives the expected output: the next check says so.
    t.admin.post(&d, "/operator/batches/selftest", &[]).await;
    let page = t.viewer.get(&d, "/operator/batches").await;
    assert!(
        page.body
            .contains("<tr><td>決定通知書</td><td>2026-11-26 10:00</td><td>不合格</td>"),
        "{}",
        page.body
    );
}

//! Purging a printed run's files on the city's instruction through the console: admins
//! only, with the CSRF token; every field of the deletion record is required and a
//! refusal changes nothing; the run is purged once; the 消去証明書 page shows what, when,
//! how, who and the witness, laid out for A4.

use std::path::Path;

use axum::http::StatusCode;
use madoguchi::print_runs::duties::PURGE_GRACE;
use madoguchi::print_runs::purge::PurgeOrder;

use crate::batches::{batch_desk, kettei, run_of, upload};
use crate::faq_support::{team, Team};
use crate::helpers::Desk;
use crate::support::send;

const FIELDS: [(&str, &str); 4] = [
    ("instruction", "令和8年度 消去指示書 第3号"),
    ("method", "zero_overwrite"),
    ("witness", "国民健康保険課 鈴木"),
    ("reason", "業務完了による消去"),
];

fn without(name: &str) -> Vec<(&'static str, &'static str)> {
    FIELDS.iter().filter(|(n, _)| *n != name).copied().collect()
}

/// A run uploaded, approved and printed through the console; its id and page.
async fn printed_run(d: &Desk, t: &Team, seed: u64) -> (String, String) {
    let id = run_of(&upload(d, &t.operator, &kettei(20, seed)).await);
    let run = format!("/operator/batches/runs/{id}");
    let approved = t.admin.post(d, &format!("{run}/approve"), &[]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let printed = t.operator.post(d, &format!("{run}/print"), &[]).await;
    assert_eq!(printed.status, StatusCode::SEE_OTHER, "{}", printed.body);
    (id, run)
}

#[tokio::test]
async fn an_admin_purges_a_run_and_prints_its_certificate() {
    let Some((d, spool)) = batch_desk().await else {
        return;
    };
    let t = team(&d).await;
    let (id, run) = printed_run(&d, &t, 4).await;
    let runs = spool.parent().unwrap().join("print-runs");
    let input = runs.join(format!("run-{id}.input"));
    let output = runs.join(format!("run-{id}.pdf.sealed"));
    let kept = |p: &Path| p.exists();
    assert!(kept(&input) && kept(&output));

    let page = t.admin.get(&d, &run).await;
    assert!(page.body.contains(&format!("{run}/purge")), "{}", page.body);
    assert!(!t
        .operator
        .get(&d, &run)
        .await
        .body
        .contains(&format!("{run}/purge")));
    let certificate = format!("{run}/certificate");
    assert_eq!(
        t.admin.get(&d, &certificate).await.status,
        StatusCode::NOT_FOUND
    );
    let early = t.admin.get(&d, &format!("{certificate}.pdf")).await;
    assert_eq!(early.status, StatusCode::NOT_FOUND);

    // Refused, nothing erased: not an admin, no token, a field missing, an unknown method.
    let purge = format!("{run}/purge");
    let by_operator = t.operator.post(&d, &purge, &FIELDS).await;
    assert_eq!(by_operator.status, StatusCode::FORBIDDEN);
    let no_token = send(&d, crate::support::form(&purge, &t.admin.cookie, &FIELDS)).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    for (missing, said) in [
        ("witness", "立会者"),
        ("instruction", "市の指示"),
        ("reason", "理由"),
        ("method", "消去の方法"),
    ] {
        let refused = t.admin.post(&d, &purge, &without(missing)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{missing}");
        assert!(refused.body.contains(said), "{missing}: {}", refused.body);
    }
    let mut blank = FIELDS;
    blank[2].1 = "　 ";
    let refused = t.admin.post(&d, &purge, &blank).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(kept(&input) && kept(&output), "nothing was erased");
    assert!(!t.admin.get(&d, &run).await.body.contains("消去記録"));

    let done = t.admin.post(&d, &purge, &FIELDS).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some(certificate.as_str()));
    assert!(!kept(&input) && !kept(&output));

    let page = t.viewer.get(&d, &certificate).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for part in [
        "消去証明書",
        "決定通知書(印刷実行",
        "入力ファイル",
        "出力ファイル",
        "ゼロで上書きした後に削除",
        "令和8年度 消去指示書 第3号",
        "業務完了による消去",
        "<td>kanri</td>",
        "国民健康保険課 鈴木",
        "令和8年11月26日",
        "class=\"certificate\"",
    ] {
        assert!(page.body.contains(part), "{part}: {}", page.body);
    }
    let pdf = t.viewer.get(&d, &format!("{certificate}.pdf")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with("%PDF"));
    let css = t.viewer.get(&d, "/operator/static/console.css").await;
    assert!(css.body.contains("size: A4"));
    let log = t.viewer.get(&d, &run).await;
    assert!(log.body.contains("消去記録") && log.body.contains("消去証明書を表示"));
    assert!(
        log.body.contains("<td>消去の指示（消去記録の作成）</td>"),
        "the run's history: {}",
        log.body
    );

    // Purged once: a second order is refused with the reason.
    let again = t.admin.post(&d, &purge, &FIELDS).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("消去済み"), "{}", again.body);
}

#[tokio::test]
async fn review_a_purge_cut_short_shows_as_unfinished_until_the_duties_finish_it() {
    let Some((d, spool)) = batch_desk().await else {
        return;
    };
    let t = team(&d).await;
    let (id, run) = printed_run(&d, &t, 6).await;
    let output = spool
        .parent()
        .unwrap()
        .join(format!("print-runs/run-{id}.pdf.sealed"));
    // An instance stopped after committing the deletion record, before the erasure.
    let runs = d.helpdesk.print_runs().unwrap();
    let order = PurgeOrder {
        instruction: FIELDS[0].1,
        method: FIELDS[1].1,
        witness: FIELDS[2].1,
        reason: FIELDS[3].1,
    };
    runs.order_purge("kanri", id.parse().unwrap(), &order)
        .await
        .unwrap();

    let page = t.admin.get(&d, &run).await;
    assert!(
        page.body.contains("消去記録") && page.body.contains("消去の途中です"),
        "{}",
        page.body
    );
    let link = format!("href=\"{run}/certificate\"");
    assert!(!page.body.contains(&link), "{}", page.body);
    assert!(
        !page.body.contains(&format!("{run}/purge\"")),
        "no second order"
    );
    let certificate = format!("{run}/certificate");
    for path in [certificate.clone(), format!("{certificate}.pdf")] {
        let early = t.admin.get(&d, &path).await;
        assert_eq!(early.status, StatusCode::NOT_FOUND, "{path}");
        assert!(early.body.contains("消去の途中"), "{path}: {}", early.body);
    }
    assert!(output.exists());

    d.clock
        .set(d.helpdesk.now() + PURGE_GRACE + chrono::Duration::seconds(1));
    assert_eq!(runs.duties_due().await.purges_finished, 1);
    assert!(!output.exists());
    let page = t.admin.get(&d, &run).await;
    assert!(page.body.contains(&link), "{}", page.body);
    assert!(!page.body.contains("消去の途中です"));
    assert!(
        page.body.contains("消去の完了"),
        "the run's history: {}",
        page.body
    );
    let done = t.viewer.get(&d, &certificate).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
}

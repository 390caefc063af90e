//! The personnel switch pages: an admin uploads the synthetic city's files and reads the
//! plan grouped by 所属 and by kind (counts as the plan's), filters it, opens a person's
//! changes (audited); bad files are shown by file, line and column with nothing stored;
//! approval by 所属 and by kind; an apply run from the console, its progress fragment and
//! the run report; roles and CSRF refused with counts unchanged.

use axum::http::StatusCode;
use madoguchi::domain::{ChangeKind, PlanItemStatus, TextEnum};
use madoguchi::personnel::{sample, InputFiles, PlanPolicy, Prepared};
use madoguchi::storage::sql;

use crate::faq_support::{multipart, team, Part, Team};
use crate::helpers::{desk, Desk};
use crate::support::send;

fn files(city: &sample::SampleCity) -> InputFiles<'_> {
    InputFiles {
        changes: city.changes.as_bytes(),
        org: city.org.as_bytes(),
        directory: city.directory.as_bytes(),
    }
}

fn prepared(city: &sample::SampleCity) -> Prepared {
    madoguchi::personnel::prepare(files(city), &PlanPolicy::default()).unwrap()
}

async fn upload(
    d: &Desk,
    cookie: &str,
    csrf: &str,
    changes: &[u8],
    org: &[u8],
    directory: &[u8],
) -> crate::support::Page {
    let parts = [
        Part::Field("csrf", csrf),
        Part::File("changes", "changes.csv", changes),
        Part::File("org", "org.csv", org),
        Part::File("directory", "directory.csv", directory),
    ];
    send(d, multipart("/operator/personnel/upload", cookie, &parts)).await
}

async fn uploaded(d: &Desk, t: &Team, city: &sample::SampleCity) -> i64 {
    let page = upload(
        d,
        &t.admin.cookie,
        &t.admin.csrf,
        city.changes.as_bytes(),
        city.org.as_bytes(),
        city.directory.as_bytes(),
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let to = page.location.unwrap();
    to.rsplit('/').next().unwrap().parse().unwrap()
}

async fn scalar(d: &Desk, query: &'static str) -> i64 {
    sql(query)
        .scalar(&mut d.helpdesk.store().conn())
        .await
        .unwrap()
}

async fn items_in(d: &Desk, status: PlanItemStatus) -> i64 {
    sql("SELECT COUNT(*) FROM personnel_plan_items WHERE status = $1")
        .bind(status)
        .scalar(&mut d.helpdesk.store().conn())
        .await
        .unwrap()
}

/// The text of the table row whose attribute is `marker` (e.g. `data-kind="create"`).
fn row<'a>(body: &'a str, marker: &str) -> &'a str {
    let start = body.find(marker).unwrap_or_else(|| panic!("no {marker}"));
    let rest = &body[start..];
    &rest[..rest.find("</tr>").unwrap()]
}

#[tokio::test]
async fn an_admin_uploads_the_city_and_reads_the_plan_by_department_kind_and_person() {
    let d = desk().await;
    let t = team(&d).await;
    let city = sample::city(120);
    let expected = prepared(&city);
    let id = uploaded(&d, &t, &city).await;

    let list = t.operator.get(&d, "/operator/personnel").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains(&format!("計画 {id}")) && list.body.contains("下書き"));
    assert!(
        !list.body.contains("personnel-upload"),
        "operators read, admins upload"
    );

    let page = t
        .operator
        .get(&d, &format!("/operator/personnel/{id}"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("aria-current=\"page\">年度切り替え"));
    for kind in ChangeKind::ALL {
        let line = row(&page.body, &format!("data-kind=\"{}\"", kind.as_str()));
        let n = expected.counts.kind(*kind);
        assert!(
            line.contains(&format!("<td>{n}</td>")),
            "{kind:?}: {n} in {line}"
        );
    }
    assert!(page
        .body
        .contains(&format!("{}件</span>", expected.counts.items)));
    let k001 = expected
        .items
        .iter()
        .filter(|i| i.department_code.as_deref() == Some("K001"))
        .count();
    let line = row(&page.body, "data-department=\"K001\"");
    assert!(line.contains(&format!("<td>{k001}</td>")), "{line}");
    assert!(
        !page.body.contains("この所属を承認"),
        "operators do not approve"
    );

    // Filters: a 所属 and a kind, a system, a result.
    let creates = expected.counts.kind(ChangeKind::Create);
    let only = t
        .operator
        .get(&d, &format!("/operator/personnel/{id}?kind=create"))
        .await;
    assert!(only
        .body
        .contains(&format!("id=\"items-count\">{creates}件")));
    let lgwan = expected
        .items
        .iter()
        .filter(|i| i.system.as_str() == "ad_lgwan" && i.department_code.as_deref() == Some("K001"))
        .count();
    let narrowed = t
        .operator
        .get(
            &d,
            &format!("/operator/personnel/{id}?department=K001&system=ad_lgwan&status=proposed"),
        )
        .await;
    assert!(
        narrowed
            .body
            .contains(&format!("id=\"items-count\">{lgwan}件")),
        "{lgwan}"
    );
    let bad = t
        .operator
        .get(&d, &format!("/operator/personnel/{id}?kind=rename"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // The plan's list names people and their changes: each reading is recorded, with the
    // 所属 it was narrowed to.
    let read: Vec<(String, String)> = madoguchi::storage::sql(
        "SELECT actor, detail FROM audit_log WHERE action = 'personnel.view_plan' ORDER BY id",
    )
    .fetch_all(&mut d.helpdesk.store().conn())
    .await
    .unwrap();
    assert!(read.len() >= 3, "{read:?}");
    assert!(
        read.iter().any(|(_, detail)| detail == "department K001"),
        "{read:?}"
    );

    // One person: before → after per system, the view audited.
    let mover = expected
        .items
        .iter()
        .find(|i| i.kind == ChangeKind::MoveOu)
        .unwrap();
    let views = scalar(
        &d,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'personnel.view_person'",
    )
    .await;
    let person = t
        .viewer
        .get(
            &d,
            &format!("/operator/personnel/{id}/people/{}", mover.employee_no),
        )
        .await;
    assert_eq!(person.status, StatusCode::OK, "{}", person.body);
    assert!(person.body.contains(&mover.name));
    assert!(person.body.contains(mover.system.label()));
    assert!(person.body.contains(mover.before.as_deref().unwrap()));
    assert!(person.body.contains(mover.after.as_deref().unwrap()));
    assert_eq!(
        scalar(
            &d,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'personnel.view_person'"
        )
        .await,
        views + 1
    );
    let nobody = t
        .viewer
        .get(&d, &format!("/operator/personnel/{id}/people/999999"))
        .await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND);
    let no_plan = t.viewer.get(&d, "/operator/personnel/99").await;
    assert_eq!(no_plan.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_files_are_shown_by_file_line_and_column_and_nothing_is_stored() {
    let d = desk().await;
    let t = team(&d).await;
    let city = sample::city(60);
    let mut changes = city.changes.clone();
    changes.push_str("900001,新人 太郎,シンジン タロウ,,,K999,未知課,主事,新規採用,2027-04-01\n");
    changes.push_str("900002,新人 花子,シンジン ハナコ,,,K001,課,主事,新規採用,2027-04-31\n");
    let mut org = city.org.clone();
    let first_unit = org.lines().nth(1).unwrap().to_owned();
    org.push_str(&first_unit);
    org.push('\n');
    let page = upload(
        &d,
        &t.admin.cookie,
        &t.admin.csrf,
        changes.as_bytes(),
        org.as_bytes(),
        city.directory.as_bytes(),
    )
    .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    let table = &page.body[page
        .body
        .find("personnel-problems")
        .expect("problems listed")..];
    let org_line = org.lines().count();
    assert!(
        table.contains(&format!(
            "<td>組織表</td><td>{org_line}</td><td>所属コード</td>"
        )),
        "{table}"
    );
    let date_line = changes.lines().count();
    assert!(
        table.contains(&format!(
            "<td>異動ファイル</td><td>{date_line}</td><td>発令日</td>"
        )),
        "{table}"
    );
    assert!(page.body.contains("何も保存していません"));
    assert_eq!(scalar(&d, "SELECT COUNT(*) FROM personnel_plans").await, 0);
    assert_eq!(
        scalar(&d, "SELECT COUNT(*) FROM personnel_plan_items").await,
        0
    );

    // With the organisation table mended, the unknown 所属コード is named on its line.
    let page = upload(
        &d,
        &t.admin.cookie,
        &t.admin.csrf,
        changes.as_bytes(),
        city.org.as_bytes(),
        city.directory.as_bytes(),
    )
    .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let unknown_line = changes.lines().count() - 1;
    assert!(
        page.body.contains(&format!(
            "<td>異動ファイル</td><td>{unknown_line}</td><td>新所属コード</td>"
        )),
        "{}",
        page.body
    );
    assert_eq!(scalar(&d, "SELECT COUNT(*) FROM personnel_plans").await, 0);

    // A missing file is asked for.
    let parts = [
        Part::Field("csrf", t.admin.csrf.as_str()),
        Part::File("changes", "changes.csv", city.changes.as_bytes()),
    ];
    let page = send(
        &d,
        multipart("/operator/personnel/upload", &t.admin.cookie, &parts),
    )
    .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("異動ファイルと組織表を選んでください"));
}

#[tokio::test]
async fn uploads_and_approvals_are_refused_without_the_role_or_the_token() {
    let d = desk().await;
    let t = team(&d).await;
    let city = sample::city(60);
    for who in [&t.operator, &t.viewer] {
        let page = upload(
            &d,
            &who.cookie,
            &who.csrf,
            city.changes.as_bytes(),
            city.org.as_bytes(),
            city.directory.as_bytes(),
        )
        .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    }
    let page = upload(
        &d,
        &t.admin.cookie,
        "forged",
        city.changes.as_bytes(),
        city.org.as_bytes(),
        city.directory.as_bytes(),
    )
    .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(scalar(&d, "SELECT COUNT(*) FROM personnel_plans").await, 0);

    let id = uploaded(&d, &t, &city).await;
    let approve = format!("/operator/personnel/{id}/approve");
    let audit = scalar(&d, "SELECT COUNT(*) FROM audit_log").await;
    for who in [&t.operator, &t.viewer] {
        let page = who.post(&d, &approve, &[("department", "K001")]).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        let page = who
            .post(&d, &format!("/operator/personnel/{id}/apply"), &[])
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    }
    let forged = send(
        &d,
        crate::support::form(
            &approve,
            &t.admin.cookie,
            &[("csrf", "forged"), ("department", "")],
        ),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let bad_kind = t.admin.post(&d, &approve, &[("kind", "rename")]).await;
    assert_eq!(bad_kind.status, StatusCode::BAD_REQUEST);
    let draft = t
        .admin
        .post(&d, &format!("/operator/personnel/{id}/apply"), &[])
        .await;
    assert_eq!(draft.status, StatusCode::BAD_REQUEST);
    assert!(draft.body.contains("まだ承認されていません"));
    assert_eq!(items_in(&d, PlanItemStatus::Approved).await, 0);
    assert_eq!(scalar(&d, "SELECT COUNT(*) FROM audit_log").await, audit);

    // Downloads: operators and admins (audited), not viewers.
    let viewer = t
        .viewer
        .get(&d, &format!("/operator/personnel/{id}/files/plan.csv"))
        .await;
    assert_eq!(viewer.status, StatusCode::FORBIDDEN);
    let unknown = t
        .operator
        .get(&d, &format!("/operator/personnel/{id}/files/secret.txt"))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let csv = t
        .operator
        .get(&d, &format!("/operator/personnel/{id}/files/plan.csv"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with('\u{feff}') && csv.body.contains("職員番号"));
    let ps1 = t
        .operator
        .get(&d, &format!("/operator/personnel/{id}/files/ad_lgwan.ps1"))
        .await;
    assert_eq!(ps1.status, StatusCode::OK);
    assert!(ps1.body.contains("Get-ADUser"));
    let downloads = scalar(
        &d,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'personnel.download'",
    )
    .await;
    assert_eq!(downloads, 2);
}

#[tokio::test]
async fn approval_by_department_and_kind_then_a_run_with_its_progress_and_report() {
    let d = desk().await;
    let t = team(&d).await;
    let city = sample::city(120);
    let expected = prepared(&city);
    let id = uploaded(&d, &t, &city).await;
    let approve = format!("/operator/personnel/{id}/approve");

    // One 所属.
    let k001 = expected
        .items
        .iter()
        .filter(|i| i.department_code.as_deref() == Some("K001"))
        .count();
    let page = t.admin.post(&d, &approve, &[("department", "K001")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(
        page.location.as_deref(),
        Some(format!("/operator/personnel/{id}?approved={k001}").as_str())
    );
    assert_eq!(items_in(&d, PlanItemStatus::Approved).await, k001 as i64);
    let shown = t.admin.get(&d, page.location.as_deref().unwrap()).await;
    assert!(shown
        .body
        .contains(&format!("{k001}件の変更を承認しました")));
    assert!(shown.body.contains("一部承認"));
    let line = row(&shown.body, "data-department=\"K001\"");
    assert!(
        line.contains("<td class=\"proposed\">0</td>") && !line.contains("この所属を承認"),
        "{line}"
    );

    // One kind, everywhere else.
    let disables = expected
        .items
        .iter()
        .filter(|i| i.kind == ChangeKind::Disable && i.department_code.as_deref() != Some("K001"))
        .count();
    let page = t.admin.post(&d, &approve, &[("kind", "disable")]).await;
    assert_eq!(
        page.location.as_deref(),
        Some(format!("/operator/personnel/{id}?approved={disables}").as_str())
    );
    let approved = scalar(
        &d,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'personnel.approve'",
    )
    .await;
    assert_eq!(approved, 2);

    // A run of what is approved, through work orders; the fragment shows it done.
    let page = t
        .admin
        .post(
            &d,
            &format!("/operator/personnel/{id}/apply"),
            &[("only", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let progress = format!("/operator/personnel/{id}/progress");
    let mut fragment = String::new();
    for _ in 0..1000 {
        fragment = t.viewer.get(&d, &progress).await.body;
        if fragment.contains("data-running=\"false\"") && fragment.contains("残り 0件") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let done = k001 + disables;
    assert!(fragment.contains(&format!("完了 {done}件")), "{fragment}");
    assert!(fragment.contains(&format!("未承認 {}件", expected.counts.items - done)));
    assert!(!fragment.contains("<script"));

    // The run report lists every change with its result.
    let report = t
        .operator
        .get(&d, &format!("/operator/personnel/{id}/files/report.csv"))
        .await;
    assert_eq!(report.status, StatusCode::OK);
    assert_eq!(report.body.lines().count(), expected.counts.items + 1);
    assert_eq!(report.body.matches("\"完了\"").count(), done);
    assert!(report.body.contains("作業指示書"));
    let sjis = t
        .operator
        .get(
            &d,
            &format!("/operator/personnel/{id}/files/report-sjis.csv"),
        )
        .await;
    assert_eq!(sjis.status, StatusCode::OK);
    assert_eq!(sjis.headers["content-type"], "text/csv; charset=shift_jis");

    // After the run of the approved part, the rest can still be approved (the plan is
    // 一部承認 again, with its 承認 form), then applied: the plan is 完了.
    let shown = t.admin.get(&d, &format!("/operator/personnel/{id}")).await;
    assert!(shown.body.contains("一部承認"), "{}", shown.body);
    assert!(
        shown.body.contains("id=\"personnel-approve\""),
        "{}",
        shown.body
    );
    let rest = expected.counts.items - done;
    let page = t.admin.post(&d, &approve, &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(
        page.location.as_deref(),
        Some(format!("/operator/personnel/{id}?approved={rest}").as_str())
    );
    let page = t
        .admin
        .post(
            &d,
            &format!("/operator/personnel/{id}/apply"),
            &[("only", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    for _ in 0..1000 {
        fragment = t.viewer.get(&d, &progress).await.body;
        if fragment.contains("data-running=\"false\"") && fragment.contains("残り 0件") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let total = expected.counts.items;
    assert!(fragment.contains(&format!("完了 {total}件")), "{fragment}");
    let shown = t.admin.get(&d, &format!("/operator/personnel/{id}")).await;
    assert!(shown.body.contains("完了"), "{}", shown.body);
    assert!(!shown.body.contains("id=\"personnel-approve\""));
    let status: String = sql("SELECT status FROM personnel_plans WHERE id = $1")
        .bind(id)
        .scalar(&mut d.helpdesk.store().conn())
        .await
        .unwrap();
    assert_eq!(status, "done");
}

#[tokio::test]
async fn a_second_run_is_refused_with_the_reason_while_one_holds_the_plan() {
    let d = desk().await;
    let t = team(&d).await;
    let city = sample::city(60);
    let id = uploaded(&d, &t, &city).await;
    let page = t
        .admin
        .post(&d, &format!("/operator/personnel/{id}/approve"), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    // A run from the command line holds the plan.
    let held = d
        .helpdesk
        .personnel()
        .begin_run(id, &[], false, "cli")
        .await
        .unwrap();
    let shown = t
        .viewer
        .get(&d, &format!("/operator/personnel/{id}/progress"))
        .await;
    assert!(
        shown.body.contains("data-running=\"true\""),
        "{}",
        shown.body
    );
    let audit = scalar(&d, "SELECT COUNT(*) FROM audit_log").await;
    let refused = t
        .admin
        .post(&d, &format!("/operator/personnel/{id}/apply"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("別の適用が実行中です"),
        "{}",
        refused.body
    );
    assert_eq!(scalar(&d, "SELECT COUNT(*) FROM audit_log").await, audit);
    assert_eq!(items_in(&d, PlanItemStatus::Done).await, 0);
    let work_orders = madoguchi::personnel::WorkOrders::default();
    d.helpdesk
        .personnel()
        .run(&held, &work_orders, |_| {})
        .await
        .unwrap();
    let shown = t
        .viewer
        .get(&d, &format!("/operator/personnel/{id}/progress"))
        .await;
    assert!(shown.body.contains("data-running=\"false\"") && shown.body.contains("残り 0件"));
}

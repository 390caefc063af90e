//! The April personnel switch in headless Chromium: an admin uploads the synthetic city's
//! three files, sees the plan grouped by 所属 and by kind, opens a person's changes, goes
//! back and approves one 所属; only that 所属's changes are approved. Screenshot:
//! `console-personnel.png` in the artifacts folder.

use fantoccini::Locator;
use madoguchi::accounts::Role;
use madoguchi::domain::PlanItemStatus;
use madoguchi::personnel::sample;
use madoguchi::storage::sql;

use crate::console::{add_account, sign_in, wait_page};
use crate::driver::artifacts_dir;
use crate::widget::setup;

#[tokio::test]
async fn an_admin_uploads_the_city_reads_a_person_and_approves_one_department() {
    let Some((server, browser)) = setup(1280, 900).await else {
        return;
    };
    let client = &browser.client;
    let helpdesk = &server.helpdesk;
    add_account(helpdesk, "kanri", "管理 三郎", Role::Admin).await;
    let files = tempfile::TempDir::new().unwrap();
    let city = sample::city(120);
    for (name, text) in [
        ("changes.csv", &city.changes),
        ("org.csv", &city.org),
        ("directory.csv", &city.directory),
    ] {
        std::fs::write(files.path().join(name), text).unwrap();
    }

    sign_in(client, &server.base, "kanri").await;
    client
        .find(Locator::LinkText("年度切り替え"))
        .await
        .expect("the nav link")
        .click()
        .await
        .expect("click");
    wait_page(client, "the plans", |h| h.contains("personnel-upload")).await;
    for (id, name) in [
        ("personnel-changes", "changes.csv"),
        ("personnel-org", "org.csv"),
        ("personnel-directory", "directory.csv"),
    ] {
        let path = files.path().join(name);
        client
            .find(Locator::Id(id))
            .await
            .expect("a file field")
            .send_keys(path.to_str().unwrap())
            .await
            .expect("choose the file");
    }
    client
        .find(Locator::Css("#personnel-upload button[type=submit]"))
        .await
        .expect("the button")
        .click()
        .await
        .expect("upload");
    let html = wait_page(client, "the plan", |h| h.contains("personnel-departments")).await;
    assert!(
        html.contains("下書き") && html.contains("data-kind=\"create\""),
        "{html}"
    );
    let prepared = madoguchi::personnel::prepare(
        madoguchi::personnel::InputFiles {
            changes: city.changes.as_bytes(),
            org: city.org.as_bytes(),
            directory: city.directory.as_bytes(),
        },
        &madoguchi::personnel::PlanPolicy::default(),
    )
    .unwrap();
    let codes: std::collections::BTreeSet<_> = prepared
        .items
        .iter()
        .map(|i| i.department_code.clone())
        .collect();
    let departments = html.matches("data-department=\"").count();
    assert_eq!(departments, codes.len(), "grouped by 所属");

    // One person's changes, before → after per system.
    client
        .find(Locator::Css("#personnel-items tbody a"))
        .await
        .expect("a person link")
        .click()
        .await
        .expect("open the person");
    let person = wait_page(client, "the person", |h| h.contains("person-summary")).await;
    assert!(person.contains("data-system=\""), "{person}");
    client
        .find(Locator::LinkText("計画 1"))
        .await
        .expect("back to the plan")
        .click()
        .await
        .expect("back");
    wait_page(client, "the plan again", |h| h.contains("approve-K001")).await;

    client
        .find(Locator::Id("approve-K001"))
        .await
        .expect("the 所属's approve button")
        .click()
        .await
        .expect("approve K001");
    let html = wait_page(client, "approved", |h| h.contains("件の変更を承認しました")).await;
    assert!(html.contains("一部承認"), "{html}");
    assert!(
        !html.contains("id=\"approve-K001\""),
        "K001 has nothing left to approve"
    );
    let look = client
        .execute(
            "return document.querySelector('nav a[aria-current=page]').textContent === '年度切り替え' \
             && document.querySelector('#personnel-progress progress') !== null;",
            Vec::new(),
        )
        .await
        .expect("run a script");
    assert_eq!(look.as_bool(), Some(true), "the nav and the progress bar");
    let shot = client.screenshot().await.expect("screenshot");
    std::fs::write(artifacts_dir().join("console-personnel.png"), shot).expect("write");

    let approved = |inside: bool| {
        let query = if inside {
            "SELECT COUNT(*) FROM personnel_plan_items WHERE status = $1 AND department_code = 'K001'"
        } else {
            "SELECT COUNT(*) FROM personnel_plan_items WHERE status = $1 AND department_code <> 'K001'"
        };
        sql(query).bind(PlanItemStatus::Approved)
    };
    let mut c = helpdesk.store().conn();
    let outside: i64 = approved(false).scalar(&mut c).await.unwrap();
    let inside: i64 = approved(true).scalar(&mut c).await.unwrap();
    assert_eq!(outside, 0, "nothing outside K001");
    assert!(inside > 0, "K001 approved");
}

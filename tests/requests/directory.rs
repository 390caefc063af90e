//! Account steps carried out by the LGWAN接続系 Active Directory itself
//! (`[requests.directory.lgwan]`), against a real Samba AD DC (started once for this
//! binary, on 127.0.0.2): an account created (514), its password set and enabled (512)
//! and added to its 所属's group; moved to another 所属; disabled and moved away. The
//! change is shown as a dry run before approval. A directory that refuses leaves the
//! request 失敗 with its message, and the retry does not repeat what was done. Skipped with
//! a notice without Samba (`MADOGUCHI_REQUIRE_SAMBA=1` makes that a failure).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use ldap3::{Ldap, Scope, SearchEntry};
use madoguchi::calendar::BusinessCalendar;
use madoguchi::config::{NetworkDirectory, Secret};
use madoguchi::domain::{Network, RequestAction, RequestStatus, StepStatus};
use madoguchi::outbox::Wakeup;
use madoguchi::requests::ad_script::AdTarget;
use madoguchi::requests::{AccountOp, AccountWriter, Catalogue, Requests, Sentences, WriterFuture};
use madoguchi::storage::request_directory;
use madoguchi::storage::StaffMember;
use serde_json::{json, Map, Value};

use axum::http::StatusCode;

use crate::console_support::Browser;
use crate::helpers::Desk;
use crate::samba;
use crate::support::{self, admin, operator, request_desk_with, submission, ADMIN, OPERATOR};

/// Settings for the test DC, with OUs of the test's own (`tag`), so that the tests of
/// this binary can share the DC.
fn lgwan(url: &str, tag: &str) -> NetworkDirectory {
    NetworkDirectory {
        url: url.into(),
        bind_dn: samba::ADMIN.into(),
        password: Secret(samba::PASSWORD.into()),
        users_ou: format!("OU=職員,OU={tag},DC=city,DC=test"),
        disabled_ou: format!("OU=無効,OU={tag},DC=city,DC=test"),
        groups_ou: format!("OU=グループ,OU={tag},DC=city,DC=test"),
        upn_suffix: "city.test".into(),
        tls_no_verify: true,
        timeout_secs: 10,
    }
}

/// A desk writing LGWAN account steps into the DC, with `staff` in its directory.
async fn desk(url: &str, tag: &str, staff: &[(&str, &str)]) -> Desk {
    let settings = lgwan(url, tag);
    let d = request_desk_with(|s| s.requests.directory.lgwan = Some(settings)).await;
    let mut members = vec![member("10001", "沼津 太郎", "ICT推進課")];
    for (no, department) in staff {
        members.push(member(no, &format!("職員 {no}"), department));
    }
    d.helpdesk.store().replace_staff(&members).await.unwrap();
    d
}

fn member(no: &str, name: &str, department: &str) -> StaffMember {
    StaffMember {
        employee_no: no.into(),
        name: name.into(),
        department: department.into(),
        email: None,
        extension: None,
        logochat_id: None,
    }
}

fn fields(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

/// Creates the OU `OU=<tag>` with the group `CN=<name>` in its group OU.
async fn group(ldap: &mut Ldap, tag: &str, name: &str) {
    for (dn, ou) in [
        (format!("OU={tag},DC=city,DC=test"), tag),
        (format!("OU=グループ,OU={tag},DC=city,DC=test"), "グループ"),
    ] {
        let attrs = vec![
            ("objectClass", HashSet::from(["organizationalUnit"])),
            ("ou", HashSet::from([ou])),
        ];
        let _ = ldap.add(&dn, attrs).await;
    }
    let dn = format!("CN={name},OU=グループ,OU={tag},DC=city,DC=test");
    let account = format!("g-{tag}-{name}");
    let attrs = vec![
        ("objectClass", HashSet::from(["group"])),
        ("sAMAccountName", HashSet::from([account.as_str()])),
    ];
    ldap.add(&dn, attrs).await.unwrap().success().unwrap();
}

/// The account with 職員番号 `no`: its DN and the attributes the steps write.
async fn account(ldap: &mut Ldap, no: &str) -> Option<SearchEntry> {
    let filter = format!("(&(objectClass=user)(employeeNumber={no}))");
    let attrs = vec![
        "sAMAccountName",
        "userPrincipalName",
        "department",
        "userAccountControl",
        "memberOf",
        "pwdLastSet",
    ];
    let (found, _) = ldap
        .search(samba::BASE, Scope::Subtree, &filter, attrs)
        .await
        .unwrap()
        .success()
        .unwrap();
    found.into_iter().next().map(SearchEntry::construct)
}

fn attr<'a>(e: &'a SearchEntry, name: &str) -> &'a str {
    e.attrs
        .get(name)
        .and_then(|v| v.first())
        .map(String::as_str)
        .unwrap_or("")
}

/// Submits and approves a request of `kind` for the LGWAN directory; its id.
async fn approved(d: &Desk, kind: &str, answers: Value) -> i64 {
    support::approved(d, submission(kind, fields(answers))).await
}

/// Submits, approves and starts a request of `kind` for the LGWAN directory.
async fn run(d: &Desk, kind: &str, answers: Value) -> i64 {
    let requests = d.helpdesk.requests();
    let id = approved(d, kind, answers).await;
    let row = requests
        .act(id, operator(), RequestAction::Start, None, None, None)
        .await
        .unwrap();
    assert_eq!(
        row.status,
        RequestStatus::InProgress,
        "{kind}: {:?}",
        row.reason
    );
    id
}

fn new_account(no: &str, login: &str) -> Value {
    json!({"staff": no, "network": "lgwan", "login": login, "start_date": "2026-12-01"})
}

#[tokio::test]
async fn requests_create_enable_move_group_and_disable_an_account_in_the_dc() {
    let Some(dc) = samba::dc("127.0.0.2").await else {
        return;
    };
    let mut ldap = samba::connect(dc).await.unwrap();
    let tag = "申請A";
    group(&mut ldap, tag, "財政課").await;
    let d = desk(&dc.url, tag, &[("30001", "財政課"), ("30009", "税務課")]).await;
    let requests = d.helpdesk.requests();

    // The dry run, before approval: what the directory will be asked, nothing done.
    let row = requests
        .submit(submission(
            "ad-account-add",
            fields(new_account("30001", "zaisei.ichiro")),
        ))
        .await
        .unwrap();
    let plan = requests.directory_plan(&row).await.unwrap();
    let ops: Vec<&str> = plan.iter().map(|p| p.op.key()).collect();
    assert_eq!(ops, ["create", "group", "password", "enable"]);
    assert!(plan.iter().all(|p| p.done.is_none()));
    assert!(
        plan[0].preview.contains("sAMAccountName=zaisei.ichiro")
            && plan[0]
                .preview
                .contains("userPrincipalName=zaisei.ichiro@city.test")
            && plan[0].preview.contains("employeeNumber=30001")
            && plan[0].preview.contains("userAccountControl=514")
            && plan[0]
                .preview
                .contains("OU=財政課,OU=職員,OU=申請A,DC=city,DC=test"),
        "{}",
        plan[0].preview
    );
    assert!(
        account(&mut ldap, "30001").await.is_none(),
        "a dry run wrote"
    );

    // Approved and started: created, in its group, password set, enabled.
    let id = row.id;
    requests
        .act(id, admin(ADMIN), RequestAction::Approve, None, None, None)
        .await
        .unwrap();
    let row = requests
        .act(id, operator(), RequestAction::Start, None, None, None)
        .await
        .unwrap();
    assert_eq!(row.status, RequestStatus::InProgress, "{:?}", row.reason);
    let e = account(&mut ldap, "30001").await.expect("created");
    assert_eq!(e.dn, "CN=30001,OU=財政課,OU=職員,OU=申請A,DC=city,DC=test");
    assert_eq!(attr(&e, "sAMAccountName"), "zaisei.ichiro");
    assert_eq!(attr(&e, "userPrincipalName"), "zaisei.ichiro@city.test");
    assert_eq!(attr(&e, "department"), "財政課");
    assert_eq!(attr(&e, "userAccountControl"), "512");
    assert_eq!(attr(&e, "pwdLastSet"), "0", "the password must be changed");
    assert!(
        attr(&e, "memberOf").starts_with("CN=財政課,OU=グループ"),
        "{e:?}"
    );
    assert!(
        requests.take_initial_passwords(id, ADMIN).is_empty(),
        "only to the operator who ran it"
    );
    let passwords = requests.take_initial_passwords(id, OPERATOR);
    assert_eq!(passwords.len(), 1);
    assert_eq!(passwords[0].0, Network::Lgwan);
    assert!(
        requests.take_initial_passwords(id, OPERATOR).is_empty(),
        "shown once"
    );
    let view = requests.view(id, ADMIN).await.unwrap();
    let statuses: Vec<StepStatus> = view.steps.iter().map(|s| s.status).collect();
    assert_eq!(statuses, [StepStatus::Done; 3]);
    assert!(view.steps[0]
        .note
        .as_deref()
        .unwrap()
        .contains("作成 CN=30001"));

    // Moved to another 所属 (and its department attribute changed).
    run(
        &d,
        "ad-account-change",
        json!({"staff": "30001", "network": "lgwan", "change": "所属",
               "new_value": "税務課", "department": "税務課", "date": "2026-12-01"}),
    )
    .await;
    let e = account(&mut ldap, "30001").await.unwrap();
    assert_eq!(e.dn, "CN=30001,OU=税務課,OU=職員,OU=申請A,DC=city,DC=test");
    assert_eq!(attr(&e, "department"), "税務課");

    // Disabled and moved to the OU for disabled accounts.
    run(
        &d,
        "ad-account-disable",
        json!({"staff": "30001", "network": "lgwan", "operation": "利用停止",
               "date": "2026-12-01"}),
    )
    .await;
    let e = account(&mut ldap, "30001").await.unwrap();
    assert_eq!(e.dn, "CN=30001,OU=無効,OU=申請A,DC=city,DC=test");
    assert_eq!(attr(&e, "userAccountControl"), "514");
}

/// 着手 in the console: its answer itself shows the initial password, once (with several
/// instances of the helpdesk, a redirect could be served by one that never held it).
#[tokio::test]
async fn the_console_shows_the_initial_password_in_its_answer_to_starting() {
    let Some(dc) = samba::dc("127.0.0.2").await else {
        return;
    };
    let mut ldap = samba::connect(dc).await.unwrap();
    let tag = "申請C";
    group(&mut ldap, tag, "財政課").await;
    let d = desk(&dc.url, tag, &[("30003", "財政課")]).await;
    let requests = d.helpdesk.requests();
    let id = approved(&d, "ad-account-add", new_account("30003", "zaisei.saburo")).await;
    let op = Browser::sign_in(&d, OPERATOR).await;
    let version = op
        .get(&d, &format!("/operator/requests/{id}"))
        .await
        .hidden("version");
    let started = op
        .post(
            &d,
            &format!("/operator/requests/{id}/start"),
            &[("version", &version)],
        )
        .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    let shown = started
        .body
        .split("id=\"initial-passwords\"")
        .nth(1)
        .and_then(|rest| rest.split("<code>").nth(1))
        .and_then(|rest| rest.split("</code>").next())
        .unwrap_or_else(|| panic!("no initial password: {}", started.body));
    assert!(shown.chars().count() >= 12, "{shown}");
    assert!(account(&mut ldap, "30003").await.is_some());
    // Shown once: neither the page nor the memory holds it any more.
    let again = op.get(&d, &format!("/operator/requests/{id}")).await;
    assert!(!again.body.contains("initial-passwords"), "{}", again.body);
    assert!(!again.body.contains(shown));
    assert!(requests.take_initial_passwords(id, OPERATOR).is_empty());
    // Showing them was audited.
    let shown: i64 = madoguchi::storage::sql(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'request.passwords_shown'",
    )
    .scalar(&mut d.helpdesk.store().conn())
    .await
    .unwrap();
    assert_eq!(shown, 1);
}

#[tokio::test]
async fn a_refusal_leaves_the_request_failed_and_the_retry_does_not_repeat_what_was_done() {
    let Some(dc) = samba::dc("127.0.0.2").await else {
        return;
    };
    let mut ldap = samba::connect(dc).await.unwrap();
    let tag = "申請B";
    // The 所属's group is missing: the directory refuses the second step.
    group(&mut ldap, tag, "別の課").await;
    let d = desk(&dc.url, tag, &[("30002", "財政課")]).await;
    let requests = d.helpdesk.requests();
    let id = approved(&d, "ad-account-add", new_account("30002", "zaisei.jiro")).await;
    let row = requests
        .act(id, operator(), RequestAction::Start, None, None, None)
        .await
        .unwrap();
    assert_eq!(row.status, RequestStatus::Failed);
    let reason = row.reason.clone().unwrap();
    assert!(reason.contains("noSuchObject"), "{reason}");
    assert!(reason.contains("LGWAN接続系、手順2"), "{reason}");
    let view = requests.view(id, ADMIN).await.unwrap();
    assert_eq!(view.steps[0].status, StepStatus::Done);
    assert_eq!(view.steps[1].status, StepStatus::Failed);
    assert_eq!(view.steps[2].status, StepStatus::Pending);
    assert_eq!(
        view.events.last().unwrap().action,
        RequestAction::Fail,
        "the failure is in the history"
    );
    let e = account(&mut ldap, "30002").await.expect("step 1 was done");
    assert_eq!(attr(&e, "userAccountControl"), "514");
    let first = request_directory::results(&mut d.helpdesk.store().conn(), id)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);

    // The group is made; the retry does the rest and leaves the create as it was.
    group(&mut ldap, tag, "財政課").await;
    let row = requests
        .act(id, operator(), RequestAction::Start, None, None, None)
        .await
        .unwrap();
    assert_eq!(row.status, RequestStatus::InProgress, "{:?}", row.reason);
    let after = request_directory::results(&mut d.helpdesk.store().conn(), id)
        .await
        .unwrap();
    let mut ops: Vec<&str> = after.iter().map(|r| r.operation.as_str()).collect();
    ops.sort_unstable();
    assert_eq!(ops, ["create", "enable", "group", "password"]);
    let create = after.iter().find(|r| r.operation == "create").unwrap();
    assert_eq!(
        *create, first[0],
        "the create of the first run, not another"
    );
    let e = account(&mut ldap, "30002").await.unwrap();
    assert_eq!(attr(&e, "userAccountControl"), "512");
    assert!(attr(&e, "memberOf").starts_with("CN=財政課"), "{e:?}");
    let steps = requests.view(id, ADMIN).await.unwrap().steps;
    assert!(
        steps.iter().all(|s| s.status == StepStatus::Done),
        "{steps:?}"
    );
}

/// A directory that refuses the operations named until told otherwise, counting what it
/// is asked; with a gate, each operation waits until the gate lets it go.
#[derive(Default)]
struct Fake {
    refuse: Mutex<Vec<&'static str>>,
    asked: Mutex<Vec<&'static str>>,
    gate: Option<tokio::sync::Semaphore>,
}

impl AccountWriter for Fake {
    fn handles(&self, network: Network) -> bool {
        network == Network::Lgwan
    }

    fn preview(&self, _: Network, target: &AdTarget, op: &AccountOp) -> String {
        format!("{} {}", op.key(), target.employee_no)
    }

    fn perform<'a>(
        &'a self,
        _: Network,
        _: &'a AdTarget,
        op: &'a AccountOp,
        _: Option<&'a str>,
    ) -> WriterFuture<'a, String> {
        Box::pin(async move {
            self.asked.lock().unwrap().push(op.key());
            if let Some(gate) = &self.gate {
                gate.acquire().await.expect("open").forget();
            }
            if self.refuse.lock().unwrap().contains(&op.key()) {
                return Err("rc=50 (insufficientAccessRights)".into());
            }
            Ok(format!("{} done", op.key()))
        })
    }
}

#[tokio::test]
async fn on_every_backend_a_retry_asks_the_directory_only_for_what_is_not_done() {
    for db in crate::db::backends().await {
        let d = request_desk_with(|s| s.database_url = Some(db.url.clone())).await;
        let fake = Arc::new(Fake::default());
        fake.refuse.lock().unwrap().push("password");
        let settings = d.helpdesk.settings();
        let requests = Requests::new(
            d.helpdesk.store().clone(),
            Catalogue::load(&settings.requests.dir).unwrap(),
            Sentences::load(&settings.prompts_dir).unwrap(),
            Arc::new(BusinessCalendar::new(&settings.calendar).unwrap()),
            Wakeup::default(),
        )
        .with_directory(fake.clone());
        // Only the LGWAN part goes to the directory; the internet part stays manual.
        let mut answers = crate::support::account_fields();
        answers.insert("network".into(), json!(["lgwan"]));
        let row = requests
            .submit(submission("ad-account-add", answers))
            .await
            .unwrap();
        let id = row.id;
        requests
            .act(id, admin(ADMIN), RequestAction::Approve, None, None, None)
            .await
            .unwrap();
        let row = requests
            .act(id, operator(), RequestAction::Start, None, None, None)
            .await
            .unwrap();
        assert_eq!(row.status, RequestStatus::Failed);
        assert!(row.reason.unwrap().contains("insufficientAccessRights"));
        assert_eq!(*fake.asked.lock().unwrap(), ["create", "group", "password"]);
        fake.refuse.lock().unwrap().clear();
        let row = requests
            .act(id, operator(), RequestAction::Start, None, None, None)
            .await
            .unwrap();
        assert_eq!(row.status, RequestStatus::InProgress);
        assert_eq!(
            *fake.asked.lock().unwrap(),
            ["create", "group", "password", "password", "enable"]
        );
        let steps = requests.view(id, ADMIN).await.unwrap().steps;
        assert!(steps.iter().all(|s| s.status == StepStatus::Done));
        assert_eq!(requests.take_initial_passwords(id, OPERATOR).len(), 1);
    }
}

#[tokio::test]
async fn on_every_backend_fail_and_complete_wait_for_a_directory_run_in_progress() {
    for db in crate::db::backends().await {
        let d = request_desk_with(|s| s.database_url = Some(db.url.clone())).await;
        let slow = Arc::new(Fake {
            gate: Some(tokio::sync::Semaphore::new(0)),
            ..Fake::default()
        });
        let settings = d.helpdesk.settings();
        let requests = Arc::new(
            Requests::new(
                d.helpdesk.store().clone(),
                Catalogue::load(&settings.requests.dir).unwrap(),
                Sentences::load(&settings.prompts_dir).unwrap(),
                Arc::new(BusinessCalendar::new(&settings.calendar).unwrap()),
                Wakeup::default(),
            )
            .with_directory(slow.clone()),
        );
        let mut answers = crate::support::account_fields();
        answers.insert("network".into(), json!(["lgwan"]));
        let id = requests
            .submit(submission("ad-account-add", answers))
            .await
            .unwrap()
            .id;
        requests
            .act(id, admin(ADMIN), RequestAction::Approve, None, None, None)
            .await
            .unwrap();
        let started = tokio::spawn({
            let requests = requests.clone();
            async move {
                requests
                    .act(id, operator(), RequestAction::Start, None, None, None)
                    .await
            }
        });
        // The run is at the directory's first operation.
        for _ in 0..500 {
            if !slow.asked.lock().unwrap().is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(*slow.asked.lock().unwrap(), ["create"]);
        // Another operator's 失敗 (then 作業開始 again: a second run) and 完了 wait.
        for (action, reason) in [
            (RequestAction::Fail, Some("止まっているように見える")),
            (RequestAction::Complete, None),
        ] {
            let refused = requests
                .act(id, support::operator(), action, reason, None, None)
                .await;
            let Err(madoguchi::requests::RequestError::Invalid(message)) = refused else {
                panic!("{action}: {refused:?}");
            };
            assert!(message.contains("進行中"), "{message}");
        }
        slow.gate.as_ref().unwrap().add_permits(100);
        let row = started.await.unwrap().unwrap();
        assert_eq!(row.status, RequestStatus::InProgress);
        assert_eq!(
            *slow.asked.lock().unwrap(),
            ["create", "group", "password", "enable"],
            "each operation once"
        );
        let row = requests
            .act(id, operator(), RequestAction::Complete, None, None, None)
            .await
            .unwrap();
        assert_eq!(row.status, RequestStatus::Done);
    }
}

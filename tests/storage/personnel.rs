//! The personnel switch on every backend: a plan is stored in one go with its audit row,
//! a bad file stores nothing, approval by 所属 and by kind moves only those items.

use madoguchi::domain::{AccountSystem, ChangeKind, PlanItemStatus, PlanStatus};
use madoguchi::personnel::{
    sample, AccountDirectory, ApprovalScope, DirectoryFuture, InputFiles, Personnel,
    PersonnelError, PlanPolicy, Prepared, WorkOrders,
};
use madoguchi::storage::personnel_plans::ItemRow;
use madoguchi::storage::{sql, Store};

use crate::db::backends;

async fn count(store: &Store, table: &'static str) -> i64 {
    let statement = match table {
        "plans" => sql("SELECT COUNT(*) FROM personnel_plans"),
        "items" => sql("SELECT COUNT(*) FROM personnel_plan_items"),
        _ => sql("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'personnel.%'"),
    };
    statement.scalar(&mut store.conn()).await.unwrap()
}

async fn plan(personnel: &Personnel, city: &sample::SampleCity) -> (i64, Prepared) {
    let files = InputFiles {
        changes: city.changes.as_bytes(),
        org: city.org.as_bytes(),
        directory: city.directory.as_bytes(),
    };
    personnel
        .create_plan("changes.csv", files, "人事担当")
        .await
        .unwrap()
}

fn status(counts: &[(PlanItemStatus, i64)], status: PlanItemStatus) -> i64 {
    counts
        .iter()
        .find(|(s, _)| *s == status)
        .map_or(0, |(_, n)| *n)
}

#[tokio::test]
async fn a_plan_is_stored_whole_and_approved_in_parts() {
    let city = sample::city(300);
    for db in backends().await {
        let personnel = Personnel::new(db.store.clone(), PlanPolicy::default());
        let (id, prepared) = plan(&personnel, &city).await;
        let stored = personnel.plan(id).await.unwrap();
        assert_eq!(stored.plan.status, PlanStatus::Draft);
        assert_eq!(stored.items.len(), prepared.items.len());
        assert_eq!(stored.plan.people as usize, prepared.changes.len());
        let first = &stored.items[0];
        assert_eq!(
            (first.seq, first.employee_no.as_str()),
            (1, prepared.items[0].employee_no.as_str())
        );
        assert_eq!(count(&db.store, "audit").await, 1);

        // One 所属 first, only its new accounts; then every kind of it.
        let k001 = |kinds: Vec<ChangeKind>| ApprovalScope {
            department_codes: vec!["K001".into()],
            kinds,
        };
        let in_k001 = stored
            .items
            .iter()
            .filter(|i| i.department_code.as_deref() == Some("K001"))
            .count() as u64;
        let creates = stored
            .items
            .iter()
            .filter(|i| {
                i.department_code.as_deref() == Some("K001") && i.kind == ChangeKind::Create
            })
            .count() as u64;
        assert!(creates > 0 && in_k001 > creates);
        let approved = personnel
            .approve(id, &k001(vec![ChangeKind::Create]), "管理者")
            .await
            .unwrap();
        assert_eq!(approved, creates);
        let approved = personnel
            .approve(id, &k001(vec![]), "管理者")
            .await
            .unwrap();
        assert_eq!(approved, in_k001 - creates);
        let progress = personnel.status(id).await.unwrap();
        assert_eq!(progress.plan.status, PlanStatus::PartlyApproved);
        assert_eq!(
            status(&progress.counts, PlanItemStatus::Approved),
            in_k001 as i64
        );

        // The rest, then nothing is left to approve and a second approval is refused.
        personnel
            .approve(id, &ApprovalScope::all(), "管理者")
            .await
            .unwrap();
        let progress = personnel.status(id).await.unwrap();
        assert_eq!(progress.plan.status, PlanStatus::Approved);
        assert_eq!(status(&progress.counts, PlanItemStatus::Proposed), 0);
        let again = personnel.approve(id, &ApprovalScope::all(), "管理者").await;
        assert!(
            matches!(again, Err(PersonnelError::NotAllowed(_))),
            "{again:?}"
        );
        assert_eq!(count(&db.store, "audit").await, 4);
    }
}

#[tokio::test]
async fn a_file_with_a_problem_stores_nothing() {
    let city = sample::city(120);
    let bad = city.changes.replacen("2027-04-01", "2027-13-01", 1);
    for db in backends().await {
        let personnel = Personnel::new(db.store.clone(), PlanPolicy::default());
        let files = InputFiles {
            changes: bad.as_bytes(),
            org: city.org.as_bytes(),
            directory: city.directory.as_bytes(),
        };
        let refused = personnel
            .create_plan("changes.csv", files, "人事担当")
            .await;
        let Err(PersonnelError::Problems(problems)) = refused else {
            panic!("a bad date must be refused: {refused:?}");
        };
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].problem.line, 2);
        assert_eq!(problems[0].problem.column, Some("発令日"));
        assert_eq!(count(&db.store, "plans").await, 0);
        assert_eq!(count(&db.store, "items").await, 0);
        assert_eq!(count(&db.store, "audit").await, 0);
        assert!(matches!(
            personnel.status(1).await,
            Err(PersonnelError::NoPlan(1))
        ));
    }
}

#[tokio::test]
async fn on_the_effective_date_the_staff_directory_follows_the_plan() {
    let city = sample::city(120);
    for db in backends().await {
        let personnel = Personnel::new(db.store.clone(), PlanPolicy::default());
        let directory = madoguchi::directory::Directory::new(db.store.clone());
        // i = 1 (100002) works in K002 and moves to K001; i = 3 (100004) retires.
        let staff = "職員番号,氏名,所属\n100002,沼津 太郎,政策企画課\n100004,鈴木 花子,総務課\n";
        directory
            .import_csv(staff.as_bytes(), false, "test")
            .await
            .unwrap();
        let (id, _) = plan(&personnel, &city).await;

        // 2027-03-31 23:00 JST: not yet.
        db.clock.set("2027-03-31T14:00:00Z".parse().unwrap());
        let update = personnel.update_staff(id, "test").await.unwrap();
        assert_eq!((update.assigned, update.removed), (0, 0));
        let mover = directory.by_employee_no("100002").await.unwrap().unwrap();
        assert_eq!(mover.department, "政策企画課");

        // 2027-04-01 00:00 JST: the new 所属, the new hire, the retiree gone.
        db.clock.set("2027-03-31T15:00:00Z".parse().unwrap());
        let update = personnel.update_staff(id, "test").await.unwrap();
        // Retired: i = 3, 53, 103.
        assert!(update.assigned > 0 && update.removed == 3, "{update:?}");
        let mover = directory.by_employee_no("100002").await.unwrap().unwrap();
        assert_eq!(mover.department, "秘書広報課");
        assert!(directory.by_employee_no("100004").await.unwrap().is_none());
        let hired = directory.by_employee_no("200001").await.unwrap().unwrap();
        assert_eq!(hired.department, "秘書広報課");
        // Once only.
        let again = personnel.update_staff(id, "test").await.unwrap();
        assert_eq!((again.assigned, again.removed), (0, 0));
    }
}

/// A directory that refuses every change of one person on the first try.
struct Flaky {
    refuse: String,
    tried: std::sync::Mutex<std::collections::HashSet<i64>>,
}

impl AccountDirectory for Flaky {
    fn handles(&self, _system: AccountSystem) -> bool {
        true
    }

    fn shows<'a>(&'a self, _item: &'a ItemRow) -> DirectoryFuture<'a, bool> {
        Box::pin(async { Ok(false) })
    }

    fn apply<'a>(&'a self, item: &'a ItemRow) -> DirectoryFuture<'a, String> {
        let first = self.tried.lock().unwrap().insert(item.id);
        let refuse = first && item.employee_no == self.refuse;
        Box::pin(async move {
            if refuse {
                Err("directory down".to_owned())
            } else {
                Ok("done".to_owned())
            }
        })
    }
}

#[tokio::test]
async fn a_failed_item_does_not_stop_the_others_and_is_retried() {
    let city = sample::city(120);
    for db in backends().await {
        let personnel = Personnel::new(db.store.clone(), PlanPolicy::default());
        let (id, prepared) = plan(&personnel, &city).await;
        let refused = prepared
            .items
            .iter()
            .filter(|i| i.employee_no == "100004")
            .count();
        assert!(refused > 0);
        let flaky = Flaky {
            refuse: "100004".into(),
            tried: Default::default(),
        };
        let early = personnel.apply(id, &[], &flaky, "test", |_| {}).await;
        assert!(
            matches!(early, Err(PersonnelError::NotAllowed(_))),
            "a draft is not applied"
        );
        personnel
            .approve(id, &ApprovalScope::all(), "管理者")
            .await
            .unwrap();
        let mut seen = Vec::new();
        let run = personnel
            .apply(id, &[], &flaky, "test", |p| seen.push(p))
            .await
            .unwrap();
        assert_eq!(run.failed, refused);
        assert_eq!(run.done, prepared.items.len() - refused);
        assert_eq!(seen.len(), prepared.items.len() + 1);
        assert_eq!(seen.last().unwrap().left, 0);
        let progress = personnel.status(id).await.unwrap();
        assert_eq!(progress.plan.status, PlanStatus::Applying);
        assert_eq!(
            status(&progress.counts, PlanItemStatus::Failed),
            refused as i64
        );

        let retry = personnel
            .apply(id, &[], &flaky, "test", |_| {})
            .await
            .unwrap();
        assert_eq!((retry.done, retry.failed), (refused, 0));
        let progress = personnel.status(id).await.unwrap();
        assert_eq!(progress.plan.status, PlanStatus::Done);
        let stored = personnel.plan(id).await.unwrap();
        let retried = stored
            .items
            .iter()
            .find(|i| i.employee_no == "100004")
            .unwrap();
        assert_eq!((retried.attempts, retried.error.as_deref()), (2, None));
    }
}

#[tokio::test]
async fn the_devices_of_staff_who_move_go_to_the_new_department_or_come_back() {
    use madoguchi::domain::{ChangeReason, DeviceMoveKind};
    use madoguchi::ledgers::DeviceSpec;
    let city = sample::city(300);
    for db in backends().await {
        let personnel = Personnel::new(db.store.clone(), PlanPolicy::default());
        let (id, prepared) = plan(&personnel, &city).await;
        let of = |reason: ChangeReason| {
            prepared
                .changes
                .iter()
                .filter(move |c| c.reason == reason && c.old_code.is_some())
        };
        let moved = of(ChangeReason::Transfer)
            .find(|c| c.old_code != c.new_code)
            .unwrap();
        let retiring = of(ChangeReason::Retirement).next().unwrap();
        let hired = prepared
            .changes
            .iter()
            .find(|c| c.reason == ChangeReason::NewHire)
            .unwrap();
        let people = [moved, retiring, hired];
        let staff: Vec<_> = people
            .iter()
            .map(|c| crate::equipment::member(&c.employee_no, &c.name, "旧所属"))
            .collect();
        db.store.replace_staff(&staff).await.unwrap();
        let ledgers = crate::equipment::ledgers(&db.store);
        // The mover has a PC in the old 所属 and a tablet already in the new one; the
        // retiree a PC; the new hire a phone lent before the 発令日; someone else a PC.
        for (asset, person, code) in [
            ("PC-1", Some(moved), moved.old_code.clone()),
            ("TAB-1", Some(moved), moved.new_code.clone()),
            ("PC-2", Some(retiring), retiring.old_code.clone()),
            ("PHONE-1", Some(hired), hired.new_code.clone()),
            ("PC-3", None, Some("K001".into())),
        ] {
            let spec = DeviceSpec {
                asset: asset.into(),
                kind: if asset.starts_with("TAB") {
                    "タブレット"
                } else if asset.starts_with("PHONE") {
                    "携帯電話"
                } else {
                    "PC"
                }
                .into(),
                department_code: code,
                person: person.map(|c| c.employee_no.clone()),
                ..DeviceSpec::default()
            };
            ledgers.register_device(&spec, None, "op").await.unwrap();
        }

        let moves = personnel.device_moves(id).await.unwrap();
        let got: Vec<_> = moves
            .iter()
            .map(|m| {
                (
                    m.asset_no.as_str(),
                    m.employee_no.as_str(),
                    m.action,
                    m.to_code.clone(),
                )
            })
            .collect();
        let mut expected = vec![
            (
                "PC-1",
                moved.employee_no.as_str(),
                DeviceMoveKind::Relocate,
                moved.new_code.clone(),
            ),
            (
                "PC-2",
                retiring.employee_no.as_str(),
                DeviceMoveKind::Collect,
                None,
            ),
        ];
        expected.sort_by(|a, b| (a.1, a.0).cmp(&(b.1, b.0)));
        assert_eq!(got, expected);
        assert!(matches!(
            personnel.device_moves(id + 1000).await,
            Err(PersonnelError::NoPlan(_))
        ));

        let csv = madoguchi::personnel::devices::devices_file(
            &moves,
            madoguchi::spreadsheet::SpreadsheetEncoding::Utf8,
        )
        .unwrap();
        let text = String::from_utf8(csv).unwrap();
        assert!(text.contains("資産番号"), "{text}");
        assert!(text.contains("\"移設\""), "{text}");
        assert!(text.contains("\"回収\""), "{text}");
    }
}

#[tokio::test]
async fn one_run_holds_a_plan_at_a_time() {
    let city = sample::city(60);
    for db in backends().await {
        let personnel = Personnel::new(db.store.clone(), PlanPolicy::default());
        let (id, prepared) = plan(&personnel, &city).await;
        personnel
            .approve(id, &ApprovalScope::all(), "管理者")
            .await
            .unwrap();
        let work_orders = WorkOrders::default();

        // Two runs asking at once: exactly one gets the plan.
        let (a, b) = tokio::join!(
            personnel.begin_run(id, &[], false, "一"),
            personnel.begin_run(id, &[], false, "二")
        );
        assert!(a.is_ok() != b.is_ok(), "one of two: {a:?} {b:?}");
        let first = a.or(b).unwrap();

        // Another run is refused with the reason, and changes nothing.
        let audit = count(&db.store, "audit").await;
        let refused = personnel.apply(id, &[], &work_orders, "三", |_| {}).await;
        match refused {
            Err(e @ PersonnelError::Running(_)) => {
                assert!(e.to_string().contains("別の適用が実行中"), "{e}")
            }
            other => panic!("a second run went ahead: {other:?}"),
        }
        assert_eq!(count(&db.store, "audit").await, audit);
        let progress = personnel.status(id).await.unwrap();
        let approved = status(&progress.counts, PlanItemStatus::Approved);
        assert_eq!(approved as usize, prepared.items.len(), "no item moved");

        // The holder runs and lets go; the next run may start.
        let done = personnel.run(&first, &work_orders, |_| {}).await.unwrap();
        assert_eq!(done.done, prepared.items.len());
        let stopped = personnel.begin_run(id, &[], false, "四").await.unwrap();

        // A run that stopped without letting go holds the plan until its lease runs out.
        assert!(matches!(
            personnel.begin_run(id, &[], false, "五").await,
            Err(PersonnelError::Running(_))
        ));
        let lease = chrono::Duration::minutes(madoguchi::personnel::RUN_LEASE_MINUTES);
        db.clock
            .set(db.store.now() + lease + chrono::Duration::seconds(1));
        let after = personnel.begin_run(id, &[], false, "五").await.unwrap();
        // ... or is taken over on purpose at once.
        personnel.begin_run(id, &[], true, "六").await.unwrap();
        // The runs that lost the plan let go of nothing.
        personnel.run(&stopped, &work_orders, |_| {}).await.unwrap();
        personnel.run(&after, &work_orders, |_| {}).await.unwrap();
        assert!(matches!(
            personnel.begin_run(id, &[], false, "七").await,
            Err(PersonnelError::Running(_))
        ));
    }
}

#[tokio::test]
async fn the_run_report_lists_every_change_with_its_result_in_csv_and_pdf() {
    let city = sample::city(60);
    let db = backends().await.next().expect("SQLite");
    let font = std::path::PathBuf::from(madoguchi::config::DEFAULT_FONT);
    let personnel = Personnel::new(db.store.clone(), PlanPolicy::default()).with_font(font.clone());
    let (id, prepared) = plan(&personnel, &city).await;
    personnel
        .approve(id, &ApprovalScope::all(), "管理者")
        .await
        .unwrap();
    let refuse = prepared.items[0].employee_no.clone();
    let flaky = Flaky {
        refuse: refuse.clone(),
        tried: Default::default(),
    };
    let run = personnel
        .apply(id, &[], &flaky, "test", |_| {})
        .await
        .unwrap();
    assert!(run.failed > 0 && run.done > 0);

    let csv = personnel.download(id, "report.csv", "監査").await.unwrap();
    let text = String::from_utf8(csv.bytes).unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert_eq!(text.lines().count(), prepared.items.len() + 1);
    let failed: Vec<&str> = text.lines().filter(|l| l.contains("\"失敗\"")).collect();
    assert_eq!(failed.len(), run.failed);
    assert!(failed
        .iter()
        .all(|l| l.contains(&refuse) && l.contains("directory down")));
    assert_eq!(text.matches("\"完了\"").count(), run.done);

    let has_poppler = std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_ok();
    if !font.exists() || !has_poppler {
        assert_ne!(
            std::env::var("MADOGUCHI_REQUIRE_CUPS").as_deref(),
            Ok("1"),
            "the font or poppler-utils is missing"
        );
        eprintln!("personnel report PDF skipped: fonts-ipaexfont-gothic or poppler-utils missing");
        return;
    }
    let pdf = personnel.download(id, "report.pdf", "監査").await.unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("personnel-report.pdf");
    std::fs::write(&path, &pdf.bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout".as_ref(), path.as_os_str(), "-".as_ref()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for shown in [
        format!("年度切り替え 適用結果報告（計画 {id}）"),
        format!("{}件", run.failed),
        "directory down".to_owned(),
        prepared.items.last().unwrap().employee_no.clone(),
    ] {
        assert!(text.contains(&shown), "{shown} in {text}");
    }
    let downloads: i64 = sql("SELECT COUNT(*) FROM audit_log WHERE action = 'personnel.download'")
        .scalar(&mut db.store.conn())
        .await
        .unwrap();
    assert_eq!(downloads, 2);
}

#[tokio::test]
async fn accounts_created_disabled_are_enabled_on_the_effective_date_once() {
    let city = sample::city(120);
    for db in backends().await {
        let personnel = Personnel::new(db.store.clone(), PlanPolicy::default());
        let (id, prepared) = plan(&personnel, &city).await;
        personnel
            .approve(id, &ApprovalScope::all(), "管理者")
            .await
            .unwrap();
        let work_orders = WorkOrders::default();
        let creates = prepared
            .items
            .iter()
            .filter(|i| i.kind == ChangeKind::Create)
            .count();
        assert!(creates > 0);

        // Before the 発令日: nothing is due (and nothing is added once applied either).
        db.clock.set(
            chrono::DateTime::parse_from_rfc3339("2027-03-31T14:59:00Z")
                .unwrap()
                .with_timezone(&chrono::Utc),
        );
        personnel
            .apply(id, &[], &work_orders, "test", |_| {})
            .await
            .unwrap();
        let items = count(&db.store, "items").await;
        let (added, run) = personnel
            .enable_due(id, &work_orders, "test", |_| {})
            .await
            .unwrap();
        assert_eq!((added, run.done), (0, 0));
        assert_eq!(count(&db.store, "items").await, items);

        // 2027-04-01 00:00 in Japan: every created account, once.
        db.clock.set(
            chrono::DateTime::parse_from_rfc3339("2027-03-31T15:00:00Z")
                .unwrap()
                .with_timezone(&chrono::Utc),
        );
        let (added, run) = personnel
            .enable_due(id, &work_orders, "test", |_| {})
            .await
            .unwrap();
        assert_eq!((added, run.done, run.failed), (creates, creates, 0));
        let stored = personnel.plan(id).await.unwrap();
        let enables: Vec<_> = stored
            .items
            .iter()
            .filter(|i| i.kind == ChangeKind::Enable && i.seq as usize > prepared.items.len())
            .collect();
        assert_eq!(enables.len(), creates);
        assert!(enables.iter().all(|i| i.status == PlanItemStatus::Done));
        assert_eq!(stored.plan.status, PlanStatus::Done);
        let (again, _) = personnel
            .enable_due(id, &work_orders, "test", |_| {})
            .await
            .unwrap();
        assert_eq!(again, 0, "enabled once");
    }
}

#[tokio::test]
async fn review_the_rest_of_a_partly_approved_plan_can_be_approved_after_a_run() {
    let city = sample::city(120);
    for db in backends().await {
        let personnel = Personnel::new(db.store.clone(), PlanPolicy::default());
        let (id, prepared) = plan(&personnel, &city).await;
        let k001 = ApprovalScope {
            department_codes: vec!["K001".into()],
            kinds: vec![],
        };
        personnel.approve(id, &k001, "管理者").await.unwrap();
        assert_eq!(
            personnel.status(id).await.unwrap().plan.status,
            PlanStatus::PartlyApproved
        );
        personnel
            .apply(id, &[], &WorkOrders::default(), "管理者", |_| {})
            .await
            .unwrap();
        let after_run = personnel.status(id).await.unwrap();
        let proposed = status(&after_run.counts, PlanItemStatus::Proposed);
        assert!(proposed > 0);
        // The run of the first part ends with the rest still to approve.
        assert_eq!(after_run.plan.status, PlanStatus::PartlyApproved);

        // The rest is approved, then applied: the plan is done.
        let rest = personnel.approve(id, &ApprovalScope::all(), "管理者").await;
        assert!(
            !matches!(rest, Err(PersonnelError::NotAllowed(_))),
            "{rest:?}"
        );
        assert_eq!(rest.unwrap(), proposed as u64);
        assert_eq!(
            personnel.status(id).await.unwrap().plan.status,
            PlanStatus::Approved
        );
        let done = personnel
            .apply(id, &[], &WorkOrders::default(), "管理者", |_| {})
            .await
            .unwrap();
        assert_eq!(done.done, proposed as usize);
        let finished = personnel.status(id).await.unwrap();
        assert_eq!(finished.plan.status, PlanStatus::Done);
        assert_eq!(
            status(&finished.counts, PlanItemStatus::Done) as usize,
            prepared.items.len()
        );
    }
}

#[tokio::test]
async fn a_plan_left_applying_by_a_stopped_run_takes_approvals_once_its_lease_ran_out() {
    let city = sample::city(60);
    for db in backends().await {
        let personnel = Personnel::new(db.store.clone(), PlanPolicy::default());
        let (id, _) = plan(&personnel, &city).await;
        let k001 = ApprovalScope {
            department_codes: vec!["K001".into()],
            kinds: vec![],
        };
        personnel.approve(id, &k001, "管理者").await.unwrap();
        // A run that stopped without a word: the plan says 適用中.
        let _stopped = personnel.begin_run(id, &[], false, "一").await.unwrap();
        let held = personnel.approve(id, &ApprovalScope::all(), "管理者").await;
        match held {
            Err(PersonnelError::NotAllowed(why)) => {
                assert!(why.contains("適用が終わってから"), "{why}")
            }
            other => panic!("approved while a run holds the plan: {other:?}"),
        }
        let lease = chrono::Duration::minutes(madoguchi::personnel::RUN_LEASE_MINUTES);
        db.clock
            .set(db.store.now() + lease + chrono::Duration::seconds(1));
        let approved = personnel
            .approve(id, &ApprovalScope::all(), "管理者")
            .await
            .unwrap();
        assert!(approved > 0);
        assert_eq!(
            personnel.status(id).await.unwrap().plan.status,
            PlanStatus::Approved
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn review_enables_at_once_add_each_account_once() {
    let city = sample::city(120);
    for db in backends().await {
        let personnel = Personnel::new(db.store.clone(), PlanPolicy::default());
        let (id, prepared) = plan(&personnel, &city).await;
        personnel
            .approve(id, &ApprovalScope::all(), "管理者")
            .await
            .unwrap();
        let work_orders = WorkOrders::default();
        personnel
            .apply(id, &[], &work_orders, "test", |_| {})
            .await
            .unwrap();
        let creates = prepared
            .items
            .iter()
            .filter(|i| i.kind == ChangeKind::Create)
            .count();
        assert!(creates > 0);
        db.clock.set(
            chrono::DateTime::parse_from_rfc3339("2027-03-31T15:00:00Z")
                .unwrap()
                .with_timezone(&chrono::Utc),
        );
        // `personnel enable` run by several operators at once, on tasks of their own.
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..8 {
            let personnel = Personnel::new(db.store.clone(), PlanPolicy::default());
            tasks.spawn(async move { personnel.add_due_enables(id, &format!("op{n}")).await });
        }
        let mut added = Vec::new();
        while let Some(done) = tasks.join_next().await {
            added.push(done.unwrap().unwrap());
        }
        added.sort();
        let mut expected = vec![0; 7];
        expected.push(creates);
        assert_eq!(added, expected);
        let enables = personnel
            .plan(id)
            .await
            .unwrap()
            .items
            .iter()
            .filter(|i| i.kind == ChangeKind::Enable && i.seq as usize > prepared.items.len())
            .count();
        assert_eq!(enables, creates);
    }
}

#[tokio::test]
async fn review_an_approval_waits_for_a_run_starting_and_then_refuses() {
    // SQLite has one writer: only PostgreSQL has two transactions at once.
    let Some(db) = crate::db::postgres().await else {
        return;
    };
    let city = sample::city(20);
    let personnel = Personnel::new(db.store.clone(), PlanPolicy::default());
    let (id, _) = plan(&personnel, &city).await;
    // A run takes the plan (適用中, its lease in the future) and has not committed yet.
    let mut run = db.store.begin().await.unwrap();
    madoguchi::storage::personnel_plans::plan_for_update(&mut run, id)
        .await
        .unwrap();
    sql(
        "UPDATE personnel_plans SET status = 'applying', run_token = 'r', run_until = $1 \
         WHERE id = $2",
    )
    .bind(db.store.now() + chrono::Duration::minutes(10))
    .bind(id)
    .execute(&mut run.conn())
    .await
    .unwrap();
    let store = db.store.clone();
    let approval = tokio::spawn(async move {
        Personnel::new(store, PlanPolicy::default())
            .approve(id, &ApprovalScope::all(), "管理者")
            .await
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !approval.is_finished(),
        "the approval waits for the run's start"
    );
    run.commit().await.unwrap();
    let refused = approval.await.unwrap();
    assert!(
        matches!(refused, Err(PersonnelError::NotAllowed(_))),
        "{refused:?}"
    );
    let status = personnel.status(id).await.unwrap();
    assert_eq!(status.plan.status, PlanStatus::Applying, "not overwritten");
}

//! The personnel switch on every backend: a plan is stored in one go with its audit row,
//! a bad file stores nothing, approval by 所属 and by kind moves only those items.

use madoguchi::domain::{ChangeKind, PlanItemStatus, PlanStatus};
use madoguchi::personnel::{
    sample, ApprovalScope, InputFiles, Personnel, PersonnelError, PlanPolicy,
};
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
        let files = InputFiles {
            changes: city.changes.as_bytes(),
            org: city.org.as_bytes(),
            directory: city.directory.as_bytes(),
        };
        let (id, prepared) = personnel
            .create_plan("changes.csv", files, "人事担当")
            .await
            .unwrap();
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

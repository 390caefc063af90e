//! The computer-name ledger on every backend: names follow the configured rule, serials
//! count up per 所属コード and kind (also when issued at once), deleted names are never
//! issued again, every issue and deletion is in the history.

use std::collections::HashSet;

use madoguchi::config::{LedgerSettings, NotifySettings};
use madoguchi::domain::ComputerNameState;
use madoguchi::ledgers::{ComputerNameRequest, LedgerError, Ledgers};
use madoguchi::storage::{sql, Store};

use crate::db::backends;

fn ledgers(store: &Store, pattern: &str) -> Ledgers {
    let settings = LedgerSettings {
        computer_name_pattern: pattern.into(),
        ..LedgerSettings::default()
    };
    Ledgers::new(store.clone(), settings, NotifySettings::default())
}

fn request(department: &str, kind: &str) -> ComputerNameRequest {
    ComputerNameRequest {
        department_code: department.into(),
        kind: kind.into(),
        device: Some("FMV-123".into()),
        person: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn names_are_issued_by_the_rule_and_deleted_ones_never_come_back() {
    for db in backends().await {
        let ledgers = ledgers(&db.store, "NMZ{department}-{kind}{serial:3}");
        let first = ledgers
            .issue_computer_name(&request("k012", "pc"), "test")
            .await
            .unwrap();
        assert_eq!(first.name, "NMZK012-PC001");
        let other_kind = ledgers
            .issue_computer_name(&request("K012", "SV"), "test")
            .await
            .unwrap();
        assert_eq!(other_kind.name, "NMZK012-SV001");

        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let ledgers = ledgers.clone();
                tokio::spawn(async move {
                    ledgers
                        .issue_computer_name(&request("K012", "PC"), "test")
                        .await
                })
            })
            .collect();
        let mut names = HashSet::new();
        for task in tasks {
            names.insert(task.await.unwrap().expect("issued").name);
        }
        let expected: HashSet<String> = (2..=11).map(|n| format!("NMZK012-PC{n:03}")).collect();
        assert_eq!(names, expected, "ten at once, ten different serials");

        let deleted = ledgers
            .delete_computer_name("nmzk012-pc011", "test")
            .await
            .unwrap();
        assert_eq!(deleted.state, ComputerNameState::Deleted);
        let next = ledgers
            .issue_computer_name(&request("K012", "PC"), "test")
            .await
            .unwrap();
        assert_eq!(
            next.name, "NMZK012-PC012",
            "a deleted name is not issued again"
        );
        let history = ledgers
            .computer_name_history("NMZK012-PC011")
            .await
            .unwrap();
        let actions: Vec<&str> = history.iter().map(|h| h.action.as_str()).collect();
        assert_eq!(actions, ["issue", "delete"]);
        assert_eq!(ledgers.computer_names().await.unwrap().len(), 13);
    }
}

#[tokio::test]
async fn bad_name_requests_change_nothing() {
    for db in backends().await {
        let ledgers = ledgers(&db.store, "{department}-{kind}{serial:4}");
        ledgers
            .issue_computer_name(&request("K012", "PC"), "test")
            .await
            .unwrap();
        let count = || async {
            let rows: i64 = sql("SELECT COUNT(*) FROM ledger_history")
                .scalar(&mut db.store.conn())
                .await
                .unwrap();
            rows
        };
        let before = count().await;
        for (department, kind) in [
            ("", "PC"),
            ("K-012", "PC"),
            ("K012", "パソコン"),
            ("K0123456", "PCXXXXXX"),
        ] {
            let refused = ledgers
                .issue_computer_name(&request(department, kind), "test")
                .await;
            assert!(
                matches!(refused, Err(LedgerError::Invalid(_))),
                "{department}/{kind}: {refused:?}"
            );
        }
        let again = ledgers.delete_computer_name("K012-PC0001", "test").await;
        assert!(again.is_ok());
        let twice = ledgers.delete_computer_name("K012-PC0001", "test").await;
        assert!(
            matches!(twice, Err(LedgerError::Conflict { .. })),
            "{twice:?}"
        );
        let unknown = ledgers.delete_computer_name("NOPE-1", "test").await;
        assert!(
            matches!(unknown, Err(LedgerError::NotInLedger(_))),
            "{unknown:?}"
        );
        assert_eq!(
            count().await,
            before + 1,
            "only the one deletion was recorded"
        );
        let bad_rule = ledgers_with_bad_rule(&db.store)
            .issue_computer_name(&request("K012", "PC"), "test")
            .await;
        assert!(
            matches!(bad_rule, Err(LedgerError::Invalid(_))),
            "{bad_rule:?}"
        );
    }
}

fn ledgers_with_bad_rule(store: &Store) -> Ledgers {
    ledgers(store, "{department}{kind}")
}

//! The IP address ledger on every backend: concurrent allocations never share an address,
//! a full segment says so, a released address waits out its quarantine, addresses entered
//! by hand are checked for conflicts, and a refused action changes nothing.

use std::collections::HashSet;

use chrono::Duration;
use madoguchi::config::{LedgerSettings, NotifySettings};
use madoguchi::domain::AddressState;
use madoguchi::ledgers::{Assignment, LedgerError, Ledgers, SegmentSpec};
use madoguchi::storage::{sql, Store};

use crate::db::{backends, story_time};

fn ledgers(store: &Store) -> Ledgers {
    Ledgers::new(
        store.clone(),
        LedgerSettings::default(),
        NotifySettings::default(),
    )
}

fn host(name: &str) -> Assignment {
    Assignment {
        host: name.to_owned(),
        requester: Some("情報政策課".into()),
        ..Assignment::default()
    }
}

/// 10.20.30.0/24, gateway .1, DHCP .100-.199: 153 addresses the ledger hands out.
fn segment_spec() -> SegmentSpec {
    SegmentSpec {
        network: "lgwan".into(),
        cidr: "10.20.30.0/24".into(),
        name: "本庁舎3階".into(),
        gateway: Some("10.20.30.1".into()),
        vlan: Some(230),
        department: Some("情報政策課".into()),
        building: Some("本庁舎".into()),
        dhcp: vec![("10.20.30.100".into(), "10.20.30.199".into())],
        quarantine_days: Some(30),
    }
}

/// Rows of the ledger, its history and the audit log: what a refused action must not change.
async fn counts(store: &Store) -> (i64, i64, i64, i64) {
    let mut c = store.conn();
    let count = |table: &'static str| sql(table);
    (
        count("SELECT COUNT(*) FROM ip_segments")
            .scalar(&mut c)
            .await
            .unwrap(),
        count("SELECT COUNT(*) FROM ip_addresses")
            .scalar(&mut c)
            .await
            .unwrap(),
        count("SELECT COUNT(*) FROM ledger_history")
            .scalar(&mut c)
            .await
            .unwrap(),
        count("SELECT COUNT(*) FROM audit_log")
            .scalar(&mut c)
            .await
            .unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_allocations_get_fifty_different_addresses() {
    for db in backends().await {
        let ledgers = ledgers(&db.store);
        let segment = ledgers
            .create_segment(&segment_spec(), "test")
            .await
            .unwrap();
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let ledgers = ledgers.clone();
                tokio::spawn(async move {
                    ledgers
                        .allocate(
                            segment,
                            AddressState::InUse,
                            &host(&format!("PC-{i:03}")),
                            "test",
                        )
                        .await
                })
            })
            .collect();
        let mut addresses = HashSet::new();
        for task in tasks {
            let line = task.await.unwrap().expect("allocated");
            assert_eq!(line.state, AddressState::InUse);
            addresses.insert(line.address);
        }
        assert_eq!(addresses.len(), 50, "every request got its own address");
        // The lowest 50 after the gateway: .2 to .51, compared as numbers.
        let expected: HashSet<String> = (2..=51).map(|h| format!("10.20.30.{h}")).collect();
        assert_eq!(addresses, expected);
        let (_, lines, history, _) = counts(&db.store).await;
        assert_eq!((lines, history), (50, 50));
    }
}

#[tokio::test]
async fn a_full_segment_says_so_and_changes_nothing() {
    for db in backends().await {
        let ledgers = ledgers(&db.store);
        let spec = SegmentSpec {
            cidr: "10.9.0.0/29".into(),
            gateway: Some("10.9.0.6".into()),
            dhcp: vec![("10.9.0.4".into(), "10.9.0.5".into())],
            ..segment_spec()
        };
        let segment = ledgers.create_segment(&spec, "test").await.unwrap();
        let mut got = Vec::new();
        for name in ["A", "B", "C"] {
            got.push(
                ledgers
                    .allocate(segment, AddressState::Reserved, &host(name), "test")
                    .await
                    .unwrap()
                    .address,
            );
        }
        assert_eq!(got, ["10.9.0.1", "10.9.0.2", "10.9.0.3"]);
        let before = counts(&db.store).await;
        let full = ledgers
            .allocate(segment, AddressState::InUse, &host("D"), "test")
            .await;
        assert!(matches!(full, Err(LedgerError::SegmentFull)), "{full:?}");
        assert_eq!(counts(&db.store).await, before);
    }
}

#[tokio::test]
async fn a_released_address_waits_out_its_quarantine() {
    for db in backends().await {
        let ledgers = ledgers(&db.store);
        let segment = ledgers
            .create_segment(&segment_spec(), "test")
            .await
            .unwrap();
        let first = ledgers
            .allocate(segment, AddressState::InUse, &host("PC-1"), "test")
            .await
            .unwrap();
        assert_eq!(first.address, "10.20.30.2");
        let released = ledgers.release("10.20.30.2", "test").await.unwrap();
        assert_eq!(released.state, AddressState::Free);
        assert_eq!(released.host, None);
        assert_eq!(
            released.quarantine_until,
            Some(story_time() + Duration::days(30))
        );
        let next = ledgers
            .allocate(segment, AddressState::InUse, &host("PC-2"), "test")
            .await
            .unwrap();
        assert_eq!(next.address, "10.20.30.3", "quarantined .2 is skipped");
        let by_hand = ledgers
            .enter("10.20.30.2", AddressState::InUse, &host("PC-3"), "test")
            .await;
        assert!(
            matches!(by_hand, Err(LedgerError::Conflict { .. })),
            "{by_hand:?}"
        );

        db.clock.set(story_time() + Duration::days(31));
        let again = ledgers
            .allocate(segment, AddressState::InUse, &host("PC-4"), "test")
            .await
            .unwrap();
        assert_eq!(again.address, "10.20.30.2", "reused after the quarantine");
        let history = ledgers.address_history("10.20.30.2").await.unwrap();
        let actions: Vec<&str> = history.iter().map(|h| h.action.as_str()).collect();
        assert_eq!(actions, ["allocate", "release", "allocate"]);
    }
}

#[tokio::test]
async fn manual_entries_are_checked_for_conflicts() {
    for db in backends().await {
        let ledgers = ledgers(&db.store);
        ledgers
            .create_segment(&segment_spec(), "test")
            .await
            .unwrap();
        let line = ledgers
            .enter("10.20.30.50", AddressState::InUse, &host("PRN-1"), "test")
            .await
            .unwrap();
        assert_eq!(line.host.as_deref(), Some("PRN-1"));
        let before = counts(&db.store).await;
        for (address, why) in [
            ("10.20.30.50", "already in use"),
            ("10.20.30.1", "the gateway"),
            ("10.20.30.150", "inside the DHCP pool"),
            ("10.20.30.0", "the network address"),
            ("10.20.30.255", "the broadcast address"),
        ] {
            let refused = ledgers
                .enter(address, AddressState::InUse, &host("X"), "test")
                .await;
            assert!(
                matches!(refused, Err(LedgerError::Conflict { .. })),
                "{address} ({why}): {refused:?}"
            );
        }
        for (address, assignment) in [
            ("10.99.0.5", host("X")),
            ("10.20.30.300", host("X")),
            ("10.20.30.60", host("  ")),
        ] {
            let refused = ledgers
                .enter(address, AddressState::InUse, &assignment, "test")
                .await;
            assert!(
                matches!(
                    refused,
                    Err(LedgerError::NotInLedger(_) | LedgerError::Invalid(_))
                ),
                "{address}: {refused:?}"
            );
        }
        let overlapping = SegmentSpec {
            cidr: "10.20.0.0/16".into(),
            ..segment_spec()
        };
        let refused = ledgers.create_segment(&overlapping, "test").await;
        assert!(
            matches!(refused, Err(LedgerError::Conflict { .. })),
            "{refused:?}"
        );
        let bad_gateway = SegmentSpec {
            cidr: "10.21.0.0/24".into(),
            gateway: Some("10.20.30.1".into()),
            ..segment_spec()
        };
        let refused = ledgers.create_segment(&bad_gateway, "test").await;
        assert!(
            matches!(refused, Err(LedgerError::Invalid(_))),
            "{refused:?}"
        );
        assert_eq!(counts(&db.store).await, before, "nothing changed");
    }
}

/// Every stored name of the ledgers' typed columns is accepted by the database itself, and
/// anything else (a label, capitals, a near miss) is refused, on each backend.
#[tokio::test]
async fn the_database_checks_the_ledgers_states() {
    use madoguchi::domain::{ComputerNameState, Network, StockKind, TextEnum};
    fn names<T: TextEnum>() -> Vec<String> {
        T::ALL.iter().map(|v| v.as_str().to_owned()).collect()
    }
    fn not_names<T: TextEnum>(wrong: &str) -> Vec<String> {
        let first = T::ALL[0];
        vec![
            wrong.to_owned(),
            first.label().to_owned(),
            first.as_str().to_uppercase(),
            String::new(),
        ]
    }
    for db in backends().await {
        let store = &db.store;
        let now = story_time();
        let cases: [(&str, Vec<String>, Vec<String>); 4] = [
            (
                "INSERT INTO ip_segments (network, cidr, name, first_number, last_number, \
                 quarantine_days, created_at) VALUES ($1, $2, 'x', 0, 0, 0, $3)",
                names::<Network>(),
                not_names::<Network>("wan"),
            ),
            (
                "INSERT INTO ip_addresses (number, address, segment_id, state, updated_at, \
                 updated_by) VALUES ((SELECT COUNT(*) FROM ip_addresses), $2, \
                 (SELECT MIN(id) FROM ip_segments), $1, $3, 'test')",
                names::<AddressState>(),
                not_names::<AddressState>("used"),
            ),
            (
                "INSERT INTO computer_names (name, department_code, kind, serial, state, \
                 issued_at, issued_by) VALUES ($2, 'K', 'PC', \
                 (SELECT COUNT(*) FROM computer_names), $1, $3, 'test')",
                names::<ComputerNameState>(),
                not_names::<ComputerNameState>("removed"),
            ),
            (
                "INSERT INTO stock_items (kind, name, quantity, threshold, updated_at) \
                 VALUES ($1, $2, 0, 0, $3)",
                names::<StockKind>(),
                not_names::<StockKind>("cable"),
            ),
        ];
        let mut n = 0;
        for (insert, good, bad) in cases {
            for (value, ok) in good
                .iter()
                .map(|v| (v, true))
                .chain(bad.iter().map(|v| (v, false)))
            {
                n += 1;
                let mut tx = store.begin().await.unwrap();
                let done = sql(insert)
                    .bind(value.as_str())
                    .bind(format!("10.0.{n}.0/24"))
                    .bind(now)
                    .execute(&mut tx.conn())
                    .await;
                assert_eq!(done.is_ok(), ok, "{value:?} into: {insert}");
                if ok {
                    tx.commit().await.unwrap();
                }
            }
        }
    }
}

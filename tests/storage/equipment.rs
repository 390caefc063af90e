//! The equipment register on every backend: each change is one transaction (the row, a
//! history line with who, when, why, before and after, and the audit row); refused changes
//! (a disposed device, a taken asset number, someone not in the directory) change nothing;
//! search by asset number, 所属, person, kind and state, paged; the devices of given staff
//! for the personnel plan. The CSV file: `equipment_import.rs`.

use madoguchi::config::{LedgerSettings, NotifySettings};
use madoguchi::domain::DeviceState;
use madoguchi::ledgers::{DeviceSpec, LedgerError, Ledgers};
use madoguchi::storage::equipment::DeviceFilter;
use madoguchi::storage::{sql, StaffMember, Store};

use crate::db::backends;

pub fn ledgers(store: &Store) -> Ledgers {
    Ledgers::new(
        store.clone(),
        LedgerSettings::default(),
        NotifySettings::default(),
    )
}

pub fn member(no: &str, name: &str, department: &str) -> StaffMember {
    StaffMember {
        employee_no: no.into(),
        name: name.into(),
        department: department.into(),
        email: None,
        extension: None,
        logochat_id: None,
    }
}

pub async fn with_staff(store: &Store) {
    store
        .replace_staff(&[
            member("10001", "沼津 太郎", "市民課"),
            member("10002", "沼津 花子", "ICT推進課"),
            member("10003", "富士 一郎", "税務課"),
        ])
        .await
        .unwrap();
}

fn pc(asset: &str) -> DeviceSpec {
    DeviceSpec {
        asset: asset.into(),
        kind: "PC".into(),
        model: Some("FMV-A".into()),
        ..DeviceSpec::default()
    }
}

/// (devices, history lines, audit rows of the register).
pub async fn counts(store: &Store) -> (i64, i64, i64) {
    let mut c = store.conn();
    let count = |q: &'static str| sql(q);
    let devices = count("SELECT COUNT(*) FROM equipment")
        .scalar(&mut c)
        .await
        .unwrap();
    let history = count("SELECT COUNT(*) FROM equipment_history")
        .scalar(&mut c)
        .await
        .unwrap();
    let audit = count("SELECT COUNT(*) FROM audit_log WHERE object_kind = 'equipment'")
        .scalar(&mut c)
        .await
        .unwrap();
    (devices, history, audit)
}

#[tokio::test]
async fn every_change_is_recorded_with_who_when_why_and_before_after() {
    for db in backends().await {
        with_staff(&db.store).await;
        let ledgers = ledgers(&db.store);
        let new = ledgers
            .register_device(&pc("PC-0001"), None, "op")
            .await
            .unwrap();
        assert_eq!(new.line.state, DeviceState::InStock);
        let assigned = ledgers
            .assign_device("PC-0001", Some("10001"), "新規配備", "op")
            .await
            .unwrap();
        assert_eq!(
            assigned.line.state,
            DeviceState::Deployed,
            "assigning deploys it"
        );
        assert_eq!(assigned.person_name.as_deref(), Some("沼津 太郎"));
        let repaired = ledgers
            .set_device_state("PC-0001", DeviceState::InRepair, "液晶割れ", "op2")
            .await
            .unwrap();
        assert_eq!(
            repaired.line.person_no.as_deref(),
            Some("10001"),
            "repair keeps the person"
        );
        let back = ledgers
            .set_device_state("PC-0001", DeviceState::InStock, "修理不能のため回収", "op2")
            .await
            .unwrap();
        assert_eq!(back.line.person_no, None, "stock holds nobody's device");
        assert_eq!(back.version, 4);
        assert_eq!(counts(&db.store).await, (1, 4, 4));

        let history = ledgers.device_history("PC-0001").await.unwrap();
        let actions: Vec<_> = history.iter().map(|h| h.action.as_str()).collect();
        assert_eq!(actions, ["register", "assign", "state", "state"]);
        let assign = &history[1];
        assert_eq!(
            (assign.actor.as_str(), assign.reason.as_str()),
            ("op", "新規配備")
        );
        assert_eq!(assign.at, db.store.now());
        assert_eq!(assign.before.as_ref().unwrap().state, DeviceState::InStock);
        let changed: Vec<_> = assign
            .differences
            .iter()
            .map(|d| format!("{}: {} → {}", d.label, d.before, d.after))
            .collect();
        assert_eq!(changed, ["使用者職員番号:  → 10001", "状態: 在庫 → 配備中"]);

        // Disposal is final; refusals change nothing.
        ledgers
            .set_device_state("PC-0001", DeviceState::Disposed, "廃棄業者へ引渡し", "op")
            .await
            .unwrap();
        let before = counts(&db.store).await;
        for refused in [
            ledgers
                .set_device_state("PC-0001", DeviceState::InStock, "誤り", "op")
                .await,
            ledgers
                .assign_device("PC-0001", Some("10002"), "再配備", "op")
                .await,
        ] {
            assert!(
                matches!(refused, Err(LedgerError::NotAllowed(_))),
                "{refused:?}"
            );
        }
        ledgers
            .register_device(&pc("PC-0002"), None, "op")
            .await
            .unwrap();
        let before = (before.0 + 1, before.1 + 1, before.2 + 1);
        let duplicate = ledgers.register_device(&pc("PC-0002"), None, "op").await;
        assert!(
            matches!(duplicate, Err(LedgerError::Duplicate(_))),
            "{duplicate:?}"
        );
        let stranger = ledgers
            .assign_device("PC-0002", Some("99999"), "配備", "op")
            .await;
        assert!(matches!(stranger, Err(LedgerError::Invalid(m)) if m.contains("99999")));
        let no_reason = ledgers
            .assign_device("PC-0002", Some("10002"), " ", "op")
            .await;
        assert!(matches!(no_reason, Err(LedgerError::Invalid(_))));
        let unknown = ledgers
            .set_device_state("PC-9999", DeviceState::InStock, "棚卸", "op")
            .await;
        assert!(matches!(unknown, Err(LedgerError::NotInLedger(_))));
        let bad = DeviceSpec {
            kind: "パソコン".into(),
            ..pc("PC 3")
        };
        assert!(matches!(
            ledgers.register_device(&bad, None, "op").await,
            Err(LedgerError::Invalid(m)) if m.contains("資産番号") && m.contains("種別")
        ));
        assert_eq!(counts(&db.store).await, before, "refusals change nothing");
    }
}

#[tokio::test]
async fn search_finds_by_asset_department_person_kind_and_state_page_by_page() {
    for db in backends().await {
        with_staff(&db.store).await;
        let ledgers = ledgers(&db.store);
        for i in 1..=12 {
            let spec = DeviceSpec {
                asset: format!("PC-{i:04}"),
                kind: if i % 3 == 0 { "プリンター" } else { "PC" }.into(),
                department_code: Some(if i % 2 == 0 { "K012" } else { "K020" }.into()),
                department: Some(if i % 2 == 0 { "市民課" } else { "税務課" }.into()),
                person: (i <= 2).then(|| format!("1000{i}")),
                ..DeviceSpec::default()
            };
            ledgers.register_device(&spec, None, "op").await.unwrap();
        }
        let find = |filter: DeviceFilter| {
            let ledgers = ledgers.clone();
            async move {
                let page = ledgers.devices(&filter, 0, 100).await.unwrap();
                let assets: Vec<String> = page
                    .devices
                    .iter()
                    .map(|d| d.line.asset_no.clone())
                    .collect();
                assert_eq!(page.total as usize, assets.len());
                assets
            }
        };
        let by = |f: fn(&mut DeviceFilter)| {
            let mut filter = DeviceFilter::default();
            f(&mut filter);
            filter
        };
        let by_asset = |asset: &str| DeviceFilter {
            asset: Some(asset.into()),
            ..DeviceFilter::default()
        };
        assert_eq!(
            find(by(|f| f.asset = Some("0011".into()))).await,
            ["PC-0011"]
        );
        // Letters in either case, on both backends (PostgreSQL's LIKE minds case).
        assert_eq!(
            find(by(|f| f.asset = Some("pc-0011".into()))).await,
            ["PC-0011"]
        );
        assert_eq!(
            find(by(|f| f.department = Some("K012".into()))).await.len(),
            6
        );
        assert_eq!(
            find(by(|f| f.department = Some("税務".into()))).await.len(),
            6
        );
        assert_eq!(
            find(by(|f| f.person = Some("10002".into()))).await,
            ["PC-0002"]
        );
        assert_eq!(
            find(by(|f| f.person = Some("沼津太郎".into()))).await,
            ["PC-0001"]
        );
        assert_eq!(find(by(|f| f.person = Some("沼津".into()))).await.len(), 2);
        let printers = find(by(|f| {
            f.kind = Some(madoguchi::domain::DeviceKind::Printer)
        }))
        .await;
        assert_eq!(printers, ["PC-0003", "PC-0006", "PC-0009", "PC-0012"]);
        let deployed = find(by(|f| {
            f.state = Some(DeviceState::Deployed);
            f.department = Some("K012".into());
        }))
        .await;
        assert_eq!(deployed, ["PC-0002"]);

        let second = ledgers
            .devices(&DeviceFilter::default(), 5, 5)
            .await
            .unwrap();
        let assets: Vec<_> = second
            .devices
            .iter()
            .map(|d| d.line.asset_no.as_str())
            .collect();
        assert_eq!(
            assets,
            ["PC-0006", "PC-0007", "PC-0008", "PC-0009", "PC-0010"]
        );
        assert_eq!(second.total, 12);
        assert!(ledgers
            .devices(&DeviceFilter::default(), 0, 0)
            .await
            .is_err());
        assert!(ledgers
            .devices(&DeviceFilter::default(), -1, 10)
            .await
            .is_err());
        // Full-width letters in either case and either width too (typed in full-width
        // mode or not), on both backends whatever their locale: SQLite's LOWER folds
        // ASCII only, and neither backend takes `ａ` for `a`.
        let wide = DeviceSpec {
            asset: "ａｂｃ-Ｘ01".into(),
            kind: "PC".into(),
            ..DeviceSpec::default()
        };
        // The register keys it in half-width (`asset_key`); the 所属 below stays as typed.
        ledgers.register_device(&wide, None, "op").await.unwrap();
        for search in ["ＡＢＣ", "ａＢｃ-ｘ", "ｃ-Ｘ0", "abc-x01", "ABC－X"] {
            assert_eq!(find(by_asset(search)).await, ["abc-X01"], "{search}");
        }
        // And in the 所属 the same way.
        let dx = DeviceSpec {
            asset: "DX-01".into(),
            kind: "PC".into(),
            department: Some("ＤＸ推進室".into()),
            ..DeviceSpec::default()
        };
        ledgers.register_device(&dx, None, "op").await.unwrap();
        for search in ["ｄｘ推進", "ＤＸ推進", "Ｄｘ", "dx推進", "DX推"] {
            let filter = DeviceFilter {
                department: Some(search.into()),
                ..DeviceFilter::default()
            };
            assert_eq!(find(filter).await, ["DX-01"], "{search}");
        }
        // A half-width asset number found by its full-width form.
        for search in ["ｄｘ－０１", "ＤＸ-0"] {
            assert_eq!(find(by_asset(search)).await, ["DX-01"], "{search}");
        }
        // `_` and `%` match themselves, in either width: not anything, not dropped.
        for asset in ["PRN_01", "PRN01"] {
            ledgers
                .register_device(&pc(asset), None, "op")
                .await
                .unwrap();
        }
        for (search, want) in [
            ("PRN_0", vec!["PRN_01"]),
            ("ＰＲＮ＿", vec!["PRN_01"]),
            ("PRN0", vec!["PRN01"]),
            ("_", vec!["PRN_01"]),
            ("%", vec![]),
        ] {
            assert_eq!(find(by_asset(search)).await, want, "{search}");
        }
    }
}

#[tokio::test]
async fn the_devices_of_given_staff_for_the_personnel_plan() {
    for db in backends().await {
        with_staff(&db.store).await;
        let ledgers = ledgers(&db.store);
        for (asset, person) in [
            ("PC-0002", Some("10002")),
            ("TAB-01", Some("10001")),
            ("PC-0001", Some("10001")),
            ("PC-0003", Some("10003")),
            ("PC-0004", None),
        ] {
            let spec = DeviceSpec {
                person: person.map(str::to_owned),
                ..pc(asset)
            };
            ledgers.register_device(&spec, None, "op").await.unwrap();
        }
        let ids = vec!["10001".to_owned(), "10002".to_owned(), "99999".to_owned()];
        let devices = ledgers.devices_of(&ids).await.unwrap();
        let found: Vec<_> = devices
            .iter()
            .map(|d| {
                (
                    d.line.person_no.as_deref().unwrap(),
                    d.line.asset_no.as_str(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("10001", "PC-0001"),
                ("10001", "TAB-01"),
                ("10002", "PC-0002")
            ]
        );
        assert_eq!(devices[0].person_name.as_deref(), Some("沼津 太郎"));
        assert!(ledgers.devices_of(&[]).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn review_an_asset_number_typed_in_full_width_is_the_same_device() {
    for db in backends().await {
        with_staff(&db.store).await;
        let ledgers = ledgers(&db.store);
        ledgers
            .register_device(&pc("PC-0001"), None, "op")
            .await
            .unwrap();
        // The IME left on: the same device, not a second line beside it.
        let twin = ledgers
            .register_device(&pc("ＰＣ－０００１"), None, "op")
            .await;
        assert!(matches!(twin, Err(LedgerError::Duplicate(_))), "{twin:?}");
        let typed = ledgers
            .register_device(&pc(" ｐｃ−０００２ "), None, "op")
            .await
            .unwrap();
        assert_eq!(typed.line.asset_no, "pc-0002");
        let found = ledgers.device("ＰＣ‐０００１").await.unwrap().unwrap();
        assert_eq!(found.line.asset_no, "PC-0001");
        ledgers
            .assign_device("ＰＣ－０００１", Some("10001"), "配備", "op")
            .await
            .unwrap();
        assert_eq!(
            ledgers
                .device_history("ＰＣ－０００１")
                .await
                .unwrap()
                .len(),
            2
        );
        assert_eq!(counts(&db.store).await.0, 2);

        // A line stored with full-width letters before asset numbers were keyed so is
        // still found, and changed, as written.
        sql("UPDATE equipment SET asset_no = 'ＯＬＤ１' WHERE asset_no = 'pc-0002'")
            .execute(&mut db.store.conn())
            .await
            .unwrap();
        sql("UPDATE equipment_history SET asset_no = 'ＯＬＤ１' WHERE asset_no = 'pc-0002'")
            .execute(&mut db.store.conn())
            .await
            .unwrap();
        assert!(ledgers.device("ＯＬＤ１").await.unwrap().is_some());
        assert_eq!(ledgers.device_history("ＯＬＤ１").await.unwrap().len(), 1);
        ledgers
            .set_device_state("ＯＬＤ１", DeviceState::InRepair, "点検", "op")
            .await
            .unwrap();
    }
}

//! Searching the IP address ledger on every backend: a whole address exactly, a partial
//! one from its start, host and computer name in any case, 所属 and person, within a
//! segment and a state, paged with the total; and the segments' usage.

use madoguchi::config::{LedgerSettings, NotifySettings};
use madoguchi::domain::AddressState;
use madoguchi::ledgers::{Assignment, Ledgers, SegmentSpec};
use madoguchi::storage::ip_search::AddressFilter;

use crate::db::backends;

fn text(q: &str) -> AddressFilter {
    AddressFilter {
        text: Some(q.to_owned()),
        ..AddressFilter::default()
    }
}

#[tokio::test]
async fn lines_are_found_by_address_holder_segment_and_state() {
    for db in backends().await {
        let ledgers = Ledgers::new(
            db.store.clone(),
            LedgerSettings::default(),
            NotifySettings::default(),
        );
        let mut ids = Vec::new();
        for (cidr, dhcp) in [("10.1.1.0/24", true), ("10.1.10.0/24", false)] {
            let spec = SegmentSpec {
                network: "lgwan".into(),
                cidr: cidr.into(),
                name: cidr.into(),
                gateway: Some(cidr.replace(".0/24", ".1")),
                dhcp: if dhcp {
                    vec![("10.1.1.200".into(), "10.1.1.254".into())]
                } else {
                    Vec::new()
                },
                ..SegmentSpec::default()
            };
            ids.push(ledgers.create_segment(&spec, "test").await.unwrap());
        }
        let people = [
            ("PC-Shimin-01", "市民課", "沼津 花子", AddressState::InUse),
            ("pc-zeimu-02", "税務課", "沼津 太郎", AddressState::InUse),
            ("PRN_2F%", "市民課", "", AddressState::Reserved),
        ];
        for (segment, (host, department, person, state)) in
            [ids[0], ids[0], ids[1]].into_iter().zip(people)
        {
            let assignment = Assignment {
                host: host.into(),
                department: Some(department.into()),
                person: Some(person.into()),
                computer_name: Some(format!("K-{host}")),
                ..Assignment::default()
            };
            ledgers
                .allocate(segment, state, &assignment, "test")
                .await
                .unwrap();
        }
        let found = |filter: AddressFilter| {
            let ledgers = ledgers.clone();
            async move {
                let page = ledgers.search_addresses(&filter, 0, 100).await.unwrap();
                let hosts: Vec<String> =
                    page.lines.iter().map(|l| l.host.clone().unwrap()).collect();
                assert_eq!(page.total, hosts.len() as i64);
                hosts
            }
        };
        assert_eq!(found(text("pc-shimin")).await, ["PC-Shimin-01"]);
        assert_eq!(found(text("PC-ZEIMU")).await, ["pc-zeimu-02"]);
        assert_eq!(found(text("k-pc-z")).await, ["pc-zeimu-02"]);
        assert_eq!(found(text("市民")).await, ["PC-Shimin-01", "PRN_2F%"]);
        assert_eq!(found(text("沼津 太郎")).await, ["pc-zeimu-02"]);
        // A whole address is that address only; a partial one matches from the start.
        assert_eq!(found(text("10.1.1.2")).await, ["PC-Shimin-01"]);
        assert_eq!(
            found(text("10.1.1")).await.len(),
            3,
            "10.1.1.x and 10.1.10.x"
        );
        assert_eq!(found(text("10.1.10.")).await, ["PRN_2F%"]);
        // % and _ match themselves, not anything.
        assert_eq!(found(text("%")).await, ["PRN_2F%"]);
        assert_eq!(found(text("_2")).await, ["PRN_2F%"]);
        assert!(found(text("存在しない")).await.is_empty());
        let reserved = AddressFilter {
            state: Some(AddressState::Reserved),
            ..AddressFilter::default()
        };
        assert_eq!(found(reserved).await, ["PRN_2F%"]);
        let first = AddressFilter {
            segment_id: Some(ids[0]),
            text: Some("沼津".into()),
            ..AddressFilter::default()
        };
        assert_eq!(found(first).await, ["PC-Shimin-01", "pc-zeimu-02"]);
        let page = ledgers
            .search_addresses(&AddressFilter::default(), 1, 1)
            .await
            .unwrap();
        assert_eq!((page.lines.len(), page.total), (1, 3));
        assert_eq!(page.lines[0].host.as_deref(), Some("pc-zeimu-02"));

        let segments = ledgers.segments().await.unwrap();
        let usage = segments[0].usage();
        assert_eq!((usage.hosts, usage.excluded, usage.in_use), (254, 56, 2));
        assert_eq!(
            (usage.free, usage.usable, usage.rate()),
            (196, 198, "1.0%".to_owned())
        );

        // Full-width letters in either case and either width, on both backends whatever
        // their locale.
        let wide = Assignment {
            host: "ｄｘ-ｐｃ".into(),
            department: Some("ＤＸ推進室".into()),
            ..Assignment::default()
        };
        ledgers
            .allocate(ids[1], AddressState::InUse, &wide, "test")
            .await
            .unwrap();
        for search in [
            "ｄｘ推進",
            "ＤＸ推進",
            "Ｄｘ推",
            "ＤＸ-ＰＣ",
            "dx-pc",
            "DX推進",
            "ＤＸ－ＰＣ",
        ] {
            assert_eq!(found(text(search)).await, ["ｄｘ-ｐｃ"], "{search}");
        }
    }
}

/// SQLite's fold function (registered on every connection of the pool) does what `LOWER`
/// does and narrows the full-width forms of ASCII; NULL stays NULL. SQLite's LIKE
/// ignores ASCII case by itself, so the searches alone would not show its lowering.
#[tokio::test]
async fn sqlites_fold_function_lowers_and_narrows_on_every_connection() {
    for db in backends().await {
        if !db.url.starts_with("sqlite") {
            continue;
        }
        let folded = |text: &'static str| {
            let store = db.store.clone();
            async move {
                madoguchi::storage::sql("SELECT madoguchi_fold($1)")
                    .bind(text)
                    .scalar::<String>(&mut store.conn())
                    .await
                    .unwrap()
            }
        };
        let (a, b) = tokio::join!(folded("AbＣｄ１－Ωあ"), folded("PC-0011 沼津"));
        assert_eq!((a.as_str(), b.as_str()), ("abcd1-Ωあ", "pc-0011 沼津"));
        let null: Option<String> = madoguchi::storage::sql("SELECT madoguchi_fold(NULL)")
            .scalar(&mut db.store.conn())
            .await
            .unwrap();
        assert_eq!(null, None);
    }
}

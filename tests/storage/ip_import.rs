//! Importing the city's Excel ledger (saved as Shift_JIS or UTF-8 CSV) on every backend:
//! a dry run counts and writes nothing, a good file is written in one go, a broken one is
//! refused with every problem by line and column and nothing written; export reads back.

use madoguchi::config::{LedgerSettings, NotifySettings};
use madoguchi::domain::AddressState;
use madoguchi::ledgers::{LedgerCsvError, LedgerError, Ledgers, SegmentSpec};
use madoguchi::spreadsheet::{encode, SpreadsheetEncoding};
use madoguchi::storage::{sql, Store};

use crate::db::backends;

fn ledgers(store: &Store) -> Ledgers {
    Ledgers::new(
        store.clone(),
        LedgerSettings::default(),
        NotifySettings::default(),
    )
}

async fn lines(store: &Store) -> (i64, i64) {
    let mut c = store.conn();
    (
        sql("SELECT COUNT(*) FROM ip_addresses")
            .scalar(&mut c)
            .await
            .unwrap(),
        sql("SELECT COUNT(*) FROM ledger_history")
            .scalar(&mut c)
            .await
            .unwrap(),
    )
}

async fn with_segment(ledgers: &Ledgers) {
    let spec = SegmentSpec {
        network: "LGWAN接続系".into(),
        cidr: "10.40.0.0/24".into(),
        name: "本庁舎2階".into(),
        gateway: Some("10.40.0.1".into()),
        dhcp: vec![("10.40.0.200".into(), "10.40.0.250".into())],
        ..SegmentSpec::default()
    };
    ledgers.create_segment(&spec, "test").await.unwrap();
}

/// The city's ledger as Excel saves it: Shift_JIS, CRLF, a column the import ignores.
const GOOD: &str = "IPアドレス,状態,ホスト名,コンピュータ名,所属,使用者,利用開始日,備考,旧管理番号\r\n\
                    10.40.0.10,使用中,K012-PC001,K012-PC001,市民課,沼津 花子,2024/04/01,窓口端末,A-1\r\n\
                    10.40.0.11,予約,K012-PC002,,市民課,,,,A-2\r\n\
                    10.40.0.9,使用中,K012-PRN01,,市民課,,2023-10-01,複合機～2F,A-3\r\n\
                    10.40.0.12,廃止,,,,,,,A-4\r\n\
                    10.40.0.13,空き,,,,,,,A-5\r\n";

#[tokio::test]
async fn the_citys_shift_jis_ledger_imports_after_a_dry_run() {
    for db in backends().await {
        let ledgers = ledgers(&db.store);
        with_segment(&ledgers).await;
        let bytes = encode(GOOD, SpreadsheetEncoding::ShiftJis).unwrap();
        let dry = ledgers.import_ip_csv(&bytes, true, "test").await.unwrap();
        assert!(dry.dry_run);
        assert_eq!(dry.encoding, SpreadsheetEncoding::ShiftJis);
        assert_eq!(
            (dry.rows, dry.created, dry.changed, dry.unchanged),
            (5, 4, 0, 1)
        );
        assert_eq!(lines(&db.store).await, (0, 0), "a dry run writes nothing");

        let done = ledgers.import_ip_csv(&bytes, false, "test").await.unwrap();
        assert_eq!((done.created, done.changed), (4, 0));
        let printer = ledgers.address("10.40.0.9").await.unwrap().unwrap();
        assert_eq!(printer.state, AddressState::InUse);
        assert_eq!(printer.note.as_deref(), Some("複合機～2F"));
        // The imported lines are held: allocation skips them (and .1, the gateway).
        let next = ledgers
            .allocate(
                1,
                AddressState::InUse,
                &madoguchi::ledgers::Assignment {
                    host: "PC-NEW".into(),
                    ..Default::default()
                },
                "test",
            )
            .await
            .unwrap();
        assert_eq!(next.address, "10.40.0.2");

        let again = ledgers.import_ip_csv(&bytes, false, "test").await.unwrap();
        assert_eq!((again.created, again.changed, again.unchanged), (0, 0, 5));

        let exported = ledgers
            .export_ip_csv(SpreadsheetEncoding::ShiftJis, "test")
            .await
            .unwrap();
        let back = ledgers
            .import_ip_csv(&exported, true, "test")
            .await
            .unwrap();
        assert_eq!(
            (back.rows, back.changed),
            (5, 0),
            "the export reads back unchanged"
        );
    }
}

#[tokio::test]
async fn a_broken_ledger_is_refused_by_line_and_column_and_nothing_is_written() {
    for db in backends().await {
        let ledgers = ledgers(&db.store);
        with_segment(&ledgers).await;
        let broken = "IPアドレス,状態,ホスト名\r\n\
                      10.40.0.10,使用中,PC-1\r\n\
                      10.40.0.1,使用中,PC-2\r\n\
                      10.41.0.5,使用中,PC-3\r\n\
                      10.40.0.210,使用中,PC-4\r\n\
                      10.40.0.11,使用,PC-5\r\n\
                      10.40.0.10,予約,PC-6\r\n";
        let bytes = encode(broken, SpreadsheetEncoding::Utf8).unwrap();
        let before = lines(&db.store).await;
        for dry_run in [true, false] {
            let refused = ledgers.import_ip_csv(&bytes, dry_run, "test").await;
            let Err(LedgerError::Csv(LedgerCsvError::Problems(problems))) = refused else {
                panic!("expected problems, got {refused:?}");
            };
            let listed: Vec<String> = problems.iter().map(ToString::to_string).collect();
            assert_eq!(
                listed,
                [
                    "3行目「IPアドレス」: ゲートウェイのアドレスです。",
                    "4行目「IPアドレス」: 台帳のどのセグメントにも入りません。",
                    "5行目「IPアドレス」: DHCPの範囲内です。",
                    "6行目「状態」: 空き・予約・使用中・廃止のどれかです。",
                    "7行目「IPアドレス」: 2行目と同じアドレスです。",
                ]
            );
        }
        assert_eq!(lines(&db.store).await, before, "nothing written");
    }
}

/// A file that lacks a column never empties that field of the addresses it names: such
/// a line is refused, naming the column, and nothing is written. A line whose address
/// holds nothing there, or a new one, is taken as before.
#[tokio::test]
async fn a_ledger_without_a_column_never_empties_that_field() {
    for db in backends().await {
        let ledgers = ledgers(&db.store);
        with_segment(&ledgers).await;
        ledgers
            .import_ip_csv(GOOD.as_bytes(), false, "test")
            .await
            .unwrap();
        let before = lines(&db.store).await;
        // ホスト名 only: the first line's コンピュータ名, 所属, 使用者, 利用開始日 and
        // 備考 would go; the second's 所属.
        let file = "IPアドレス,状態,ホスト名\r\n\
                    10.40.0.10,使用中,K012-PC001\r\n\
                    10.40.0.11,予約,K012-PC002\r\n";
        let problems = crate::equipment_import::csv_problems(
            ledgers.import_ip_csv(file.as_bytes(), false, "test").await,
        );
        let columns: Vec<_> = problems.iter().map(|p| (p.line, p.column)).collect();
        assert_eq!(
            columns,
            [
                (2, Some("コンピュータ名")),
                (2, Some("所属")),
                (2, Some("使用者")),
                (2, Some("利用開始日")),
                (2, Some("備考")),
                (3, Some("所属")),
            ]
        );
        assert_eq!(lines(&db.store).await, before, "nothing written");
        let kept = ledgers.address("10.40.0.10").await.unwrap().unwrap();
        assert_eq!(kept.person.as_deref(), Some("沼津 花子"));

        // The same columns for a line holding nothing else, and a new address: taken.
        let file = "IPアドレス,状態,ホスト名\r\n\
                    10.40.0.12,廃止,\r\n\
                    10.40.0.20,予約,K012-PC020\r\n";
        let done = ledgers
            .import_ip_csv(file.as_bytes(), false, "test")
            .await
            .unwrap();
        assert_eq!((done.created, done.changed, done.unchanged), (1, 0, 1));
    }
}

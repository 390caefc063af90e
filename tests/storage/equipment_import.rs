//! The equipment register's CSV file on every backend: a Shift_JIS file from Excel
//! imports after a dry run that writes nothing, an unchanged file changes nothing, a
//! changed line is one change; export reads back in both encodings; a file with problems
//! is refused whole with every problem by line and column, and nothing is written.

use madoguchi::domain::DeviceState;
use madoguchi::ledgers::{LedgerCsvError, LedgerError};
use madoguchi::spreadsheet::{encode, SpreadsheetEncoding};

use crate::db::backends;

/// The problems a refused import names (any other outcome fails the test).
pub(crate) fn csv_problems<T: std::fmt::Debug>(
    imported: Result<T, LedgerError>,
) -> Vec<madoguchi::ledgers::CsvProblem> {
    match imported {
        Err(LedgerError::Csv(LedgerCsvError::Problems(problems))) => problems,
        other => panic!("expected problems, got {other:?}"),
    }
}
use crate::equipment::{counts, ledgers, with_staff};

const FILE: &str =
    "資産番号,種別,機種,製造番号,設置場所・所属コード,所属,使用者職員番号,状態,備考,旧番号\r\n\
                    PC-0001,PC,FMV-A,SN-1,K012,市民課,10001,配備中,窓口～1番,A-1\r\n\
                    PC-0002,PC,FMV-A,SN-2,K012,市民課,,在庫,,A-2\r\n\
                    PJ-01,プロジェクター,EB-1,,,,,貸出用,,A-3\r\n\
                    HUB-01,ルーター/HUB,,,K020,税務課,,配備中,,A-4\r\n";

#[tokio::test]
async fn the_citys_register_imports_after_a_dry_run_and_exports_back() {
    for db in backends().await {
        with_staff(&db.store).await;
        let ledgers = ledgers(&db.store);
        let bytes = encode(FILE, SpreadsheetEncoding::ShiftJis).unwrap();
        let dry = ledgers
            .import_equipment_csv(&bytes, true, "op")
            .await
            .unwrap();
        assert_eq!(dry.encoding, SpreadsheetEncoding::ShiftJis);
        assert_eq!(
            (dry.rows, dry.created, dry.changed, dry.unchanged),
            (4, 4, 0, 0)
        );
        assert_eq!(
            counts(&db.store).await,
            (0, 0, 0),
            "a dry run writes nothing"
        );

        let done = ledgers
            .import_equipment_csv(&bytes, false, "op")
            .await
            .unwrap();
        assert_eq!(done.created, 4);
        let by_state: Vec<_> = done.by_state.iter().map(|(s, n)| (s.label(), *n)).collect();
        assert_eq!(by_state[..3], [("在庫", 1), ("貸出用", 1), ("配備中", 2)]);
        assert_eq!(
            counts(&db.store).await,
            (4, 4, 1),
            "one audit row for the file"
        );
        let pc = ledgers.device("PC-0001").await.unwrap().unwrap();
        assert_eq!(pc.line.note.as_deref(), Some("窓口～1番"));
        assert_eq!(pc.person_name.as_deref(), Some("沼津 太郎"));

        // The same file again: nothing to do. One line changed: one change.
        let again = ledgers
            .import_equipment_csv(&bytes, true, "op")
            .await
            .unwrap();
        assert_eq!((again.created, again.changed, again.unchanged), (0, 0, 4));
        let edited = FILE.replace(
            "PC-0002,PC,FMV-A,SN-2,K012,市民課,,在庫",
            "PC-0002,PC,FMV-A,SN-2,K012,市民課,10002,配備中",
        );
        let edited = ledgers
            .import_equipment_csv(edited.as_bytes(), false, "op")
            .await
            .unwrap();
        assert_eq!((edited.changed, edited.unchanged), (1, 3));
        let history = ledgers.device_history("PC-0002").await.unwrap();
        assert_eq!(history.last().unwrap().action, "import");

        // Export and read back, both encodings.
        for encoding in [SpreadsheetEncoding::Utf8, SpreadsheetEncoding::ShiftJis] {
            let out = ledgers.export_equipment_csv(encoding, "op").await.unwrap();
            let back = ledgers
                .import_equipment_csv(&out, true, "op")
                .await
                .unwrap();
            assert_eq!((back.rows, back.unchanged), (4, 4), "{encoding:?}");
        }
    }
}

#[tokio::test]
async fn a_file_with_problems_is_refused_whole_with_every_problem_named() {
    for db in backends().await {
        with_staff(&db.store).await;
        let ledgers = ledgers(&db.store);
        ledgers
            .import_equipment_csv(FILE.as_bytes(), false, "op")
            .await
            .unwrap();
        ledgers
            .set_device_state("PC-0002", DeviceState::Disposed, "老朽化", "op")
            .await
            .unwrap();
        let before = counts(&db.store).await;
        let file = "資産番号,種別,使用者職員番号,状態\r\n\
                    PC-0010,PC,,在庫\r\n\
                    PC-0011,パソコン,,在庫\r\n\
                    PC-0012,PC,55555,配備中\r\n\
                    PC-0010,PC,,在庫\r\n\
                    PC-0002,PC,,在庫\r\n\
                    PC-0001,PC,,廃棄\r\n\
                    PC-0013,PC,,使用中\r\n";
        let problems = csv_problems(
            ledgers
                .import_equipment_csv(file.as_bytes(), true, "op")
                .await,
        );
        let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                "3行目「種別」: PC・タブレット・Web会議用端末・プロジェクター・プリンター・携帯電話・ルーター/HUB・ケーブル・アダプターのどれかです。",
                "4行目「使用者職員番号」: 職員番号 55555 は職員名簿にありません。",
                "5行目「資産番号」: 2行目と同じ資産番号です。",
                "6行目「状態」: 廃棄した機器の状態は変えられません。",
                "7行目「状態」: 配備中の機器は、回収して在庫に戻してから廃棄してください。",
                "8行目「状態」: 在庫・貸出用・配備中・修理中・廃棄のどれかです。",
            ]
        );
        let not_text = ledgers
            .import_equipment_csv(&[0x82, 0xff, 0xfe, 0x00], false, "op")
            .await;
        assert!(matches!(
            not_text,
            Err(LedgerError::Csv(LedgerCsvError::NotText))
        ));
        assert_eq!(counts(&db.store).await, before, "nothing written");
    }
}

/// A file that lacks a column (a misspelt header reads as an unknown column, which is
/// skipped) never empties that field of the devices it names: such a line is refused,
/// naming the column, and nothing is written. A line whose device holds nothing there,
/// or a new device, is taken as before.
#[tokio::test]
async fn a_file_without_a_column_never_empties_that_field() {
    for db in backends().await {
        with_staff(&db.store).await;
        let ledgers = ledgers(&db.store);
        let bytes = encode(FILE, SpreadsheetEncoding::Utf8).unwrap();
        ledgers
            .import_equipment_csv(&bytes, false, "op")
            .await
            .unwrap();
        let before = counts(&db.store).await;
        // 使用者 instead of 使用者職員番号: PC-0001's person and its other fields would go.
        let file = "資産番号,種別,機種,使用者,状態\r\nPC-0001,PC,FMV-A,10001,配備中\r\n";
        let problems = csv_problems(
            ledgers
                .import_equipment_csv(file.as_bytes(), false, "op")
                .await,
        );
        let columns: Vec<_> = problems.iter().map(|p| (p.line, p.column)).collect();
        assert_eq!(
            columns,
            [
                (2, Some("製造番号")),
                (2, Some("設置場所・所属コード")),
                (2, Some("所属")),
                (2, Some("使用者職員番号")),
                (2, Some("備考")),
            ]
        );
        assert!(
            problems[3].reason.contains("列を加えてください"),
            "{problems:?}"
        );
        assert_eq!(counts(&db.store).await, before, "nothing written");
        let pc = ledgers.device("PC-0001").await.unwrap().unwrap();
        assert_eq!(pc.line.person_no.as_deref(), Some("10001"));

        // Without the state column, a device 配備中 would go back to 在庫: refused too.
        let file = "資産番号,種別,設置場所・所属コード,所属,使用者職員番号,機種,製造番号,備考\r\n\
                    HUB-01,ルーター/HUB,K020,税務課,,,,\r\n";
        let problems = csv_problems(
            ledgers
                .import_equipment_csv(file.as_bytes(), true, "op")
                .await,
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].column, Some("状態"));

        // A file without those columns: a device holding nothing there, and a new one.
        let file = "資産番号,種別,設置場所・所属コード,所属,状態\r\n\
                    HUB-01,ルーター/HUB,K020,税務課,配備中\r\n\
                    HUB-02,ルーター/HUB,K020,税務課,在庫\r\n";
        let done = ledgers
            .import_equipment_csv(file.as_bytes(), false, "op")
            .await
            .unwrap();
        assert_eq!((done.created, done.changed, done.unchanged), (1, 0, 1));
    }
}

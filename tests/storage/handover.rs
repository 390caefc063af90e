//! The handover export on every backend: every file's SHA-256 and row count in the
//! manifest are the file's own, the row counts are the database's, awkward values (commas,
//! quotes, line breaks, Japanese) come back as stored, secrets stay behind, and the export
//! is audited once; the equipment register and its history are there. A folder that
//! cannot be written is refused and nothing is audited.

use madoguchi::reports::{export_handover, HandoverManifest};
use madoguchi::storage::handover::HANDOVER_TABLES;
use madoguchi::storage::{sql, sql_owned};
use sha2::{Digest, Sha256};

use crate::conversations::conversation;
use crate::db::{backends, TestDb};

const AWKWARD: &str = "プリンタが「紙詰まり」, \"至急\"\r\n2行目";
/// A note (one line: notes take no control characters) with a comma and quotes.
const NOTE: &str = "液晶割れ, \"至急\"修理";

async fn handover_audits(db: &TestDb) -> i64 {
    sql("SELECT COUNT(*) FROM audit_log WHERE action = 'handover.export'")
        .scalar(&mut db.store.conn())
        .await
        .unwrap()
}

/// The data rows of a CSV file written with a BOM.
fn read_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let text = bytes.strip_prefix("\u{feff}".as_bytes()).expect("a BOM");
    let mut reader = csv::Reader::from_reader(text);
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

#[tokio::test]
async fn the_handover_export_matches_the_database_file_by_file() {
    for db in backends().await {
        crate::reports::seed(&db).await;
        let c = conversation(&db.store, "handover-room").await;
        sql(
            "INSERT INTO messages (conversation_id, channel, direction, author, text, created_at) \
             VALUES ($1, 'widget', 'in', 'staff', $2, $3)",
        )
        .bind(c.id)
        .bind(AWKWARD)
        .bind(db.store.now())
        .execute(&mut db.store.conn())
        .await
        .unwrap();
        crate::equipment::with_staff(&db.store).await;
        let device = madoguchi::ledgers::DeviceSpec {
            asset: "PC-0001".into(),
            kind: "PC".into(),
            person: Some("10001".into()),
            note: Some(NOTE.into()),
            ..Default::default()
        };
        crate::equipment::ledgers(&db.store)
            .register_device(&device, None, "op")
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let manifest = export_handover(&db.store, dir.path(), "cli").await.unwrap();

        // The manifest on disk is the one returned, and lists every table once.
        let on_disk: HandoverManifest =
            serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap())
                .unwrap();
        assert_eq!(on_disk, manifest);
        assert_eq!(manifest.files.len(), HANDOVER_TABLES.len());
        let sums = std::fs::read_to_string(dir.path().join("SHA256SUMS")).unwrap();

        for file in &manifest.files {
            let bytes = std::fs::read(dir.path().join(&file.file)).unwrap();
            assert_eq!(
                hex::encode(Sha256::digest(&bytes)),
                file.sha256,
                "{}",
                file.file
            );
            assert!(sums.contains(&format!("{}  {}\n", file.sha256, file.file)));
            let (header, rows) = read_csv(&bytes);
            assert_eq!(header, file.columns, "{}", file.file);
            assert!(!header.is_empty(), "{} names its columns", file.file);
            assert_eq!(rows.len(), file.rows, "{}", file.file);
            // The table's own name, from the fixed list, counted directly.
            let count: i64 = sql_owned(format!("SELECT COUNT(*) FROM {}", file.table))
                .scalar(&mut db.store.conn())
                .await
                .unwrap();
            // The export's own audit row came after the audit log was read.
            let expected = if file.table == "audit_log" {
                count - 1
            } else {
                count
            };
            assert_eq!(file.rows as i64, expected, "{}", file.table);
        }
        let rows_of = |table: &str| manifest.files.iter().find(|f| f.table == table).unwrap();
        assert!(rows_of("tickets").rows > 0 && rows_of("messages").rows > 0);
        assert!(rows_of("virus_incidents").rows > 0 && rows_of("work_log").rows > 0);
        assert_eq!(rows_of("equipment").rows, 1, "the equipment register");
        assert_eq!(rows_of("equipment_history").rows, 1);
        let (header, rows) = read_csv(&std::fs::read(dir.path().join("equipment.csv")).unwrap());
        let note = header.iter().position(|h| h == "note").unwrap();
        assert_eq!(rows[0][note], NOTE);

        // Awkward text survives; secrets are not exported.
        let (header, rows) = read_csv(&std::fs::read(dir.path().join("messages.csv")).unwrap());
        let text = header.iter().position(|h| h == "text").unwrap();
        assert!(rows.iter().any(|r| r[text] == AWKWARD));
        assert!(!rows_of("conversations")
            .columns
            .contains(&"token".to_owned()));
        assert!(!rows_of("users")
            .columns
            .contains(&"password_hash".to_owned()));
        assert!(!manifest.files.iter().any(|f| f.table == "sessions"));
        assert_eq!(handover_audits(&db).await, 1);

        // A folder that cannot be made: a clear error, no audit row.
        let blocker = dir.path().join("a-file");
        std::fs::write(&blocker, b"x").unwrap();
        let err = export_handover(&db.store, &blocker.join("out"), "cli")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("a-file"), "{err}");
        assert_eq!(handover_audits(&db).await, 1);
    }
}

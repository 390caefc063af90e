//! Print runs: intake → checks → preview → approval → output → run log, each action one
//! transaction with its audit line, on every backend. The printer is the spool-folder
//! adapter (a real folder); the CUPS adapter has its own tests (tests/batches/cups.rs).

use std::path::Path;
use std::sync::Arc;

use madoguchi::adapters::printer::SpoolFolderPrinter;
use madoguchi::batches::render::FormFont;
use madoguchi::batches::{sample, Catalogue, CATALOGUE_DIR};
use madoguchi::config::DEFAULT_FONT;
use madoguchi::domain::RunStatus;
use madoguchi::print_runs::purge::PurgeOrder;
use madoguchi::print_runs::sealed::FileKey;
use madoguchi::print_runs::{PrintRuns, RunError};
use madoguchi::storage::Store;
use tempfile::TempDir;

use crate::db::backends;

fn service(store: &Store, dir: &TempDir) -> Option<PrintRuns> {
    if !Path::new(DEFAULT_FONT).exists() {
        eprintln!("print-run story skipped: {DEFAULT_FONT} is missing (fonts-ipaexfont-gothic)");
        return None;
    }
    let catalogue =
        Catalogue::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(CATALOGUE_DIR)).unwrap();
    let font = FormFont::from_bytes(std::fs::read(DEFAULT_FONT).unwrap()).unwrap();
    let spool = dir.path().join("spool");
    std::fs::create_dir_all(&spool).unwrap();
    let printer = Arc::new(SpoolFolderPrinter {
        dir: spool,
        prefix: "renzoku".into(),
    });
    Some(
        PrintRuns::new(
            store.clone(),
            Arc::new(catalogue),
            font,
            printer,
            dir.path().join("runs"),
            Arc::new(FileKey::from_hex(&"5a".repeat(32)).unwrap()),
        )
        .unwrap(),
    )
}

/// The city's order to purge, with `witness` and `instruction`.
fn order<'a>(witness: &'a str, instruction: &'a str) -> PurgeOrder<'a> {
    PurgeOrder {
        instruction,
        method: "zero_overwrite",
        witness,
        reason: "業務完了",
    }
}

fn kettei(records: u64, seed: u64) -> Vec<u8> {
    let catalogue =
        Catalogue::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(CATALOGUE_DIR)).unwrap();
    let mut out = Vec::new();
    sample::write_sample(
        catalogue.job("kouki-kettei").unwrap(),
        records,
        seed,
        &mut out,
    )
    .unwrap();
    out
}

#[tokio::test]
async fn a_run_goes_from_intake_to_the_printer_and_leaves_its_log() {
    for db in backends().await {
        let dir = TempDir::new().unwrap();
        let Some(runs) = service(&db.store, &dir) else {
            return;
        };
        let data = kettei(40, 5);
        let run = runs
            .intake("yamada", "kouki-kettei", "kettei-0410.dat", &data)
            .await
            .unwrap();
        assert_eq!((run.status, run.records), (RunStatus::Checked, 40));
        assert!(run.total > 0 && run.checks.contains("control_totals"));
        // Kept encrypted: not even the job code is readable.
        let stored = std::fs::read(dir.path().join(format!("runs/run-{}.input", run.id))).unwrap();
        assert!(!stored.windows(8).any(|w| w == b"KKKETTEI"));
        // The same bytes again are refused, naming the first run.
        let again = runs
            .intake("yamada", "kouki-kettei", "copy.dat", &data)
            .await;
        assert!(
            matches!(again, Err(RunError::Duplicate(id)) if id == run.id),
            "{again:?}"
        );
        // Printing before approval is refused.
        assert!(matches!(
            runs.print("sato", run.id).await,
            Err(RunError::WrongStatus { .. })
        ));
        let preview = runs.preview("sato", run.id).await.unwrap();
        assert!(preview.starts_with(b"%PDF"));
        let approved = runs.approve("sato", run.id).await.unwrap();
        assert_eq!(approved.approved_by.as_deref(), Some("sato"));
        let printed = runs.print("sato", run.id).await.unwrap();
        assert_eq!(printed.status, RunStatus::Printed);
        assert_eq!(printed.pages, Some(40));
        assert_eq!(printed.printer_job_ids.as_deref(), Some("renzoku-1.pdf"));
        let output = std::fs::read(dir.path().join("spool/renzoku-1.pdf")).unwrap();
        let printing = dir.path().join(format!("runs/run-{}.printing.pdf", run.id));
        assert!(
            !printing.exists(),
            "the plain copy for the printer is removed"
        );
        assert_eq!(
            printed.output_sha256.as_deref(),
            Some(madoguchi::batches::sha256_hex(&output).as_str())
        );
        // Purged on the city's instruction: files erased, a deletion record kept.
        assert!(matches!(
            runs.purge("sato", run.id, &order(" ", "指示書")).await,
            Err(RunError::NoWitness)
        ));
        assert!(matches!(
            runs.purge("sato", run.id, &order("国保課 鈴木", "")).await,
            Err(RunError::NoInstruction)
        ));
        let purge = runs
            .purge(
                "sato",
                run.id,
                &order("国保課 鈴木", "令和8年度 消去指示書 第3号"),
            )
            .await
            .unwrap();
        assert_eq!(purge.reason, "業務完了");
        assert!(
            purge.items.contains("入力ファイル") && purge.items.contains("出力ファイル"),
            "{}",
            purge.items
        );
        assert!(!dir
            .path()
            .join(format!("runs/run-{}.input", run.id))
            .exists());
        assert!(!dir
            .path()
            .join(format!("runs/run-{}.pdf.sealed", run.id))
            .exists());
        assert!(matches!(
            runs.purge("sato", run.id, &order("x", "y")).await,
            Err(RunError::AlreadyPurged(_))
        ));
        let certificate = madoguchi::print_runs::purge::certificate(&purge, "決定通知書");
        for part in [
            "消去証明書",
            "立会者: 国保課 鈴木",
            "責任者: sato",
            "消去年月日: 令和8年11月26日",
        ] {
            assert!(certificate.contains(part), "{part} in {certificate}");
        }
        let actions: Vec<String> = db
            .store
            .audit_log(10)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.action)
            .collect();
        for action in [
            "batch_run.intake",
            "batch_run.preview",
            "batch_run.approve",
            "batch_run.print",
        ] {
            assert!(
                actions.iter().any(|a| a == action),
                "{action} in {actions:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_failed_check_stops_the_run_and_warnings_need_a_reason() {
    for db in backends().await {
        let dir = TempDir::new().unwrap();
        let Some(runs) = service(&db.store, &dir) else {
            return;
        };
        let mut data = kettei(10, 6);
        data[202 + 154] = if data[202 + 154] == b'9' {
            b'0'
        } else {
            data[202 + 154] + 1
        };
        let stopped = runs
            .intake("yamada", "kouki-kettei", "bad.dat", &data)
            .await
            .unwrap();
        assert_eq!(stopped.status, RunStatus::Stopped);
        assert!(stopped.checks.contains("合計金額"));
        assert!(
            !dir.path()
                .join(format!("runs/run-{}.input", stopped.id))
                .exists(),
            "not kept"
        );
        assert!(matches!(
            runs.approve("sato", stopped.id).await,
            Err(RunError::WrongStatus { .. })
        ));
        assert!(matches!(
            runs.override_warnings("admin", stopped.id, "急ぎ").await,
            Err(RunError::WrongStatus { .. })
        ));

        // 髙 in a name: a warning an admin may override, with a reason.
        let mut data = kettei(10, 7);
        data[202 + 97..202 + 99].copy_from_slice(&[0xFB, 0xFC]);
        let warned = runs
            .intake("yamada", "kouki-kettei", "gaiji.dat", &data)
            .await
            .unwrap();
        assert_eq!(warned.status, RunStatus::Warned);
        assert!(matches!(
            runs.approve("sato", warned.id).await,
            Err(RunError::WrongStatus { .. })
        ));
        assert!(matches!(
            runs.override_warnings("admin", warned.id, " ").await,
            Err(RunError::NoReason)
        ));
        let checked = runs
            .override_warnings("admin", warned.id, "外字登録済み")
            .await
            .unwrap();
        assert_eq!(checked.status, RunStatus::Checked);
        assert_eq!(checked.override_reason.as_deref(), Some("外字登録済み"));
        // Purged before printing: the log stays, the file is gone for good.
        runs.purge("admin", checked.id, &order("出納 田中", "消去指示 第4号"))
            .await
            .unwrap();
        assert!(matches!(
            runs.preview("sato", checked.id).await,
            Err(RunError::FileGone)
        ));
        assert!(matches!(
            runs.intake("x", "no-such-job", "a", b"").await,
            Err(RunError::UnknownJob(_))
        ));
    }
}

#[tokio::test]
async fn review_two_purges_at_once_leave_one_record_and_the_other_is_told() {
    for db in backends().await {
        let dir = TempDir::new().unwrap();
        let Some(runs) = service(&db.store, &dir) else {
            return;
        };
        let run = runs
            .intake("yamada", "kouki-kettei", "k.dat", &kettei(20, 3))
            .await
            .unwrap();
        runs.approve("sato", run.id).await.unwrap();
        runs.print("sato", run.id).await.unwrap();
        let (first, second) = (
            order("国保課 鈴木", "消去指示書 第1号"),
            order("国保課 田中", "消去指示書 第1号"),
        );
        let (a, b) = tokio::join!(
            runs.purge("sato", run.id, &first),
            runs.purge("suzuki", run.id, &second)
        );
        let (done, told) = match (a, b) {
            (Ok(done), Err(told)) | (Err(told), Ok(done)) => (done, told),
            other => panic!("one purge and one refusal expected: {other:?}"),
        };
        assert!(
            matches!(told, RunError::AlreadyPurged(id) if id == done.id),
            "{told:?}"
        );
        // The winner erased both files and says so.
        assert!(
            done.items.contains("入力ファイル") && done.items.contains("出力ファイル"),
            "{}",
            done.items
        );
        let purges = db
            .store
            .audit_log(50)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.action == "batch_run.purge")
            .count();
        assert_eq!(purges, 1, "{}", db.url);
    }
}

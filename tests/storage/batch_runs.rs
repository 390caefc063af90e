//! Print runs: intake → checks → preview → approval → output → run log, each action one
//! transaction with its audit line, on every backend. The printer is the spool-folder
//! adapter (a real folder); the CUPS adapter has its own tests (tests/batches/cups.rs).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use madoguchi::adapters::printer::SpoolFolderPrinter;
use madoguchi::batches::render::FormFont;
use madoguchi::batches::{sample, Catalogue, CATALOGUE_DIR};
use madoguchi::config::DEFAULT_FONT;
use madoguchi::domain::RunStatus;
use madoguchi::print_runs::duties::{DutySettings, PURGE_GRACE};
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
        // A stopped file does not block the same bytes: once the definition is corrected
        // the sender hands it over again, and it is checked anew as a run of its own.
        let again = runs
            .intake("yamada", "kouki-kettei", "bad.dat", &data)
            .await
            .unwrap();
        assert_ne!(again.id, stopped.id);
        assert_eq!(again.status, RunStatus::Stopped);
        let first = runs.log(stopped.id).await.unwrap();
        assert_eq!(first.status, RunStatus::Stopped, "the first record is kept");
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
            Err(RunError::AlreadyPurged(_))
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
        let (run, ..) = printed_run(&runs, &dir, 3).await;
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
        // Told of the winner's record, done or still being erased.
        assert!(
            matches!(told, RunError::AlreadyPurged(id) | RunError::PurgeUnfinished(id) if id == done.id),
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

/// A run of 20 決定通知書 records received, approved and printed; its files' paths
/// (input, sealed output).
async fn printed_run(
    runs: &PrintRuns,
    dir: &TempDir,
    seed: u64,
) -> (madoguchi::storage::batch_runs::BatchRun, PathBuf, PathBuf) {
    let run = runs
        .intake("yamada", "kouki-kettei", "k.dat", &kettei(20, seed))
        .await
        .unwrap();
    runs.approve("sato", run.id).await.unwrap();
    runs.print("sato", run.id).await.unwrap();
    let input = dir.path().join(format!("runs/run-{}.input", run.id));
    let output = dir.path().join(format!("runs/run-{}.pdf.sealed", run.id));
    (run, input, output)
}

/// Who did what to run `id`, oldest first, as `"actor action"`.
async fn run_actions(db: &crate::db::TestDb, id: i64) -> Vec<String> {
    let mut lines: Vec<String> = db
        .store
        .audit_log(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.object_id == id.to_string() && a.action.starts_with("batch_run."))
        .map(|a| format!("{} {}", a.actor, a.action))
        .collect();
    lines.reverse();
    lines
}

#[tokio::test]
async fn review_a_purge_cut_short_keeps_its_record_and_the_duties_finish_it() {
    for db in backends().await {
        let dir = TempDir::new().unwrap();
        let Some(runs) = service(&db.store, &dir) else {
            return;
        };
        let (run, input, output) = printed_run(&runs, &dir, 8).await;
        let input_size = std::fs::metadata(&input).unwrap().len();

        // The record is committed before any file is touched, naming both files as
        // they were.
        let ordered = runs
            .order_purge("sato", run.id, &order("国保課 鈴木", "消去指示書 第2号"))
            .await
            .unwrap();
        assert!(!ordered.is_done());
        assert!(input.exists() && output.exists(), "ordering erases nothing");
        assert!(
            ordered
                .items
                .contains(&format!("run-{}.input ({input_size} bytes", run.id))
                && ordered.items.contains("出力ファイル"),
            "{}",
            ordered.items
        );
        // The instance stops with the input erased and the output not yet.
        std::fs::remove_file(&input).unwrap();

        // Nobody purges it again, no certificate is issued for it, and the retention
        // duty does not start a purge of its own.
        let again = runs.purge("suzuki", run.id, &order("x", "y")).await;
        assert!(
            matches!(again, Err(RunError::PurgeUnfinished(id)) if id == ordered.id),
            "{again:?}"
        );
        assert!(matches!(
            runs.certificate_pdf(run.id).await,
            Err(RunError::PurgeUnfinished(id)) if id == ordered.id
        ));
        let runs = runs.with_duties(DutySettings {
            retention_days: Some(0),
            ..DutySettings::default()
        });
        db.clock.set(db.store.now() + chrono::Duration::seconds(1));
        assert_eq!(runs.purge_expired().await.unwrap(), 0);
        let orders = run_actions(&db, run.id).await;
        assert_eq!(
            orders
                .iter()
                .filter(|a| a.ends_with("batch_run.purge"))
                .count(),
            1,
            "{orders:?}"
        );
        // Its printed output is not handed out either.
        assert!(matches!(
            runs.output("sato", run.id).await,
            Err(RunError::PurgeUnfinished(_))
        ));

        // The duties leave it to the instance that ordered it for a while, then finish it.
        assert_eq!(runs.finish_purges().await.unwrap(), 0);
        assert!(output.exists());
        db.clock.set(db.store.now() + PURGE_GRACE);
        assert_eq!(runs.duties_due().await.purges_finished, 1);
        assert!(!output.exists());
        let done = runs.purge_record(run.id).await.unwrap().unwrap();
        assert!(done.is_done());
        assert_eq!(
            (done.items.as_str(), done.purged_by.as_str()),
            (ordered.items.as_str(), "sato"),
            "the record as ordered"
        );
        assert!(runs
            .certificate_pdf(run.id)
            .await
            .unwrap()
            .starts_with(b"%PDF"));
        assert_eq!(runs.finish_purges().await.unwrap(), 0, "done once");
        let actions = run_actions(&db, run.id).await;
        assert_eq!(
            actions[actions.len() - 2..],
            ["sato batch_run.purge", "system batch_run.erased"],
            "{actions:?}"
        );
    }
}

#[tokio::test]
async fn review_a_file_that_cannot_be_erased_leaves_the_purge_to_be_finished() {
    for db in backends().await {
        let dir = TempDir::new().unwrap();
        let Some(runs) = service(&db.store, &dir) else {
            return;
        };
        let (run, input, output) = printed_run(&runs, &dir, 9).await;

        // Something that is not a file where a file should be: refused before anything
        // is recorded or erased.
        let kept = std::fs::read(&output).unwrap();
        std::fs::remove_file(&output).unwrap();
        std::fs::create_dir(&output).unwrap();
        let refused = runs
            .purge("sato", run.id, &order("国保課 鈴木", "消去指示書 第4号"))
            .await;
        assert!(matches!(refused, Err(RunError::Io(_))), "{refused:?}");
        assert!(runs.purge_record(run.id).await.unwrap().is_none());
        assert!(input.exists(), "nothing erased");
        std::fs::remove_dir(&output).unwrap();
        std::fs::write(&output, &kept).unwrap();

        // Ordered, then the erasure fails part-way (the output turned into a folder):
        // the record stays, not done, and the erasure is tried again until it is.
        let ordered = runs
            .order_purge("sato", run.id, &order("国保課 鈴木", "消去指示書 第4号"))
            .await
            .unwrap();
        std::fs::remove_file(&output).unwrap();
        std::fs::create_dir(&output).unwrap();
        assert!(runs.finish_purge("sato", &ordered).await.is_err());
        assert!(!input.exists(), "the input was erased before the failure");
        let pending = runs.purge_record(run.id).await.unwrap().unwrap();
        assert!(!pending.is_done());
        db.clock
            .set(db.store.now() + PURGE_GRACE + chrono::Duration::seconds(1));
        assert_eq!(runs.finish_purges().await.unwrap(), 0, "still failing");
        assert!(!runs.purge_record(run.id).await.unwrap().unwrap().is_done());
        std::fs::remove_dir(&output).unwrap();
        assert_eq!(runs.finish_purges().await.unwrap(), 1);
        let done = runs.purge_record(run.id).await.unwrap().unwrap();
        assert!(done.is_done());
        assert!(
            done.items.contains("入力ファイル") && done.items.contains("出力ファイル"),
            "what was there when it was ordered, not 'no files': {}",
            done.items
        );
    }
}

#[tokio::test]
async fn review_a_purge_with_the_runs_folder_gone_is_not_taken_for_done() {
    for db in backends().await {
        let dir = TempDir::new().unwrap();
        let Some(runs) = service(&db.store, &dir) else {
            return;
        };
        let (run, input, _) = printed_run(&runs, &dir, 10).await;
        let ordered = runs
            .order_purge("sato", run.id, &order("国保課 鈴木", "消去指示書 第6号"))
            .await
            .unwrap();
        // The folder is not there (not mounted): the files cannot be known to be gone.
        let (folder, away) = (dir.path().join("runs"), dir.path().join("runs-away"));
        std::fs::rename(&folder, &away).unwrap();
        assert!(matches!(
            runs.finish_purge("sato", &ordered).await,
            Err(RunError::Io(_))
        ));
        assert!(!runs.purge_record(run.id).await.unwrap().unwrap().is_done());
        std::fs::rename(&away, &folder).unwrap();
        assert!(runs.finish_purge("sato", &ordered).await.unwrap().is_done());
        assert!(!input.exists());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn review_the_same_file_received_at_once_becomes_one_run() {
    for db in backends().await {
        let dir = TempDir::new().unwrap();
        let Some(runs) = service(&db.store, &dir) else {
            return;
        };
        let runs = Arc::new(runs);
        let data = Arc::new(kettei(200, 8));
        // Each intake checks the file before writing, so all four usually pass the
        // "already received?" look-up and meet at the insert.
        let tasks: Vec<_> = (0..4)
            .map(|i| {
                let (runs, data) = (runs.clone(), data.clone());
                tokio::spawn(async move {
                    runs.intake("yamada", "kouki-kettei", &format!("copy-{i}.dat"), &data)
                        .await
                })
            })
            .collect();
        let mut received = Vec::new();
        let mut duplicates = Vec::new();
        for task in tasks {
            match task.await.unwrap() {
                Ok(run) => received.push(run.id),
                Err(RunError::Duplicate(first)) => duplicates.push(first),
                Err(e) => panic!("{}: {e}", db.store.backend_name()),
            }
        }
        assert_eq!(received.len(), 1, "{}", db.store.backend_name());
        assert_eq!(
            duplicates,
            vec![received[0]; 3],
            "{}",
            db.store.backend_name()
        );
        assert_eq!(
            runs.recent().await.unwrap().len(),
            1,
            "{}",
            db.store.backend_name()
        );
    }
}

//! What print runs do by themselves, on every backend with a fixed clock: reminders from
//! the schedule (the 担当課's data due, the operators' run day) each sent once; the monthly
//! selftest stored per job; the purge of files past the retention period with its
//! deletion record, as a manual purge leaves.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, Utc};
use madoguchi::adapters::printer::SpoolFolderPrinter;
use madoguchi::batches::render::FormFont;
use madoguchi::batches::{sample, Catalogue, CATALOGUE_DIR};
use madoguchi::calendar::{self, BusinessCalendar, CalendarConfig};
use madoguchi::config::DEFAULT_FONT;
use madoguchi::domain::{OutboxRoute, RunStatus};
use madoguchi::print_runs::duties::DutySettings;
use madoguchi::print_runs::sealed::FileKey;
use madoguchi::print_runs::{PrintRuns, RunError};
use madoguchi::storage::batch_duties;
use madoguchi::storage::{OutboxItem, Store};
use tempfile::TempDir;

use crate::db::backends;

/// The 決定通知書's data-due reminder (not 変更決定通知書's), as queued JSON.
const DUE: &str = "様\\n決定通知書（";

fn jst(local: &str) -> DateTime<Utc> {
    calendar::to_utc(NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap())
}

fn catalogue() -> Catalogue {
    Catalogue::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(CATALOGUE_DIR)).unwrap()
}

fn service(store: &Store, dir: &TempDir, duties: DutySettings) -> Option<PrintRuns> {
    if !Path::new(DEFAULT_FONT).exists() {
        eprintln!("print-run duties skipped: {DEFAULT_FONT} is missing (fonts-ipaexfont-gothic)");
        return None;
    }
    let font = FormFont::from_bytes(std::fs::read(DEFAULT_FONT).unwrap()).unwrap();
    let spool = dir.path().join("spool");
    std::fs::create_dir_all(&spool).unwrap();
    let printer = Arc::new(SpoolFolderPrinter {
        dir: spool,
        prefix: "renzoku".into(),
    });
    let calendar = BusinessCalendar::new(&CalendarConfig::default()).unwrap();
    let runs = PrintRuns::new(
        store.clone(),
        Arc::new(catalogue()),
        font,
        printer,
        dir.path().join("runs"),
        Arc::new(FileKey::from_hex(&"6b".repeat(32)).unwrap()),
    )
    .unwrap();
    Some(runs.with_calendar(Arc::new(calendar)).with_duties(duties))
}

fn told() -> DutySettings {
    DutySettings {
        operators_room: Some("ops-room".into()),
        mail: true,
        department_mail: BTreeMap::from([(
            "国民健康保険課".to_owned(),
            "kokuho@city.example.lg.jp".to_owned(),
        )]),
        remind_business_days: 2,
        retention_days: None,
        watch_dir: None,
    }
}

/// The queued items whose text mentions `needle`.
async fn queued(store: &Store, needle: &str) -> Vec<OutboxItem> {
    store
        .outbox(None, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|i| i.payload.contains(needle))
        .collect()
}

#[tokio::test]
async fn schedule_reminders_are_sent_once_in_their_window_and_never_on_closed_days() {
    for db in backends().await {
        let dir = TempDir::new().unwrap();
        let Some(runs) = service(&db.store, &dir, told()) else {
            return;
        };
        // 決定通知書 runs on Thu 10 December 2026; its data is due five business days
        // before (Thu 3 December); the 担当課 hears from two business days before that.
        db.clock.set(jst("2026-11-27 10:00"));
        runs.remind().await.unwrap();
        assert!(queued(&db.store, DUE).await.is_empty(), "too early");
        db.clock.set(jst("2026-12-01 08:00"));
        assert_eq!(runs.remind().await.unwrap(), 0, "before the office opens");

        db.clock.set(jst("2026-12-01 10:00"));
        assert!(runs.remind().await.unwrap() >= 1);
        let due = queued(&db.store, DUE).await;
        assert_eq!(due.len(), 1, "{due:?}");
        assert_eq!(due[0].route, OutboxRoute::Mail);
        assert_eq!(
            due[0].recipient.as_deref(),
            Some("kokuho@city.example.lg.jp")
        );
        assert!(due[0].payload.contains("12月3日"), "{}", due[0].payload);
        // Looked for again the same day, the next day, by another instance: never twice.
        assert_eq!(runs.remind().await.unwrap(), 0);
        db.clock.set(jst("2026-12-03 16:00"));
        let again = db.reopen().await;
        let other = service(&again, &dir, told()).unwrap();
        other.remind().await.unwrap();
        runs.remind().await.unwrap();
        assert_eq!(queued(&db.store, DUE).await.len(), 1);
        let slots = batch_duties::done(&mut db.store.conn(), "due kouki-kettei ")
            .await
            .unwrap();
        assert_eq!(slots, vec!["due kouki-kettei 2026-12-10".to_owned()]);

        // A 担当課 without an address: the operators are asked to pass it on.
        let unknown = queued(&db.store, "連絡先が未設定").await;
        assert!(
            unknown
                .iter()
                .any(|i| i.route == OutboxRoute::OperatorsRoom && i.room == "ops-room"),
            "{unknown:?}"
        );

        // The run day: the operators' room and mail, once.
        db.clock.set(jst("2026-12-10 09:00"));
        runs.remind().await.unwrap();
        runs.remind().await.unwrap();
        let today = queued(&db.store, "は決定通知書（").await;
        let routes: Vec<_> = today.iter().map(|i| i.route).collect();
        assert_eq!(routes.len(), 2, "{today:?}");
        assert!(
            routes.contains(&OutboxRoute::OperatorsRoom) && routes.contains(&OutboxRoute::Mail)
        );

        // A Saturday: nothing at all.
        db.clock.set(jst("2026-12-12 10:00"));
        assert_eq!(runs.remind().await.unwrap(), 0);
    }
}

#[tokio::test]
async fn nobody_to_tell_claims_nothing() {
    for db in backends().await {
        let dir = TempDir::new().unwrap();
        let Some(runs) = service(&db.store, &dir, DutySettings::default()) else {
            return;
        };
        db.clock.set(jst("2026-12-10 10:00"));
        assert_eq!(runs.remind().await.unwrap(), 0);
        assert!(db.store.outbox(None, 10).await.unwrap().is_empty());
        assert!(batch_duties::done(&mut db.store.conn(), "")
            .await
            .unwrap()
            .is_empty());
    }
}

#[tokio::test]
async fn the_selftest_runs_once_a_month_and_each_jobs_result_is_kept() {
    for db in backends().await {
        let dir = TempDir::new().unwrap();
        let Some(runs) = service(&db.store, &dir, told()) else {
            return;
        };
        assert!(runs.last_checked().await.unwrap().is_empty());
        db.clock.set(jst("2026-12-01 03:00"));
        assert!(runs.monthly_selftest().await.unwrap());
        let first = runs.last_checked().await.unwrap();
        assert_eq!(first.len(), catalogue().jobs().len());
        assert!(
            first.iter().all(|r| r.passed && r.checked_by == "system"),
            "{first:?}"
        );
        assert!(first
            .iter()
            .all(|r| r.checked_at == jst("2026-12-01 03:00")));
        // Later the same month: not again.
        db.clock.set(jst("2026-12-20 10:00"));
        assert!(!runs.monthly_selftest().await.unwrap());
        // An admin's check now is kept as the latest.
        let results = runs.selftest("kanri").await.unwrap();
        assert!(results.iter().all(|r| r.passed));
        let latest = runs.last_checked().await.unwrap();
        assert!(latest.iter().all(|r| r.checked_by == "kanri"));
        // The next month: again.
        db.clock.set(jst("2027-01-04 09:00"));
        assert!(runs.monthly_selftest().await.unwrap());
        let slots = batch_duties::done(&mut db.store.conn(), "selftest ")
            .await
            .unwrap();
        assert_eq!(slots, vec!["selftest 2026-12", "selftest 2027-01"]);
    }
}

#[tokio::test]
async fn a_selftest_against_a_changed_form_fails_and_says_why() {
    let dir = TempDir::new().unwrap();
    let jobs = dir.path().join("jobs");
    std::fs::create_dir_all(&jobs).unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(CATALOGUE_DIR);
    let toml = std::fs::read_to_string(source.join("kouki-kettei.toml")).unwrap();
    // The title moved by a millimetre: the rendered PDF is no longer the expected one.
    let moved = toml.replace("{ x = 20.0, y = 95.0,", "{ x = 21.0, y = 95.0,");
    assert_ne!(moved, toml);
    std::fs::write(jobs.join("kouki-kettei.toml"), moved).unwrap();
    let catalogue = Catalogue::load(&jobs).unwrap();
    if !Path::new(DEFAULT_FONT).exists() {
        return;
    }
    let font = FormFont::from_bytes(std::fs::read(DEFAULT_FONT).unwrap()).unwrap();
    let results = madoguchi::batches::selftest::selftest_all(&catalogue, &font);
    assert_eq!(results.len(), 1);
    assert!(!results[0].passed);
    assert!(
        results[0]
            .notes
            .iter()
            .any(|n| n.starts_with("output SHA-256")),
        "{results:?}"
    );
}

#[tokio::test]
async fn files_past_the_retention_period_are_purged_with_a_deletion_record() {
    for db in backends().await {
        let dir = TempDir::new().unwrap();
        let duties = DutySettings {
            retention_days: Some(30),
            ..told()
        };
        let Some(runs) = service(&db.store, &dir, duties) else {
            return;
        };
        let mut data = Vec::new();
        let catalogue = catalogue();
        let job = catalogue.job("kouki-kettei").unwrap();
        sample::write_sample(job, 8, 4, &mut data).unwrap();
        db.clock.set(jst("2026-11-02 10:00"));
        let old = runs
            .intake("yamada", "kouki-kettei", "a.dat", &data)
            .await
            .unwrap();
        runs.approve("kanri", old.id).await.unwrap();
        runs.print("yamada", old.id).await.unwrap();
        let mut bad = data.clone();
        bad[202 + 154] = if bad[202 + 154] == b'9' {
            b'0'
        } else {
            bad[202 + 154] + 1
        };
        let stopped = runs
            .intake("yamada", "kouki-kettei", "b.dat", &bad)
            .await
            .unwrap();
        assert_eq!(stopped.status, RunStatus::Stopped);
        db.clock.set(jst("2026-11-20 10:00"));
        let mut later = Vec::new();
        sample::write_sample(job, 8, 5, &mut later).unwrap();
        let young = runs
            .intake("yamada", "kouki-kettei", "c.dat", &later)
            .await
            .unwrap();
        let input = |id: i64| dir.path().join(format!("runs/run-{id}.input"));
        let output = |id: i64| dir.path().join(format!("runs/run-{id}.pdf.sealed"));
        assert!(input(old.id).exists() && output(old.id).exists());

        // 30 days after the first receipt: not yet.
        db.clock.set(jst("2026-12-02 09:59"));
        assert_eq!(runs.purge_expired().await.unwrap(), 0);
        db.clock.set(jst("2026-12-02 10:01"));
        assert_eq!(runs.purge_expired().await.unwrap(), 1);
        assert!(!input(old.id).exists() && !output(old.id).exists());
        assert!(input(young.id).exists(), "the younger run keeps its file");
        let record = runs.purge_record(old.id).await.unwrap().unwrap();
        assert_eq!(record.purged_by, "system");
        assert!(
            record.instruction.contains("30日"),
            "{}",
            record.instruction
        );
        assert!(record.items.contains("入力ファイル") && record.items.contains("出力ファイル"));
        let certificate = madoguchi::print_runs::purge::certificate(&record, "決定通知書");
        assert!(
            certificate.contains("消去証明書")
                && certificate.contains("消去年月日: 令和8年12月2日")
        );
        // A stopped run kept no file and gets no record; nothing is purged twice.
        assert_eq!(runs.purge_expired().await.unwrap(), 0);
        assert!(runs.purge_record(stopped.id).await.unwrap().is_none());
        assert!(matches!(
            runs.output("yamada", old.id).await,
            Err(RunError::AlreadyPurged(_))
        ));
        let actions: Vec<String> = db
            .store
            .audit_log(50)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.object_id == old.id.to_string())
            .map(|a| format!("{} {}", a.actor, a.action))
            .collect();
        assert!(
            actions.contains(&"system batch_run.purge".to_owned()),
            "{actions:?}"
        );
        // The run's history shows it, oldest first.
        let history = runs.history(old.id).await.unwrap();
        let whats: Vec<_> = history.iter().map(|a| a.what).collect();
        assert_eq!(
            whats,
            vec![
                "受付・データチェック",
                "承認",
                "印刷開始",
                "印刷（プリンタへ送信）",
                "印刷完了（プリンタが完了を報告）",
                "消去の指示（消去記録の作成）",
                "消去の完了（ファイルを上書きして削除）"
            ]
        );
    }
}

#[tokio::test]
async fn files_in_the_watched_folder_become_runs_and_leave_the_folder() {
    for db in backends().await {
        let dir = TempDir::new().unwrap();
        let watch = dir.path().join("watch");
        let duties = DutySettings {
            watch_dir: Some(watch.clone()),
            ..told()
        };
        let Some(runs) = service(&db.store, &dir, duties) else {
            return;
        };
        assert_eq!(runs.poll_folder().await.unwrap(), 0, "no folder yet");
        let kettei = watch.join("kouki-kettei");
        std::fs::create_dir_all(&kettei).unwrap();
        std::fs::create_dir_all(watch.join("no-such-job")).unwrap();
        let catalogue = catalogue();
        let mut data = Vec::new();
        sample::write_sample(catalogue.job("kouki-kettei").unwrap(), 6, 11, &mut data).unwrap();
        std::fs::write(kettei.join("kettei-1210.dat"), &data).unwrap();
        std::fs::write(kettei.join("next.dat.partial"), &data[..100]).unwrap();
        std::fs::write(watch.join("no-such-job/x.dat"), &data).unwrap();

        assert_eq!(runs.poll_folder().await.unwrap(), 1);
        let run = runs.recent().await.unwrap().remove(0);
        assert_eq!(
            (
                run.received_by.as_str(),
                run.input_name.as_str(),
                run.status
            ),
            ("watched-folder", "kettei-1210.dat", RunStatus::Checked)
        );
        assert!(
            !kettei.join("kettei-1210.dat").exists(),
            "erased from the folder"
        );
        assert!(
            kettei.join("next.dat.partial").exists(),
            "still being written"
        );
        assert!(
            watch.join("no-such-job/x.dat").exists(),
            "not a job's folder"
        );
        assert_eq!(runs.poll_folder().await.unwrap(), 0, "received once");

        // The same file again: erased, and the run that has it is named in the audit log.
        std::fs::write(kettei.join("again.dat"), &data).unwrap();
        assert_eq!(runs.poll_folder().await.unwrap(), 0);
        assert!(!kettei.join("again.dat").exists());
        let audit = db.store.audit_log(5).await.unwrap();
        assert_eq!(audit[0].action, "batch_run.duplicate");
        assert_eq!(audit[0].object_id, run.id.to_string());
        assert_eq!(runs.recent().await.unwrap().len(), 1);

        // A file over the limit is never read: set aside, once, with an audit line.
        let huge = std::fs::File::create(kettei.join("huge.dat")).unwrap();
        huge.set_len(madoguchi::print_runs::MAX_INPUT_BYTES as u64 + 1)
            .unwrap(); // sparse: nothing is written
        assert_eq!(runs.poll_folder().await.unwrap(), 0);
        assert!(!kettei.join("huge.dat").exists());
        assert!(kettei.join("huge.dat.too-large").exists());
        let audit = db.store.audit_log(5).await.unwrap();
        assert_eq!(
            (audit[0].action.as_str(), audit[0].object_id.as_str()),
            ("batch_run.too_large", "kouki-kettei")
        );
        assert_eq!(runs.poll_folder().await.unwrap(), 0);
        assert_eq!(
            db.store.audit_log(5).await.unwrap()[0].id,
            audit[0].id,
            "once"
        );
        assert_eq!(runs.recent().await.unwrap().len(), 1);
    }
}

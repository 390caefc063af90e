//! An approved run reaches the printer at most once: two prints at once, a print
//! retried after the printer was slower than the wait, a check that finds the job
//! completed later (by an operator, or by the server's duties), a job that ended without
//! printing (back to 承認済 for a deliberate re-print), a claim left by a print that
//! stopped before sending (refused until its lease ran out), and one that stopped after
//! sending but before recording the job (the printer is asked for it by its title). The
//! printers here count what they were sent.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use madoguchi::batches::render::FormFont;
use madoguchi::batches::{sample, Catalogue, CATALOGUE_DIR};
use madoguchi::config::DEFAULT_FONT;
use madoguchi::domain::RunStatus;
use madoguchi::print_runs::duties::DutySettings;
use madoguchi::print_runs::sealed::FileKey;
use madoguchi::print_runs::{
    job_title, PrintError, PrintRuns, Printer, PrinterJob, RunError, PRINT_CLAIM_LEASE_MINUTES,
};
use madoguchi::storage::sql;
use tempfile::TempDir;

use crate::db::backends;

struct Counting {
    submitted: AtomicUsize,
    first_times_out: bool,
}

impl Counting {
    /// A printer that counts submissions; if `first_times_out`, the wait for the first
    /// job runs out before it completes.
    fn new(first_times_out: bool) -> Arc<Self> {
        Arc::new(Counting {
            submitted: AtomicUsize::new(0),
            first_times_out,
        })
    }
}

impl Printer for Counting {
    fn submit(&self, _title: &str, _pdf: &Path) -> Result<PrinterJob, PrintError> {
        let n = self.submitted.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(PrinterJob {
            id: format!("renzoku-{n}"),
        })
    }

    fn wait_completed(&self, job: &PrinterJob, timeout: Duration) -> Result<(), PrintError> {
        if self.first_times_out && job.id == "renzoku-1" {
            return Err(PrintError::NotCompleted(job.id.clone(), timeout));
        }
        std::thread::sleep(Duration::from_millis(300));
        Ok(())
    }
}

fn service(
    store: &madoguchi::storage::Store,
    dir: &TempDir,
    printer: Arc<dyn Printer>,
) -> Option<PrintRuns> {
    if !Path::new(DEFAULT_FONT).exists() {
        eprintln!("skipped: no font");
        return None;
    }
    let catalogue =
        Catalogue::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(CATALOGUE_DIR)).unwrap();
    let font = FormFont::from_bytes(std::fs::read(DEFAULT_FONT).unwrap()).unwrap();
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

fn kettei() -> Vec<u8> {
    let catalogue =
        Catalogue::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(CATALOGUE_DIR)).unwrap();
    let mut out = Vec::new();
    sample::write_sample(catalogue.job("kouki-kettei").unwrap(), 20, 7, &mut out).unwrap();
    out
}

/// Run of the sample 決定通知書 taken in and approved, with `printer` as the printer (and
/// the folder its files live in); `None` when the forms' font is missing (skipped).
async fn approved_run(
    store: &madoguchi::storage::Store,
    printer: Arc<dyn Printer>,
) -> Option<(TempDir, PrintRuns, i64)> {
    let dir = TempDir::new().unwrap();
    let runs = service(store, &dir, printer)?;
    let run = runs
        .intake("yamada", "kouki-kettei", "k.dat", &kettei())
        .await
        .unwrap();
    runs.approve("admin", run.id).await.unwrap();
    Some((dir, runs, run.id))
}

/// Run `id` as an instance left it that claimed it (as sato) and stopped before
/// recording a printer job.
async fn left_claimed_by_sato(store: &madoguchi::storage::Store, id: i64) {
    sql(
        "UPDATE batch_runs SET status = 'printing', printing_by = 'sato', \
         printing_at = $1 WHERE id = $2",
    )
    .bind(store.now())
    .bind(id)
    .execute(&mut store.conn())
    .await
    .unwrap();
}

#[tokio::test]
async fn review_two_prints_of_one_approved_run_reach_the_printer_once() {
    for db in backends().await {
        let printer = Counting::new(false);
        let Some((_dir, runs, id)) = approved_run(&db.store, printer.clone()).await else {
            return;
        };
        let (a, b) = tokio::join!(runs.print("sato", id), runs.print("suzuki", id));
        assert_eq!(printer.submitted.load(Ordering::SeqCst), 1, "{a:?} {b:?}");
        // One of them printed it; the other was refused or saw it printed.
        assert!(a.is_ok() || b.is_ok(), "{a:?} {b:?}");
        for refused in [&a, &b].into_iter().filter_map(|r| r.as_ref().err()) {
            assert!(matches!(refused, RunError::Printing { .. }), "{refused:?}");
        }
        assert_eq!(runs.log(id).await.unwrap().status, RunStatus::Printed);
    }
}

#[tokio::test]
async fn review_a_print_retried_after_a_timeout_is_not_printed_again() {
    for db in backends().await {
        let printer = Counting::new(true);
        let Some((_dir, runs, id)) = approved_run(&db.store, printer.clone()).await else {
            return;
        };
        let first = runs.print("sato", id).await;
        let second = runs.print("sato", id).await;
        assert_eq!(
            printer.submitted.load(Ordering::SeqCst),
            1,
            "{first:?} {second:?}"
        );
        // Left 印刷中 with its job, that the next attempt asked about.
        for attempt in [&first, &second] {
            assert!(
                matches!(attempt, Err(RunError::Printer(PrintError::NotCompleted(job, _))) if job == "renzoku-1"),
                "{attempt:?}"
            );
        }
        let log = runs.log(id).await.unwrap();
        assert_eq!(log.status, RunStatus::Printing);
        assert_eq!(log.printer_job_ids.as_deref(), Some("renzoku-1"));
        assert_eq!(log.printing_by.as_deref(), Some("sato"));
    }
}

/// What a printer says about a job when asked.
type Answer = fn(&PrinterJob) -> Result<(), PrintError>;

/// A printer whose answers about jobs are scripted, one per question (then: completed).
#[derive(Default)]
struct Scripted {
    submitted: AtomicUsize,
    answers: Mutex<VecDeque<Answer>>,
    asked: Mutex<Vec<String>>,
    /// The title of each job sent, in order (job `renzoku-N` is the N-th).
    titles: Mutex<Vec<String>>,
    /// Whether asking for a job by its title fails (the server cannot be reached).
    cannot_list: AtomicBool,
    /// Whether the answer to a submission is lost: after taking the job (`Some(true)`),
    /// or before (`Some(false)`: nothing was taken).
    answer_lost: Mutex<Option<bool>>,
}

impl Scripted {
    fn then(&self, answer: Answer) -> &Self {
        self.answers.lock().unwrap().push_back(answer);
        self
    }
}

fn late(job: &PrinterJob) -> Result<(), PrintError> {
    Err(PrintError::NotCompleted(job.id.clone(), Duration::ZERO))
}

fn held(job: &PrinterJob) -> Result<(), PrintError> {
    Err(PrintError::Stopped(job.id.clone(), "paused".into()))
}

fn canceled(job: &PrinterJob) -> Result<(), PrintError> {
    Err(PrintError::Ended(
        job.id.clone(),
        "canceled: job-canceled-by-user".into(),
    ))
}

fn unreachable(_: &PrinterJob) -> Result<(), PrintError> {
    Err(PrintError::Unavailable("connection refused".into()))
}

impl Printer for Scripted {
    fn submit(&self, title: &str, _pdf: &Path) -> Result<PrinterJob, PrintError> {
        let lost = *self.answer_lost.lock().unwrap();
        if lost == Some(false) {
            return Err(PrintError::Unanswered("connection reset".into()));
        }
        let n = self.submitted.fetch_add(1, Ordering::SeqCst) + 1;
        self.titles.lock().unwrap().push(title.to_owned());
        if lost == Some(true) {
            return Err(PrintError::Unanswered("connection reset".into()));
        }
        Ok(PrinterJob {
            id: format!("renzoku-{n}"),
        })
    }

    fn find_job(&self, title: &str) -> Result<Option<PrinterJob>, PrintError> {
        if self.cannot_list.load(Ordering::SeqCst) {
            return Err(PrintError::Unavailable("connection refused".into()));
        }
        let titles = self.titles.lock().unwrap();
        Ok(titles.iter().rposition(|t| t == title).map(|i| PrinterJob {
            id: format!("renzoku-{}", i + 1),
        }))
    }

    fn wait_completed(&self, job: &PrinterJob, _timeout: Duration) -> Result<(), PrintError> {
        self.asked.lock().unwrap().push(job.id.clone());
        match self.answers.lock().unwrap().pop_front() {
            Some(answer) => answer(job),
            None => Ok(()),
        }
    }
}

async fn audit_actions(store: &madoguchi::storage::Store) -> Vec<String> {
    let mut actions: Vec<String> = store
        .audit_log(50)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .filter(|a| a.starts_with("batch_run."))
        .collect();
    actions.reverse();
    actions
}

#[tokio::test]
async fn a_late_job_is_asked_about_until_the_printer_reports_it_complete() {
    for db in backends().await {
        let printer = Arc::new(Scripted::default());
        printer.then(late).then(held).then(unreachable);
        let Some((_dir, runs, id)) = approved_run(&db.store, printer.clone()).await else {
            return;
        };
        assert!(runs.print("sato", id).await.is_err());
        // Waiting on a stopped printer, or the printer not answering: still the printer's
        // job, still 印刷中.
        assert!(matches!(
            runs.check_printing("suzuki", id).await,
            Err(RunError::Printer(PrintError::Stopped(..)))
        ));
        assert!(matches!(
            runs.print("suzuki", id).await,
            Err(RunError::Printer(PrintError::Unavailable(_)))
        ));
        assert_eq!(runs.log(id).await.unwrap().status, RunStatus::Printing);
        // Then it completed.
        let printed = runs.check_printing("suzuki", id).await.unwrap();
        assert_eq!(printed.status, RunStatus::Printed);
        assert_eq!(printed.printer_job_ids.as_deref(), Some("renzoku-1"));
        assert_eq!(printed.pages, Some(20));
        assert!(printed.output_sha256.is_some());
        assert_eq!(printed.printed_by.as_deref(), Some("sato"), "who sent it");
        assert_eq!(printer.submitted.load(Ordering::SeqCst), 1);
        assert_eq!(*printer.asked.lock().unwrap(), vec!["renzoku-1"; 4]);
        // A printed run is not checked or printed again.
        assert!(matches!(
            runs.check_printing("suzuki", id).await,
            Err(RunError::WrongStatus { .. })
        ));
        assert!(matches!(
            runs.print("suzuki", id).await,
            Err(RunError::WrongStatus { .. })
        ));
        assert_eq!(printer.submitted.load(Ordering::SeqCst), 1);
        assert_eq!(
            audit_actions(&db.store).await,
            [
                "batch_run.intake",
                "batch_run.approve",
                "batch_run.claim",
                "batch_run.submit",
                "batch_run.print"
            ]
        );
    }
}

#[tokio::test]
async fn a_job_that_ended_without_printing_puts_the_run_back_to_approved() {
    for db in backends().await {
        let printer = Arc::new(Scripted::default());
        printer.then(late).then(canceled);
        let Some((_dir, runs, id)) = approved_run(&db.store, printer.clone()).await else {
            return;
        };
        assert!(runs.print("sato", id).await.is_err());
        let ended = runs.check_printing("sato", id).await;
        assert!(
            matches!(ended, Err(RunError::Printer(PrintError::Ended(..)))),
            "{ended:?}"
        );
        let back = runs.log(id).await.unwrap();
        assert_eq!(back.status, RunStatus::Approved);
        assert_eq!(back.printer_job_ids, None);
        // Printed again on purpose: a new job.
        let printed = runs.print("sato", id).await.unwrap();
        assert_eq!(printed.status, RunStatus::Printed);
        assert_eq!(printed.printer_job_ids.as_deref(), Some("renzoku-2"));
        assert_eq!(printer.submitted.load(Ordering::SeqCst), 2);
        let actions = audit_actions(&db.store).await;
        assert!(
            actions.iter().any(|a| a == "batch_run.release"),
            "{actions:?}"
        );
    }
}

#[tokio::test]
async fn a_claim_that_sent_nothing_holds_the_run_until_its_lease_ran_out() {
    for db in backends().await {
        let printer = Arc::new(Scripted::default());
        let Some((_dir, runs, id)) = approved_run(&db.store, printer.clone()).await else {
            return;
        };
        // An instance claimed the run and stopped before sending it.
        left_claimed_by_sato(&db.store, id).await;
        for attempt in [
            runs.print("suzuki", id).await,
            runs.check_printing("suzuki", id).await,
        ] {
            assert!(
                matches!(&attempt, Err(RunError::Printing { by, job: None, .. }) if by == "sato"),
                "{attempt:?}"
            );
        }
        assert_eq!(printer.submitted.load(Ordering::SeqCst), 0);
        // Once the lease ran out, it may be printed (after checking the printer).
        let lease = chrono::Duration::minutes(PRINT_CLAIM_LEASE_MINUTES);
        db.clock
            .set(db.store.now() + lease + chrono::Duration::seconds(1));
        let printed = runs.print("suzuki", id).await.unwrap();
        assert_eq!(printed.status, RunStatus::Printed);
        assert_eq!(printed.printed_by.as_deref(), Some("suzuki"));
        assert_eq!(printer.submitted.load(Ordering::SeqCst), 1);
    }
}

#[tokio::test]
async fn review_a_run_left_printing_is_settled_by_the_duties_as_the_printer_reports() {
    for db in backends().await {
        // Late at the press and at the first pass, then complete.
        let printer = Arc::new(Scripted::default());
        printer.then(late).then(late);
        let Some((dir, runs, id)) = approved_run(&db.store, printer.clone()).await else {
            return;
        };
        assert!(runs.print("sato", id).await.is_err());
        assert_eq!(runs.settle_printing().await.unwrap(), 0);
        assert_eq!(runs.log(id).await.unwrap().status, RunStatus::Printing);
        // Another duty failing (the purge of expired files finds the runs' folder
        // gone) does not stop it.
        let (folder, away) = (dir.path().join("runs"), dir.path().join("runs-away"));
        std::fs::rename(&folder, &away).unwrap();
        let runs = runs.with_duties(DutySettings {
            retention_days: Some(0),
            ..DutySettings::default()
        });
        db.clock.set(db.store.now() + chrono::Duration::seconds(1));
        assert!(runs.purge_expired().await.is_err());
        assert_eq!(runs.duties_due().await.settled, 1);
        std::fs::rename(&away, &folder).unwrap();
        let printed = runs.log(id).await.unwrap();
        assert_eq!(printed.status, RunStatus::Printed);
        assert_eq!(printed.printed_by.as_deref(), Some("sato"), "who sent it");
        let print = db
            .store
            .audit_log(50)
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.action == "batch_run.print")
            .unwrap();
        assert_eq!(print.actor, "system");
        // Settled runs are not asked about again; nothing was sent twice.
        assert_eq!(runs.settle_printing().await.unwrap(), 0);
        assert_eq!(*printer.asked.lock().unwrap(), vec!["renzoku-1"; 3]);
        assert_eq!(printer.submitted.load(Ordering::SeqCst), 1);
    }
}

#[tokio::test]
async fn review_a_job_cancelled_at_the_printer_is_put_back_to_approved_by_the_duties() {
    for db in backends().await {
        let printer = Arc::new(Scripted::default());
        printer.then(late).then(canceled);
        let Some((_dir, runs, id)) = approved_run(&db.store, printer.clone()).await else {
            return;
        };
        assert!(runs.print("sato", id).await.is_err());
        assert_eq!(runs.settle_printing().await.unwrap(), 1);
        let back = runs.log(id).await.unwrap();
        assert_eq!(back.status, RunStatus::Approved);
        assert_eq!(back.printer_job_ids, None);
    }
}

#[tokio::test]
async fn review_a_claim_that_sent_the_run_but_stopped_before_recording_it_is_not_sent_again() {
    for db in backends().await {
        let printer = Arc::new(Scripted::default());
        let Some((dir, runs, id)) = approved_run(&db.store, printer.clone()).await else {
            return;
        };
        let lease = chrono::Duration::minutes(PRINT_CLAIM_LEASE_MINUTES);
        // An earlier attempt's job, cancelled (the run went back to 承認済): the newest job
        // of the title is the stopped claim's.
        let pdf = dir.path().join("sent.pdf");
        std::fs::write(&pdf, b"%PDF").unwrap();
        printer
            .submit(&job_title("kouki-kettei", id), &pdf)
            .unwrap();
        // An instance claimed the run, the printer took the job, and the instance stopped
        // before recording it.
        left_claimed_by_sato(&db.store, id).await;
        let sent = printer
            .submit(&job_title("kouki-kettei", id), &pdf)
            .unwrap();
        let later = |db: &crate::db::TestDb| {
            db.clock
                .set(db.store.now() + lease + chrono::Duration::seconds(1))
        };
        // After the lease, a printer that cannot be asked: nothing is sent, still claimed.
        later(&db);
        printer.cannot_list.store(true, Ordering::SeqCst);
        let refused = runs.print("suzuki", id).await;
        assert!(
            matches!(refused, Err(RunError::Printer(PrintError::Unavailable(_)))),
            "{refused:?}"
        );
        let log = runs.log(id).await.unwrap();
        assert_eq!(log.status, RunStatus::Printing);
        assert_eq!(log.printing_by.as_deref(), Some("suzuki"));
        assert!(!dir
            .path()
            .join(format!("runs/run-{id}.printing.pdf"))
            .exists());
        // Once it can: the job it took is found, recorded and followed, not sent again.
        later(&db);
        printer.cannot_list.store(false, Ordering::SeqCst);
        let printed = runs.print("suzuki", id).await.unwrap();
        assert_eq!(printed.status, RunStatus::Printed);
        assert_eq!(printed.printer_job_ids.as_deref(), Some(sent.id.as_str()));
        assert_eq!(sent.id, "renzoku-2", "not the earlier attempt's");
        assert_eq!(printed.pages, Some(20));
        assert!(printed.output_sha256.is_some());
        assert_eq!(printer.submitted.load(Ordering::SeqCst), 2);
        assert!(!dir
            .path()
            .join(format!("runs/run-{id}.printing.pdf"))
            .exists());
    }
}

#[tokio::test]
async fn review_a_submission_whose_answer_was_lost_is_asked_about_not_sent_again() {
    for db in backends().await {
        // The printer took the job; its answer was lost: found by its title, followed.
        let printer = Arc::new(Scripted::default());
        *printer.answer_lost.lock().unwrap() = Some(true);
        let Some((_dir, runs, id)) = approved_run(&db.store, printer.clone()).await else {
            return;
        };
        let printed = runs.print("sato", id).await.unwrap();
        assert_eq!(printed.status, RunStatus::Printed);
        assert_eq!(printed.printer_job_ids.as_deref(), Some("renzoku-1"));
        assert_eq!(printer.submitted.load(Ordering::SeqCst), 1);
    }
    for db in backends().await {
        // Lost before the printer took anything: back to 承認済, to be printed on purpose.
        let printer = Arc::new(Scripted::default());
        *printer.answer_lost.lock().unwrap() = Some(false);
        let Some((_dir, runs, id)) = approved_run(&db.store, printer.clone()).await else {
            return;
        };
        let lost = runs.print("sato", id).await;
        assert!(
            matches!(lost, Err(RunError::Printer(PrintError::Unanswered(_)))),
            "{lost:?}"
        );
        assert_eq!(runs.log(id).await.unwrap().status, RunStatus::Approved);
    }
    for db in backends().await {
        // The printer cannot be asked: the run stays claimed, nothing more is sent.
        let printer = Arc::new(Scripted::default());
        *printer.answer_lost.lock().unwrap() = Some(true);
        printer.cannot_list.store(true, Ordering::SeqCst);
        let Some((_dir, runs, id)) = approved_run(&db.store, printer.clone()).await else {
            return;
        };
        assert!(runs.print("sato", id).await.is_err());
        let log = runs.log(id).await.unwrap();
        assert_eq!(log.status, RunStatus::Printing);
        assert_eq!(log.printer_job_ids, None);
        assert!(matches!(
            runs.print("suzuki", id).await,
            Err(RunError::Printing { .. })
        ));
        assert_eq!(printer.submitted.load(Ordering::SeqCst), 1);
    }
}

#[tokio::test]
async fn review_a_found_job_whose_run_cannot_be_rendered_keeps_the_run_claimed() {
    for db in backends().await {
        let printer = Arc::new(Scripted::default());
        let Some((dir, runs, id)) = approved_run(&db.store, printer.clone()).await else {
            return;
        };
        // The stopped claim's job is at the printer; the run's input is gone since.
        let pdf = dir.path().join("sent.pdf");
        std::fs::write(&pdf, b"%PDF").unwrap();
        left_claimed_by_sato(&db.store, id).await;
        printer
            .submit(&job_title("kouki-kettei", id), &pdf)
            .unwrap();
        std::fs::remove_file(dir.path().join(format!("runs/run-{id}.input"))).unwrap();
        let lease = chrono::Duration::minutes(PRINT_CLAIM_LEASE_MINUTES);
        db.clock
            .set(db.store.now() + lease + chrono::Duration::seconds(1));
        assert!(runs.print("suzuki", id).await.is_err());
        // Not back to 承認済: a later press would send it again.
        let log = runs.log(id).await.unwrap();
        assert_eq!(log.status, RunStatus::Printing);
        assert_eq!(printer.submitted.load(Ordering::SeqCst), 1);
        assert!(!audit_actions(&db.store)
            .await
            .iter()
            .any(|a| a == "batch_run.release"));
    }
}

/// The city's order to purge, for the tests below.
fn purge_order() -> madoguchi::print_runs::purge::PurgeOrder<'static> {
    madoguchi::print_runs::purge::PurgeOrder {
        instruction: "消去指示書 第5号",
        method: "zero_overwrite",
        witness: "国保課 鈴木",
        reason: "業務完了",
    }
}

#[tokio::test]
async fn review_nothing_is_printed_from_a_run_whose_purge_is_ordered() {
    for db in backends().await {
        let printer = Counting::new(false);
        let Some((_dir, runs, id)) = approved_run(&db.store, printer.clone()).await else {
            return;
        };
        // Ordered (its instance stopped before the erasure): no preview, no print.
        let ordered = runs.order_purge("kanri", id, &purge_order()).await.unwrap();
        let unfinished = |r: &Result<(), RunError>| matches!(r, Err(RunError::PurgeUnfinished(p)) if *p == ordered.id);
        assert!(unfinished(&runs.print("sato", id).await.map(drop)));
        assert!(unfinished(&runs.preview("sato", id).await.map(drop)));
        assert_eq!(printer.submitted.load(Ordering::SeqCst), 0);
        assert_eq!(runs.log(id).await.unwrap().status, RunStatus::Approved);
    }
}

#[tokio::test]
async fn review_a_run_being_printed_is_not_purged() {
    for db in backends().await {
        let printer = Counting::new(false);
        let Some((_dir, runs, id)) = approved_run(&db.store, printer).await else {
            return;
        };
        left_claimed_by_sato(&db.store, id).await;
        assert!(matches!(
            runs.purge("kanri", id, &purge_order()).await,
            Err(RunError::Printing { .. })
        ));
        assert!(runs.purge_record(id).await.unwrap().is_none());
    }
}

//! What the print runs do by themselves, looked for every minute by the server
//! (`run_duties`): reminders from the schedule through the outbox (the 担当課 that its
//! data is due, the operators on the run day), the monthly selftest of every job with
//! its stored results, the purges cut short finished, the purge of files past the
//! retention period the city set, and the runs left 印刷中 settled as the printer reports
//! their jobs.
//! Each reminder and each month's selftest has a slot claimed in the transaction that
//! does it, so it happens once however often, and by however many instances, it is
//! looked for.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::Datelike;

use super::purge::Erasure;
use super::selftests::{selftest_in_background, store_selftest};
use super::{PrintRuns, RunError};
use crate::batches::schedule::{business_days_before, ScheduledRun};
use crate::batches::selftest::SelfTestResult;
use crate::batches::Catalogue;
use crate::calendar::{self, format_date_ja};
use crate::config::{BatchSettings, NotifySettings};
use crate::domain::{ErasureMethod, OutboxRoute};
use crate::storage::batch_duties::{self, SelfTestRow};
use crate::storage::batch_runs::{self, BatchPurge};
use crate::storage::{outbox, Delivery, NewOutboxItem};

/// How often the server looks for duties due.
const EVERY: Duration = Duration::from_secs(60);
/// The outbox room of the batches' mail (ordering only).
const MAIL_ROOM: &str = "print-batches";
/// Who the automatic duties are done by, in the logs.
pub const SYSTEM: &str = "system";
/// How long a purge may be under way before the duties take it for one cut short and
/// finish it: the erasure of a run's two files takes seconds.
pub const PURGE_GRACE: chrono::Duration = chrono::Duration::minutes(10);

/// Who is told what, and how long files are kept.
#[derive(Debug, Clone, Default)]
pub struct DutySettings {
    /// The operators' LoGoチャット room (`[notify] logochat_room`).
    pub operators_room: Option<String>,
    /// Whether mail is configured (`[notify.smtp] host`): operators' mail and the 担当課's.
    pub mail: bool,
    /// The 担当課's mail address by name.
    pub department_mail: BTreeMap<String, String>,
    /// Business days before the data is due that the 担当課 is reminded.
    pub remind_business_days: u32,
    /// Days files are kept after receipt; none: until the city's instruction.
    pub retention_days: Option<u32>,
    /// The watched folder, one subfolder per job id.
    pub watch_dir: Option<std::path::PathBuf>,
}

impl DutySettings {
    pub fn new(batches: &BatchSettings, notify: &NotifySettings) -> Self {
        Self {
            operators_room: notify.logochat_room.clone(),
            mail: notify.mail_notices(),
            department_mail: batches.department_mail.clone(),
            remind_business_days: batches.remind_business_days,
            retention_days: batches.retention_days,
            watch_dir: batches.watch_dir.clone(),
        }
    }
}

/// What one pass of the duties did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DutiesDone {
    pub reminders: usize,
    pub selftested: bool,
    pub purged: usize,
    /// Purges cut short (an instance stopped, a file could not be erased) now done.
    pub purges_finished: usize,
    pub received: usize,
    /// Runs left 印刷中 that the printer has since reported done or ended.
    pub settled: usize,
}

impl PrintRuns {
    /// Who is told what, and how long files are kept.
    pub fn with_duties(mut self, duties: DutySettings) -> Self {
        self.duties = duties;
        self
    }

    /// Does the duties due every minute until `shutdown`.
    pub async fn run_duties(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            self.duties_due().await;
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tokio::time::sleep(EVERY) => {}
            }
        }
    }

    /// One pass: reminders, the month's selftest, the purges cut short, the purge of
    /// expired files, the watched folder, the runs left 印刷中. Each duty is done whatever
    /// another's failure (logged, and tried again on the next pass).
    pub async fn duties_due(&self) -> DutiesDone {
        DutiesDone {
            reminders: logged("reminders", self.remind().await),
            selftested: logged("monthly selftest", self.monthly_selftest().await),
            purges_finished: logged("purges cut short", self.finish_purges().await),
            purged: logged("purge of expired files", self.purge_expired().await),
            received: logged("watched folder", self.poll_folder().await),
            settled: logged("runs left printing", self.settle_printing().await),
        }
    }

    /// Asks the printer once about each run left 印刷中 with its job recorded (a press
    /// whose wait ran out, an instance stopped while waiting): 印刷済 once the printer
    /// reports the job complete, back to 承認済 when it ended without printing, else left
    /// as it is for the next pass. Nothing is ever sent. How many runs it settled.
    pub async fn settle_printing(&self) -> Result<usize, RunError> {
        let runs = batch_runs::printing_with_job(&mut self.store.conn()).await?;
        let mut settled = 0;
        for run in runs {
            match self
                .check_printing_within(SYSTEM, run.id, Duration::ZERO)
                .await
            {
                Ok(_) => settled += 1,
                Err(RunError::Printer(e)) if !e.may_still_print() => settled += 1,
                // Still the printer's (late, stopped, not answering), or settled by
                // someone else meanwhile: the next pass, or nothing, is due.
                Err(RunError::Printer(_) | RunError::WrongStatus { .. }) => {}
                // This run's trouble is not the next one's.
                Err(e) => {
                    tracing::error!(run = run.id, error = %e, "a run left printing was not settled")
                }
            }
        }
        Ok(settled)
    }

    /// Queues the reminders due now that were not sent yet; how many. Nothing is sent
    /// on a closed day nor before the office opens.
    pub async fn remind(&self) -> Result<usize, RunError> {
        let Some(cal) = &self.calendar else {
            return Ok(0);
        };
        let local = calendar::to_local(self.store.now());
        let today = local.date();
        if !cal.is_business_day(today) || local.time() < cal.open_time() {
            return Ok(0);
        }
        let fiscal = if today.month() >= 4 {
            today.year()
        } else {
            today.year() - 1
        };
        let mut sent = 0;
        let mut runs = self.schedule(fiscal).await?;
        runs.extend(self.schedule(fiscal + 1).await?);
        for run in runs {
            let from = business_days_before(cal, run.data_due, self.duties.remind_business_days);
            if (from..=run.data_due).contains(&today) {
                let slot = format!("due {} {}", run.job, run.date);
                sent += usize::from(self.send(&slot, self.data_due_items(&run)).await?);
            }
            if run.date == today {
                let slot = format!("run {} {}", run.job, run.date);
                sent += usize::from(self.send(&slot, self.run_day_items(&run)).await?);
            }
        }
        Ok(sent)
    }

    /// Claims `slot` and queues `items` in one transaction; false when it was done
    /// already or there is nobody to tell.
    async fn send(&self, slot: &str, items: Vec<NewOutboxItem>) -> Result<bool, RunError> {
        if items.is_empty() {
            return Ok(false);
        }
        let mut tx = self.store.begin().await?;
        if !batch_duties::claim(&mut tx, slot).await? {
            return Ok(false);
        }
        for item in &items {
            outbox::push(&mut tx, item, None).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// To the 担当課 by mail when its address is known, else to the operators to pass on.
    fn data_due_items(&self, run: &ScheduledRun) -> Vec<NewOutboxItem> {
        let subject = format!("【印刷データの提出】{}", run.name);
        let text = format!(
            "{}ご担当者様\n{}（{}印刷予定）のデータの提出期限は{}です。期限までにお送りください。",
            run.department,
            run.name,
            format_date_ja(run.date),
            format_date_ja(run.data_due)
        );
        match self.duties.department_mail.get(&run.department) {
            Some(address) if self.duties.mail => vec![mail(Some(address), &subject, &text)],
            _ => self.to_operators(
                &subject,
                &format!(
                    "{text}\n（{}の連絡先が未設定です。担当課へお伝えください。）",
                    run.department
                ),
            ),
        }
    }

    fn run_day_items(&self, run: &ScheduledRun) -> Vec<NewOutboxItem> {
        let subject = format!("【本日の印刷】{}", run.name);
        let text = format!(
            "本日{}は{}（{}）の印刷日です。データの受付と確認は印刷バッチの画面から行ってください。",
            format_date_ja(run.date),
            run.name,
            run.department
        );
        self.to_operators(&subject, &text)
    }

    /// The operators' room and mail, as configured.
    fn to_operators(&self, subject: &str, text: &str) -> Vec<NewOutboxItem> {
        let mut items = Vec::new();
        if let Some(room) = &self.duties.operators_room {
            items.push(NewOutboxItem {
                kind: crate::domain::OutboxKind::PrintRun,
                route: OutboxRoute::OperatorsRoom,
                room: room.clone(),
                recipient: None,
                delivery: Delivery {
                    text: format!("{subject}\n{text}"),
                    subject: None,
                },
            });
        }
        if self.duties.mail {
            items.push(mail(None, subject, text));
        }
        items
    }

    /// Runs every job's selftest once a month (the first pass on or after the 1st);
    /// whether it ran now.
    pub async fn monthly_selftest(&self) -> Result<bool, RunError> {
        let today = calendar::to_local(self.store.now()).date();
        let slot = format!("selftest {}", today.format("%Y-%m"));
        if !batch_duties::done(&mut self.store.conn(), &slot)
            .await?
            .is_empty()
        {
            return Ok(false);
        }
        let (catalogue, results) = self.compute_selftest().await?;
        let mut tx = self.store.begin().await?;
        if !batch_duties::claim(&mut tx, &slot).await? {
            return Ok(false);
        }
        store_selftest(&mut tx, SYSTEM, &catalogue, &results).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Runs every job's selftest now (an admin in the console); the results, stored.
    pub async fn selftest(&self, actor: &str) -> Result<Vec<SelfTestResult>, RunError> {
        let (catalogue, results) = self.compute_selftest().await?;
        let mut tx = self.store.begin().await?;
        store_selftest(&mut tx, actor, &catalogue, &results).await?;
        tx.commit().await?;
        Ok(results)
    }

    async fn compute_selftest(&self) -> Result<(Arc<Catalogue>, Vec<SelfTestResult>), RunError> {
        let catalogue = self.catalogue().await?;
        let results = selftest_in_background(catalogue.clone(), self.font.clone()).await?;
        Ok((catalogue, results))
    }

    /// Each job's latest selftest result (the console's "last checked").
    pub async fn last_checked(&self) -> Result<Vec<SelfTestRow>, RunError> {
        Ok(batch_duties::latest_selftests(&mut self.store.conn()).await?)
    }

    /// Finishes the purges ordered more than [`PURGE_GRACE`] ago and not done (the
    /// instance that ordered one stopped between its record and the end of the erasure,
    /// or a file could not be erased): the files left are erased and the record marked
    /// done, by `system`. How many it finished; one that fails again does not stop the
    /// others (logged, tried again on the next pass).
    pub async fn finish_purges(&self) -> Result<usize, RunError> {
        let before = self.store.now() - PURGE_GRACE;
        let pending = batch_runs::unfinished_purges(&mut self.store.conn(), before).await?;
        let mut finished = 0;
        for ordered in pending {
            match self.finish_purge(SYSTEM, &ordered).await {
                Ok(_) => finished += 1,
                Err(e) => {
                    tracing::error!(run = ordered.run_id, error = %e, "a purge cut short was not finished")
                }
            }
        }
        Ok(finished)
    }

    /// Purges the files of runs received more than the retention period ago, each with
    /// its deletion record as a manual purge leaves; the records made.
    pub async fn purge_expired(&self) -> Result<usize, RunError> {
        let Some(days) = self.duties.retention_days else {
            return Ok(0);
        };
        // No purge is ordered while the runs' folder is missing; the duty fails and is
        // tried on the next pass.
        self.files_reachable()?;
        let before = self.store.now() - chrono::Duration::days(i64::from(days));
        let runs = batch_duties::unpurged_before(&mut self.store.conn(), before).await?;
        let instruction = format!("保存期間（受付から{days}日）の経過による自動消去（市の設定）");
        let mut purged = 0;
        for run in runs {
            let erasure = Erasure {
                witness: "なし（自動消去）",
                instruction: &instruction,
                reason: "保存期間の経過",
                method: ErasureMethod::ZeroOverwrite,
            };
            match self.erase_run(SYSTEM, &run, &erasure).await {
                Ok(BatchPurge { .. }) => purged += 1,
                // Another instance ordered it first.
                Err(RunError::AlreadyPurged(_) | RunError::PurgeUnfinished(_)) => {}
                // This run's trouble (a file that is not a file, a run being printed) is
                // not the next one's; it is tried again on the next pass.
                Err(e) => {
                    tracing::error!(run = run.id, error = %e, "an expired run's files were not purged")
                }
            }
        }
        Ok(purged)
    }
}

/// A duty's result, its failure logged (the duty gives its default: nothing done).
fn logged<T: Default>(duty: &str, result: Result<T, RunError>) -> T {
    result.unwrap_or_else(|e| {
        tracing::error!(duty, error = %e, "print-run duty failed");
        T::default()
    })
}

fn mail(recipient: Option<&String>, subject: &str, text: &str) -> NewOutboxItem {
    NewOutboxItem {
        kind: crate::domain::OutboxKind::PrintRun,
        route: OutboxRoute::Mail,
        room: MAIL_ROOM.into(),
        recipient: recipient.cloned(),
        delivery: Delivery {
            text: text.to_owned(),
            subject: Some(subject.to_owned()),
        },
    }
}

//! What the console shows of print runs: the fiscal year's schedule, the recent runs, and
//! one run's log. Reading a run log shows no personal data (counts, totals, checks).

use std::sync::Arc;

use super::{PrintRuns, RunError};
use crate::batches::schedule::{self, ScheduledRun};
use crate::calendar::BusinessCalendar;
use crate::storage::batch_runs::{self, BatchPurge, BatchRun};

/// Runs listed on the batches page.
const RECENT: i64 = 50;

impl PrintRuns {
    /// The business calendar the schedule moves run days on.
    pub fn with_calendar(mut self, calendar: Arc<BusinessCalendar>) -> Self {
        self.calendar = Some(calendar);
        self
    }

    /// Every run of every job of the catalogue in force in fiscal year `year` (empty
    /// without a calendar).
    pub async fn schedule(&self, year: i32) -> Result<Vec<ScheduledRun>, RunError> {
        let catalogue = self.catalogue().await?;
        Ok(match &self.calendar {
            Some(calendar) => schedule::fiscal_year(&catalogue, calendar, year),
            None => Vec::new(),
        })
    }

    /// The latest runs, newest first.
    pub async fn recent(&self) -> Result<Vec<BatchRun>, RunError> {
        Ok(batch_runs::recent(&mut self.store.conn(), RECENT).await?)
    }

    /// One run's log.
    pub async fn log(&self, id: i64) -> Result<BatchRun, RunError> {
        self.run(id).await
    }

    /// The name of run `run`'s job, as the revision it was checked with has it.
    pub async fn job_name(&self, run: &BatchRun) -> Result<String, RunError> {
        Ok(match self.job_of(run).await {
            Ok(job) => job.definition.name,
            Err(RunError::UnknownJob(_)) => run.job_id.clone(),
            Err(e) => return Err(e),
        })
    }

    /// The deletion record of run `id`, once their purge was ordered (done or not:
    /// [`BatchPurge::is_done`]).
    pub async fn purge_record(&self, id: i64) -> Result<Option<BatchPurge>, RunError> {
        Ok(batch_runs::purge_of(&mut self.store.conn(), id).await?)
    }
}

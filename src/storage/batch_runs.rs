//! Print runs (`batch_runs`): one row per input file received, carrying the run log:
//! counts, totals, the checks' results, who approved, output hash, printer job ids, times.
//! No personal data: names and addresses stay in the files.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{sql, Conn, Result, Tx};
use crate::domain::RunStatus;

/// A run as stored.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct BatchRun {
    pub id: i64,
    pub job_id: String,
    pub job_revision: i64,
    pub definition_sha256: String,
    pub status: RunStatus,
    pub input_name: String,
    pub input_sha256: String,
    pub input_bytes: i64,
    pub records: i64,
    pub total: i64,
    /// The check results as JSON (`batches::CheckResult` list).
    pub checks: String,
    pub received_by: String,
    pub received_at: DateTime<Utc>,
    pub override_reason: Option<String>,
    pub overridden_by: Option<String>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub output_sha256: Option<String>,
    pub pages: Option<i64>,
    /// The printer's job ids, comma-separated.
    pub printer_job_ids: Option<String>,
    pub printed_by: Option<String>,
    pub printed_at: Option<DateTime<Utc>>,
    /// Who claimed the run for printing (印刷中), and when.
    pub printing_by: Option<String>,
    pub printing_at: Option<DateTime<Utc>>,
}

/// A file received and checked.
#[derive(Debug, Clone)]
pub struct NewBatchRun<'a> {
    pub job_id: &'a str,
    pub job_revision: i64,
    pub definition_sha256: &'a str,
    pub status: RunStatus,
    pub input_name: &'a str,
    pub input_sha256: &'a str,
    pub input_bytes: i64,
    pub records: i64,
    pub total: i64,
    pub checks: &'a str,
    pub received_by: &'a str,
}

/// Records a received file; its run id.
pub async fn insert(tx: &mut Tx, run: &NewBatchRun<'_>) -> Result<i64> {
    let now = tx.now();
    sql(
        "INSERT INTO batch_runs (job_id, job_revision, definition_sha256, status, input_name, \
         input_sha256, input_bytes, records, total, checks, received_by, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(run.job_id)
    .bind(run.job_revision)
    .bind(run.definition_sha256)
    .bind(run.status)
    .bind(run.input_name)
    .bind(run.input_sha256)
    .bind(run.input_bytes)
    .bind(run.records)
    .bind(run.total)
    .bind(run.checks)
    .bind(run.received_by)
    .bind(now)
    .scalar(&mut tx.conn())
    .await
}

/// The run `id`.
pub async fn get(c: &mut Conn<'_>, id: i64) -> Result<Option<BatchRun>> {
    sql("SELECT * FROM batch_runs WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await
}

/// Run `id`, locked until the end of the transaction (PostgreSQL; SQLite's write
/// transaction already excludes every other writer).
pub async fn get_for_update(tx: &mut Tx, id: i64) -> Result<Option<BatchRun>> {
    sql("SELECT * FROM batch_runs WHERE id = $1 FOR UPDATE")
        .locking()
        .bind(id)
        .fetch_optional(&mut tx.conn())
        .await
}

/// The run of `job_id` that received these exact bytes and was not stopped, if any (a
/// stopped run does not keep the file from being received again; see migration 0030).
pub async fn find_by_input(
    c: &mut Conn<'_>,
    job_id: &str,
    sha256: &str,
) -> Result<Option<BatchRun>> {
    sql("SELECT * FROM batch_runs WHERE job_id = $1 AND input_sha256 = $2 AND status <> $3")
        .bind(job_id)
        .bind(sha256)
        .bind(RunStatus::Stopped)
        .fetch_optional(c)
        .await
}

/// The newest printed run of `job_id` (what the next run's difference check compares with).
pub async fn last_printed(c: &mut Conn<'_>, job_id: &str) -> Result<Option<BatchRun>> {
    sql("SELECT * FROM batch_runs WHERE job_id = $1 AND status = $2 ORDER BY id DESC LIMIT 1")
        .bind(job_id)
        .bind(RunStatus::Printed)
        .fetch_optional(c)
        .await
}

/// The runs left 印刷中 with the printer's job recorded (sent, not yet settled), oldest
/// first.
pub async fn printing_with_job(c: &mut Conn<'_>) -> Result<Vec<BatchRun>> {
    sql("SELECT * FROM batch_runs WHERE status = $1 AND printer_job_ids IS NOT NULL ORDER BY id")
        .bind(RunStatus::Printing)
        .fetch_all(c)
        .await
}

/// The newest `limit` runs, newest first.
pub async fn recent(c: &mut Conn<'_>, limit: i64) -> Result<Vec<BatchRun>> {
    sql("SELECT * FROM batch_runs ORDER BY id DESC LIMIT $1")
        .bind(limit)
        .fetch_all(c)
        .await
}

/// Moves run `id` from `from` to `to`; false when it was not in `from` (someone else
/// moved it first), so callers never act twice.
pub async fn move_status(tx: &mut Tx, id: i64, from: RunStatus, to: RunStatus) -> Result<bool> {
    let changed = sql("UPDATE batch_runs SET status = $1 WHERE id = $2 AND status = $3")
        .bind(to)
        .bind(id)
        .bind(from)
        .execute(&mut tx.conn())
        .await?;
    Ok(changed == 1)
}

/// Records who overrode the warnings and why.
pub async fn set_override(tx: &mut Tx, id: i64, reason: &str, by: &str) -> Result<()> {
    sql("UPDATE batch_runs SET override_reason = $1, overridden_by = $2 WHERE id = $3")
        .bind(reason)
        .bind(by)
        .bind(id)
        .execute(&mut tx.conn())
        .await?;
    Ok(())
}

/// Records the approver.
pub async fn set_approval(tx: &mut Tx, id: i64, by: &str) -> Result<()> {
    let now = tx.now();
    sql("UPDATE batch_runs SET approved_by = $1, approved_at = $2 WHERE id = $3")
        .bind(by)
        .bind(now)
        .bind(id)
        .execute(&mut tx.conn())
        .await?;
    Ok(())
}

/// Claims run `id` for printing by `by`: from 承認済, or from 印刷中 when no printer job
/// was recorded and the claim was made before `stale` (the instance that claimed it
/// stopped before sending). One conditional UPDATE, so of two claims at once only one
/// wins; false when this one did not.
pub async fn claim_printing(tx: &mut Tx, id: i64, by: &str, stale: DateTime<Utc>) -> Result<bool> {
    let now = tx.now();
    let changed = sql(
        "UPDATE batch_runs SET status = $1, printing_by = $2, printing_at = $3, \
         printer_job_ids = NULL, output_sha256 = NULL, pages = NULL \
         WHERE id = $4 AND (status = $5 OR (status = $1 AND printer_job_ids IS NULL \
         AND printing_at < $6))",
    )
    .bind(RunStatus::Printing)
    .bind(by)
    .bind(now)
    .bind(id)
    .bind(RunStatus::Approved)
    .bind(stale)
    .execute(&mut tx.conn())
    .await?;
    Ok(changed == 1)
}

/// Records what was sent for the claimed run `id`: the output's hash, pages and the
/// printer's job id. False when the run is no longer 印刷中 without a job.
pub async fn set_submitted(
    tx: &mut Tx,
    id: i64,
    sha256: &str,
    pages: i64,
    job_ids: &str,
) -> Result<bool> {
    let changed = sql(
        "UPDATE batch_runs SET output_sha256 = $1, pages = $2, printer_job_ids = $3 \
         WHERE id = $4 AND status = $5 AND printer_job_ids IS NULL",
    )
    .bind(sha256)
    .bind(pages)
    .bind(job_ids)
    .bind(id)
    .bind(RunStatus::Printing)
    .execute(&mut tx.conn())
    .await?;
    Ok(changed == 1)
}

/// Marks the claimed run `id` 印刷済 (the printer reported its job complete), printed by
/// the one who claimed it. False when it was not 印刷中 with job `job_ids`.
pub async fn set_printed(tx: &mut Tx, id: i64, job_ids: &str) -> Result<bool> {
    let now = tx.now();
    let changed = sql(
        "UPDATE batch_runs SET status = $1, printed_by = printing_by, printed_at = $2 \
         WHERE id = $3 AND status = $4 AND printer_job_ids = $5",
    )
    .bind(RunStatus::Printed)
    .bind(now)
    .bind(id)
    .bind(RunStatus::Printing)
    .bind(job_ids)
    .execute(&mut tx.conn())
    .await?;
    Ok(changed == 1)
}

/// Lets go of the claimed run `id` (nothing was printed: the printer refused the job, or
/// it ended without printing): back to 承認済, to be printed again on purpose. `job_ids`:
/// only if the run is still 印刷中 with that job (`None`: with none). False when it was not.
pub async fn release_printing(tx: &mut Tx, id: i64, job_ids: Option<&str>) -> Result<bool> {
    let changed = sql(
        "UPDATE batch_runs SET status = $1, printing_by = NULL, printing_at = NULL, \
         printer_job_ids = NULL, output_sha256 = NULL, pages = NULL \
         WHERE id = $2 AND status = $3 AND COALESCE(printer_job_ids, '') = $4",
    )
    .bind(RunStatus::Approved)
    .bind(id)
    .bind(RunStatus::Printing)
    .bind(job_ids.unwrap_or_default())
    .execute(&mut tx.conn())
    .await?;
    Ok(changed == 1)
}

/// A deletion record (消去証明書 of 特記事項 第12-4).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct BatchPurge {
    pub id: i64,
    pub run_id: i64,
    /// What was erased: the files, their roles and sizes.
    pub items: String,
    /// How.
    pub method: String,
    /// The city's instruction it was done on.
    pub instruction: String,
    /// Why (empty on records made before reasons were kept).
    pub reason: String,
    pub purged_by: String,
    pub witness: String,
    /// When the purge was ordered and the record written, before any file was touched.
    pub purged_at: DateTime<Utc>,
    /// When the files were gone; `None` while the purge is under way or was cut short
    /// (the duties finish it).
    pub erased_at: Option<DateTime<Utc>>,
}

impl BatchPurge {
    /// Whether the files are erased (the 消去証明書 can be issued).
    pub fn is_done(&self) -> bool {
        self.erased_at.is_some()
    }
}

/// What a purge erased and on whose word.
#[derive(Debug, Clone)]
pub struct NewBatchPurge<'a> {
    pub run_id: i64,
    pub items: &'a str,
    pub method: &'a str,
    pub instruction: &'a str,
    pub reason: &'a str,
    pub purged_by: &'a str,
    pub witness: &'a str,
}

/// Records a purge ordered, before its files are erased; its id.
pub async fn insert_purge(tx: &mut Tx, purge: &NewBatchPurge<'_>) -> Result<i64> {
    let now = tx.now();
    sql(
        "INSERT INTO batch_purges (run_id, items, method, instruction, purged_by, witness, \
         purged_at, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(purge.run_id)
    .bind(purge.items)
    .bind(purge.method)
    .bind(purge.instruction)
    .bind(purge.purged_by)
    .bind(purge.witness)
    .bind(now)
    .bind(purge.reason)
    .scalar(&mut tx.conn())
    .await
}

/// Marks purge `id` done, its files erased; false if it already was.
pub async fn mark_erased(tx: &mut Tx, id: i64) -> Result<bool> {
    let now = tx.now();
    let changed = sql("UPDATE batch_purges SET erased_at = $1 WHERE id = $2 AND erased_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(&mut tx.conn())
        .await?;
    Ok(changed == 1)
}

/// Purges ordered before `before` whose files are not yet all erased, oldest first.
pub async fn unfinished_purges(c: &mut Conn<'_>, before: DateTime<Utc>) -> Result<Vec<BatchPurge>> {
    sql("SELECT * FROM batch_purges WHERE erased_at IS NULL AND purged_at < $1 ORDER BY id")
        .bind(before)
        .fetch_all(c)
        .await
}

/// The purge of run `run_id`, if it was ordered (done or not).
pub async fn purge_of(c: &mut Conn<'_>, run_id: i64) -> Result<Option<BatchPurge>> {
    sql("SELECT * FROM batch_purges WHERE run_id = $1")
        .bind(run_id)
        .fetch_optional(c)
        .await
}

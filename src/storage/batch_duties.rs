//! The print batches' own duties: the slots of reminders and monthly selftests done
//! (`batch_duties`, claimed once), the selftest's results per job (`batch_selftests`),
//! and the runs whose files are past the retention period.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::batch_runs::BatchRun;
use super::{sql, Conn, Result, Tx};
use crate::domain::RunStatus;

/// Claims `slot` in `tx`; false when it was already done (by this or another instance).
pub async fn claim(tx: &mut Tx, slot: &str) -> Result<bool> {
    let now = tx.now();
    let claimed = sql(
        "INSERT INTO batch_duties (slot, done_at) VALUES ($1, $2) ON CONFLICT (slot) DO NOTHING",
    )
    .bind(slot)
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    Ok(claimed == 1)
}

/// The slots done whose name starts with `prefix`, in order.
pub async fn done(c: &mut Conn<'_>, prefix: &str) -> Result<Vec<String>> {
    sql("SELECT slot FROM batch_duties WHERE slot LIKE $1 ORDER BY slot")
        .bind(format!("{prefix}%"))
        .scalars(c)
        .await
}

/// One job's selftest result as stored.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct SelfTestRow {
    pub id: i64,
    pub job_id: String,
    pub definition_sha256: String,
    pub form_sha256: String,
    pub passed: bool,
    /// Why it failed, one reason a line (empty when it passed).
    pub notes: String,
    pub checked_by: String,
    pub checked_at: DateTime<Utc>,
}

/// A result to store.
#[derive(Debug, Clone)]
pub struct NewSelfTest<'a> {
    pub job_id: &'a str,
    pub definition_sha256: &'a str,
    pub form_sha256: &'a str,
    pub passed: bool,
    pub notes: &'a str,
    pub checked_by: &'a str,
}

pub async fn insert_selftest(tx: &mut Tx, result: &NewSelfTest<'_>) -> Result<()> {
    let now = tx.now();
    sql(
        "INSERT INTO batch_selftests (job_id, definition_sha256, form_sha256, passed, notes, \
         checked_by, checked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(result.job_id)
    .bind(result.definition_sha256)
    .bind(result.form_sha256)
    .bind(result.passed)
    .bind(result.notes)
    .bind(result.checked_by)
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    Ok(())
}

/// Each job's latest selftest result.
pub async fn latest_selftests(c: &mut Conn<'_>) -> Result<Vec<SelfTestRow>> {
    sql("SELECT * FROM batch_selftests WHERE id IN \
         (SELECT MAX(id) FROM batch_selftests GROUP BY job_id) ORDER BY job_id")
    .fetch_all(c)
    .await
}

/// Runs received before `before` whose files were kept (not stopped) and not purged yet,
/// oldest first.
pub async fn unpurged_before(c: &mut Conn<'_>, before: DateTime<Utc>) -> Result<Vec<BatchRun>> {
    sql(
        "SELECT * FROM batch_runs r WHERE r.received_at < $1 AND r.status <> $2 \
         AND NOT EXISTS (SELECT 1 FROM batch_purges p WHERE p.run_id = r.id) ORDER BY r.id",
    )
    .bind(before)
    .bind(RunStatus::Stopped)
    .fetch_all(c)
    .await
}

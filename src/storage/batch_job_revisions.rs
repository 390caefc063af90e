//! The print-job catalogue's revisions (`batch_job_revisions`): every change of a job is
//! a new row with who, when, why, the definition's TOML text and its SHA-256; rows are
//! never rewritten. A job's current definition is its newest row.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{sql, Conn, Result, StorageError, Tx};
use crate::domain::CatalogueChange;

/// One revision of one job, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct JobRevision {
    pub id: i64,
    pub job_id: String,
    /// 1, 2, 3, ... per job; what a run's `job_revision` names.
    pub revision: i64,
    pub change: CatalogueChange,
    /// The definition's TOML text (for a retirement, the last one in force).
    pub definition: String,
    /// SHA-256 of the definition's bytes, hex.
    pub sha256: String,
    pub reason: String,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
}

impl JobRevision {
    /// True when the job is not run any more at this revision.
    pub fn retired(&self) -> bool {
        self.change == CatalogueChange::Retired
    }
}

/// A revision to store.
#[derive(Debug, Clone)]
pub struct NewJobRevision<'a> {
    pub job_id: &'a str,
    pub revision: i64,
    pub change: CatalogueChange,
    pub definition: &'a str,
    pub sha256: &'a str,
    pub reason: &'a str,
    pub changed_by: &'a str,
}

/// Stores a revision; its id. [`StorageError::Conflict`] when the job already has that
/// revision (someone else changed it first), and nothing is written.
pub async fn insert(tx: &mut Tx, revision: &NewJobRevision<'_>) -> Result<i64> {
    let id = insert_new(tx, revision).await?;
    id.ok_or_else(|| {
        StorageError::Conflict(format!(
            "job {} revision {}",
            revision.job_id, revision.revision
        ))
    })
}

/// Stores a revision unless the job already has that revision number (seeding by several
/// instances at once); its id when it was stored.
pub async fn insert_new(tx: &mut Tx, revision: &NewJobRevision<'_>) -> Result<Option<i64>> {
    let now = tx.now();
    sql(
        "INSERT INTO batch_job_revisions (job_id, revision, change, definition, sha256, reason, \
         changed_by, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (job_id, revision) DO NOTHING RETURNING id",
    )
    .bind(revision.job_id)
    .bind(revision.revision)
    .bind(revision.change)
    .bind(revision.definition)
    .bind(revision.sha256)
    .bind(revision.reason)
    .bind(revision.changed_by)
    .bind(now)
    .scalar_optional(&mut tx.conn())
    .await
}

/// The newest revision id of the whole catalogue (0 when empty): it changes with every
/// change, so an instance knows when to read the catalogue again.
pub async fn latest_id(c: &mut Conn<'_>) -> Result<i64> {
    sql("SELECT COALESCE(MAX(id), 0) FROM batch_job_revisions")
        .scalar(c)
        .await
}

/// Each job's newest revision (retired jobs included), by job id.
pub async fn current(c: &mut Conn<'_>) -> Result<Vec<JobRevision>> {
    sql("SELECT * FROM batch_job_revisions WHERE id IN \
         (SELECT MAX(id) FROM batch_job_revisions GROUP BY job_id) ORDER BY job_id")
    .fetch_all(c)
    .await
}

/// Every revision of `job_id`, newest first.
pub async fn history(c: &mut Conn<'_>, job_id: &str) -> Result<Vec<JobRevision>> {
    sql("SELECT * FROM batch_job_revisions WHERE job_id = $1 ORDER BY revision DESC")
        .bind(job_id)
        .fetch_all(c)
        .await
}

/// Revision `revision` of `job_id`.
pub async fn get(c: &mut Conn<'_>, job_id: &str, revision: i64) -> Result<Option<JobRevision>> {
    sql("SELECT * FROM batch_job_revisions WHERE job_id = $1 AND revision = $2")
        .bind(job_id)
        .bind(revision)
        .fetch_optional(c)
        .await
}

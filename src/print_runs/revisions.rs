//! The job catalogue in force, kept in the database as revisions (5(3)ア③: jobs are
//! added, changed and removed on the city's request). The bundled files seed revision 1
//! of every job when the database holds none; from then on admins change jobs in the
//! console. Each change is checked by the code that checks the files, whole catalogue
//! included, and stored with its audit row in one transaction. Every instance reads the
//! catalogue again when the newest revision id changes.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::batches::{sha256_hex, Catalogue, CatalogueError, Job};
use crate::domain::CatalogueChange;
use crate::storage::batch_job_revisions::{self, JobRevision, NewJobRevision};
use crate::storage::{audit, AuditEntry, StorageError, Store};

/// Who seeds the catalogue from the bundled files, in its history.
const SEEDER: &str = "system";

/// Why a change of the catalogue was refused; nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueEditError {
    /// The definition does not parse or does not check: each problem, by line when the
    /// TOML parser says one.
    #[error("{0}")]
    Refused(CatalogueError),
    #[error("a reason is needed")]
    NoReason,
    #[error("no job {0:?}")]
    UnknownJob(String),
    #[error("job {0:?} exists already (or existed: restore one of its revisions)")]
    JobExists(String),
    #[error("the definition's id {found:?} is not the job's {job:?}")]
    OtherId { job: String, found: String },
    #[error("job {0:?} is retired")]
    Retired(String),
    #[error("job {0:?} has no revision {1}")]
    NoRevision(String, i64),
    #[error("nothing would change")]
    Unchanged,
    /// Someone else changed the job since the form was shown.
    #[error("job {0:?} was changed meanwhile")]
    Stale(String),
    #[error(transparent)]
    Storage(StorageError),
}

impl From<StorageError> for CatalogueEditError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Conflict(what) => CatalogueEditError::Stale(what),
            e => CatalogueEditError::Storage(e),
        }
    }
}

/// One change an admin asks for.
#[derive(Debug, Clone)]
pub enum CatalogueEdit {
    /// A new job from its TOML text.
    Add { definition: String },
    /// A job's new definition; `base` is the revision the admin edited.
    Change {
        job: String,
        base: i64,
        definition: String,
    },
    /// The job is no longer run.
    Retire { job: String, base: i64 },
    /// Revision `revision`'s definition in force again, as a new revision.
    Restore {
        job: String,
        base: i64,
        revision: i64,
    },
}

/// The catalogue in force, read from the database and cached until it changes.
pub struct CatalogueRevisions {
    store: Store,
    bundled: Arc<Catalogue>,
    cached: Mutex<Option<(i64, Arc<Catalogue>)>>,
}

impl CatalogueRevisions {
    /// `bundled` seeds an empty database.
    pub fn new(store: Store, bundled: Arc<Catalogue>) -> Self {
        Self {
            store,
            bundled,
            cached: Mutex::new(None),
        }
    }

    /// The catalogue in force now.
    pub async fn current(&self) -> Result<Arc<Catalogue>, CatalogueEditError> {
        let mut latest = batch_job_revisions::latest_id(&mut self.store.conn()).await?;
        if latest == 0 {
            self.seed().await?;
            latest = batch_job_revisions::latest_id(&mut self.store.conn()).await?;
        }
        if let Some((id, catalogue)) = &*self.cached.lock().expect("catalogue cache") {
            if *id == latest {
                return Ok(catalogue.clone());
            }
        }
        let rows = batch_job_revisions::current(&mut self.store.conn()).await?;
        let latest = rows.iter().map(|r| r.id).max().unwrap_or(latest);
        let sources = rows
            .into_iter()
            .filter(|r| !r.retired())
            .map(|r| {
                (
                    file_of(&r.job_id),
                    r.definition.into_bytes(),
                    Some(r.revision),
                )
            })
            .collect();
        let catalogue =
            Arc::new(Catalogue::from_revisions(sources).map_err(CatalogueEditError::Refused)?);
        *self.cached.lock().expect("catalogue cache") = Some((latest, catalogue.clone()));
        Ok(catalogue)
    }

    /// Revision 1 of every bundled job, in one transaction (another instance seeding at
    /// the same time leaves the same rows).
    async fn seed(&self) -> Result<(), CatalogueEditError> {
        let mut tx = self.store.begin().await?;
        for job in self.bundled.jobs() {
            let file = job.file.file_name().unwrap_or_default().to_string_lossy();
            let reason = format!("同梱の定義ファイル {file} から登録");
            let row = NewJobRevision {
                job_id: job.id(),
                revision: 1,
                change: CatalogueChange::Seeded,
                definition: &job.source,
                sha256: &job.checksum,
                reason: &reason,
                changed_by: SEEDER,
            };
            batch_job_revisions::insert_new(&mut tx, &row).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Job `job_id` as it was at `revision` (what a run was checked with); the current
    /// definition when the database has no such revision.
    pub async fn job_at(
        &self,
        job_id: &str,
        revision: i64,
    ) -> Result<Option<Job>, CatalogueEditError> {
        let row = batch_job_revisions::get(&mut self.store.conn(), job_id, revision).await?;
        match row {
            Some(r) => Job::parse(file_of(job_id), r.definition.as_bytes(), Some(r.revision))
                .map(Some)
                .map_err(CatalogueEditError::Refused),
            None => Ok(self.current().await?.job(job_id).cloned()),
        }
    }

    /// Every job ever in the catalogue, each with its newest revision (retired ones too).
    pub async fn jobs(&self) -> Result<Vec<JobRevision>, CatalogueEditError> {
        self.current().await?;
        Ok(batch_job_revisions::current(&mut self.store.conn()).await?)
    }

    /// Every revision of `job_id`, newest first.
    pub async fn history(&self, job_id: &str) -> Result<Vec<JobRevision>, CatalogueEditError> {
        self.current().await?;
        let rows = batch_job_revisions::history(&mut self.store.conn(), job_id).await?;
        if rows.is_empty() {
            return Err(CatalogueEditError::UnknownJob(job_id.to_owned()));
        }
        Ok(rows)
    }

    /// Carries out `edit` by `actor` for `reason`: checked, then one transaction with
    /// the new revision and its audit row. The new revision.
    pub async fn edit(
        &self,
        actor: &str,
        edit: &CatalogueEdit,
        reason: &str,
    ) -> Result<JobRevision, CatalogueEditError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(CatalogueEditError::NoReason);
        }
        let catalogue = self.current().await?;
        let (job_id, base, change, definition) = match edit {
            CatalogueEdit::Add { definition } => {
                let job = parse(None, definition)?;
                let id = job.id().to_owned();
                let known = batch_job_revisions::history(&mut self.store.conn(), &id).await?;
                if !known.is_empty() {
                    return Err(CatalogueEditError::JobExists(id));
                }
                catalogue
                    .with_job(job)
                    .map_err(CatalogueEditError::Refused)?;
                (id, 0, CatalogueChange::Added, definition.clone())
            }
            CatalogueEdit::Change {
                job,
                base,
                definition,
            } => {
                let now = self.latest_of(job, *base).await?;
                if now.retired() {
                    return Err(CatalogueEditError::Retired(job.clone()));
                }
                let parsed = parse(Some(job), definition)?;
                if parsed.source == now.definition {
                    return Err(CatalogueEditError::Unchanged);
                }
                catalogue
                    .with_job(parsed)
                    .map_err(CatalogueEditError::Refused)?;
                (
                    job.clone(),
                    *base,
                    CatalogueChange::Changed,
                    definition.clone(),
                )
            }
            CatalogueEdit::Retire { job, base } => {
                let now = self.latest_of(job, *base).await?;
                if now.retired() {
                    return Err(CatalogueEditError::Retired(job.clone()));
                }
                (job.clone(), *base, CatalogueChange::Retired, now.definition)
            }
            CatalogueEdit::Restore {
                job,
                base,
                revision,
            } => {
                let now = self.latest_of(job, *base).await?;
                let then = batch_job_revisions::get(&mut self.store.conn(), job, *revision)
                    .await?
                    .filter(|r| !r.retired())
                    .ok_or_else(|| CatalogueEditError::NoRevision(job.clone(), *revision))?;
                if !now.retired() && now.definition == then.definition {
                    return Err(CatalogueEditError::Unchanged);
                }
                let parsed = parse(Some(job), &then.definition)?;
                catalogue
                    .with_job(parsed)
                    .map_err(CatalogueEditError::Refused)?;
                (
                    job.clone(),
                    *base,
                    CatalogueChange::Restored,
                    then.definition,
                )
            }
        };
        let sha256 = sha256_hex(definition.as_bytes());
        let revision = base + 1;
        let mut tx = self.store.begin().await?;
        let row = NewJobRevision {
            job_id: &job_id,
            revision,
            change,
            definition: &definition,
            sha256: &sha256,
            reason,
            changed_by: actor,
        };
        batch_job_revisions::insert(&mut tx, &row).await?;
        let detail = format!(
            "revision {revision} ({}), SHA-256 {sha256}: {reason}",
            change.as_str()
        );
        audit::append(
            &mut tx,
            &AuditEntry::new(actor, &format!("batch_job.{change}"), "batch_job", &job_id)
                .detail(detail),
        )
        .await?;
        tx.commit().await?;
        let stored = batch_job_revisions::get(&mut self.store.conn(), &job_id, revision).await?;
        stored.ok_or(CatalogueEditError::NoRevision(job_id, revision))
    }

    /// The newest revision of `job`, which must be `base` (the one the admin saw).
    async fn latest_of(&self, job: &str, base: i64) -> Result<JobRevision, CatalogueEditError> {
        let latest = batch_job_revisions::history(&mut self.store.conn(), job)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| CatalogueEditError::UnknownJob(job.to_owned()))?;
        if latest.revision != base {
            return Err(CatalogueEditError::Stale(job.to_owned()));
        }
        Ok(latest)
    }
}

/// The job's name (`決定通知書`) as its revision's definition says, else its id.
pub fn job_name(row: &JobRevision) -> String {
    toml::from_str::<toml::Value>(&row.definition)
        .ok()
        .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_owned))
        .unwrap_or_else(|| row.job_id.clone())
}

/// The name a stored job's problems are reported under.
fn file_of(job_id: &str) -> PathBuf {
    PathBuf::from(format!("{job_id}.toml"))
}

/// Reads a definition typed in the console; `job`, when given, is the id it must keep.
fn parse(job: Option<&str>, definition: &str) -> Result<Job, CatalogueEditError> {
    let file = file_of(job.unwrap_or("definition"));
    let parsed =
        Job::parse(file, definition.as_bytes(), None).map_err(CatalogueEditError::Refused)?;
    match job {
        Some(job) if parsed.id() != job => Err(CatalogueEditError::OtherId {
            job: job.to_owned(),
            found: parsed.id().to_owned(),
        }),
        _ => Ok(parsed),
    }
}

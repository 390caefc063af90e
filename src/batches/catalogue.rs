//! The job catalogue: every `*.toml` in `integrations/print-batches/` (or each job's
//! current revision, once the print runs keep the catalogue in the database), read,
//! checked and checksummed. A bad definition is refused with its file and what is wrong
//! (a TOML error by line and column); the whole catalogue is checked before any of it is
//! used, and so is a changed definition before it is stored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::definition::JobDefinition;
use super::validate::validate;

/// A job definition with where it came from and its checksums (5(3)ア④).
#[derive(Debug, Clone)]
pub struct Job {
    pub definition: JobDefinition,
    pub file: PathBuf,
    /// The definition's TOML text, as read.
    pub source: String,
    /// The job's revision: the catalogue's revision number when it comes from the
    /// database, else the definition's own `revision`. A run records it.
    pub revision: i64,
    /// SHA-256 of the definition file's bytes, hex.
    pub checksum: String,
    /// SHA-256 of the form part alone (canonical JSON), hex: changes only with the form.
    pub form_checksum: String,
}

impl Job {
    /// Reads and checks one definition; what is wrong with it, each line naming `file`
    /// (a TOML error says its line and column).
    pub fn parse(
        file: PathBuf,
        bytes: &[u8],
        revision: Option<i64>,
    ) -> Result<Self, CatalogueError> {
        let name = file.display().to_string();
        let fail = |problems: Vec<String>| CatalogueError {
            problems: problems
                .into_iter()
                .map(|p| format!("{name}: {p}"))
                .collect(),
        };
        let source = std::str::from_utf8(bytes).map_err(|_| fail(vec!["not UTF-8".into()]))?;
        let definition = toml::from_str::<JobDefinition>(source)
            .map_err(|e| fail(vec![e.to_string().trim().to_owned()]))?;
        let found = validate(&definition);
        if !found.is_empty() {
            return Err(fail(found));
        }
        let form = serde_json::to_vec(&definition.form).unwrap_or_default();
        Ok(Job {
            checksum: sha256_hex(bytes),
            form_checksum: sha256_hex(&form),
            revision: revision.unwrap_or(i64::from(definition.revision)),
            source: source.to_owned(),
            definition,
            file,
        })
    }

    pub fn id(&self) -> &str {
        &self.definition.id
    }

    /// The job code its files carry in the header.
    pub fn job_code(&self) -> &str {
        let input = &self.definition.input;
        input
            .header
            .field(&input.job_code_field)
            .and_then(|(_, f)| f.value.as_deref())
            .unwrap_or_default()
    }
}

/// What is wrong with the catalogue: one line per problem, each naming its file.
#[derive(Debug, thiserror::Error)]
#[error("job catalogue: {}", problems.join("; "))]
pub struct CatalogueError {
    pub problems: Vec<String>,
}

/// The checked catalogue, jobs in file-name order.
#[derive(Debug, Clone)]
pub struct Catalogue {
    jobs: Vec<Job>,
}

/// SHA-256 of some bytes, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Catalogue {
    /// Reads every `*.toml` of `dir`.
    pub fn load(dir: &Path) -> Result<Self, CatalogueError> {
        let fail = |p: String| CatalogueError { problems: vec![p] };
        let entries = std::fs::read_dir(dir)
            .map_err(|e| fail(format!("{}: cannot read the folder: {e}", dir.display())))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        files.sort();
        let mut sources = Vec::new();
        for file in files {
            let text = std::fs::read(&file)
                .map_err(|e| fail(format!("{}: cannot read: {e}", file.display())))?;
            sources.push((file, text));
        }
        Self::from_sources(sources)
    }

    /// Checks definitions given as (file, bytes).
    pub fn from_sources(sources: Vec<(PathBuf, Vec<u8>)>) -> Result<Self, CatalogueError> {
        let revised = sources.into_iter().map(|(f, b)| (f, b, None)).collect();
        let catalogue = Self::from_revisions(revised)?;
        if catalogue.jobs.is_empty() {
            return Err(CatalogueError {
                problems: vec!["no job definitions (*.toml) found".into()],
            });
        }
        Ok(catalogue)
    }

    /// Checks definitions given as (file, bytes, revision); a job without a revision
    /// number takes its definition's own. Empty is allowed (every job retired).
    pub fn from_revisions(
        sources: Vec<(PathBuf, Vec<u8>, Option<i64>)>,
    ) -> Result<Self, CatalogueError> {
        let mut problems = Vec::new();
        let mut jobs = Vec::new();
        for (file, bytes, revision) in sources {
            match Job::parse(file, &bytes, revision) {
                Ok(job) => jobs.push(job),
                Err(found) => problems.extend(found.problems),
            }
        }
        problems.extend(duplicates(&jobs));
        if problems.is_empty() {
            Ok(Self { jobs })
        } else {
            Err(CatalogueError { problems })
        }
    }

    /// The catalogue with `job` in place of the job of the same id (or added): checked
    /// whole, so a changed definition may not take another job's id or code.
    pub fn with_job(&self, job: Job) -> Result<Self, CatalogueError> {
        let mut jobs: Vec<Job> = self
            .jobs
            .iter()
            .filter(|j| j.id() != job.id())
            .cloned()
            .collect();
        jobs.push(job);
        jobs.sort_by(|a, b| a.id().cmp(b.id()));
        let problems = duplicates(&jobs);
        if problems.is_empty() {
            Ok(Self { jobs })
        } else {
            Err(CatalogueError { problems })
        }
    }

    /// The catalogue without job `id`.
    pub fn without_job(&self, id: &str) -> Self {
        let jobs = self.jobs.iter().filter(|j| j.id() != id).cloned().collect();
        Self { jobs }
    }

    pub fn jobs(&self) -> &[Job] {
        &self.jobs
    }

    pub fn job(&self, id: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.id() == id)
    }

    /// The job whose files carry `code` in the header.
    pub fn job_with_code(&self, code: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.job_code() == code)
    }
}

/// Two jobs with one id or one job code.
fn duplicates(jobs: &[Job]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut ids: BTreeMap<&str, &Path> = BTreeMap::new();
    let mut codes: BTreeMap<&str, &Path> = BTreeMap::new();
    for job in jobs {
        if let Some(other) = ids.insert(job.id(), &job.file) {
            problems.push(format!(
                "{}: job id {:?} is also used by {}",
                job.file.display(),
                job.id(),
                other.display()
            ));
        }
        if let Some(other) = codes.insert(job.job_code(), &job.file) {
            problems.push(format!(
                "{}: job code {:?} is also used by {}",
                job.file.display(),
                job.job_code(),
                other.display()
            ));
        }
    }
    problems
}

//! The job catalogue: every `*.toml` in `integrations/print-batches/`, read, checked and
//! checksummed. A bad definition is refused with its file and what is wrong; the whole
//! catalogue is checked before any of it is used.

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
    /// SHA-256 of the definition file's bytes, hex.
    pub checksum: String,
    /// SHA-256 of the form part alone (canonical JSON), hex: changes only with the form.
    pub form_checksum: String,
}

impl Job {
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
        let mut problems = Vec::new();
        let mut jobs = Vec::new();
        for (file, bytes) in sources {
            let name = file.display().to_string();
            let parsed = std::str::from_utf8(&bytes)
                .map_err(|_| "not UTF-8".to_owned())
                .and_then(|t| toml::from_str::<JobDefinition>(t).map_err(|e| e.to_string()));
            match parsed {
                Err(e) => problems.push(format!("{name}: {}", e.trim())),
                Ok(definition) => {
                    let found = validate(&definition);
                    problems.extend(found.into_iter().map(|p| format!("{name}: {p}")));
                    let form = serde_json::to_vec(&definition.form).unwrap_or_default();
                    jobs.push(Job {
                        checksum: sha256_hex(&bytes),
                        form_checksum: sha256_hex(&form),
                        definition,
                        file,
                    });
                }
            }
        }
        problems.extend(duplicates(&jobs));
        if jobs.is_empty() && problems.is_empty() {
            problems.push("no job definitions (*.toml) found".into());
        }
        if problems.is_empty() {
            Ok(Self { jobs })
        } else {
            Err(CatalogueError { problems })
        }
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

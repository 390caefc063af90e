//! Purging a run's files on the city's instruction (特記事項 第12): the files are
//! overwritten and removed, and a deletion record (what, when, how, who, witness, on
//! which instruction and why) is kept and printable as the 消去証明書.

use std::io::Write;
use std::path::Path;

use super::runs::{PrintRuns, RunError};
use crate::domain::{ErasureMethod, RunStatus};
use crate::storage::batch_runs::{self, BatchPurge, BatchRun, NewBatchPurge};
use crate::storage::{audit, AuditEntry};

/// The city's order to purge a run's files: what the deletion record needs.
#[derive(Debug, Clone)]
pub struct PurgeOrder<'a> {
    /// The city's instruction it is done on (`令和8年度 消去指示書 第3号`).
    pub instruction: &'a str,
    /// How, as the form names it (`zero_overwrite`).
    pub method: &'a str,
    /// Who witnessed it (第12-5).
    pub witness: &'a str,
    /// Why the city asked.
    pub reason: &'a str,
}

/// Overwrites a file with zeros, flushes it to disk, and removes it; its size.
pub(super) fn erase(path: &Path) -> std::io::Result<u64> {
    let size = std::fs::metadata(path)?.len();
    let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
    let zeros = vec![0u8; 64 * 1024];
    let mut left = size;
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        file.write_all(&zeros[..n])?;
        left -= n as u64;
    }
    file.sync_all()?;
    drop(file);
    std::fs::remove_file(path)?;
    Ok(size)
}

impl PrintRuns {
    /// Erases run `id`'s input and output files on `order` and records who did it,
    /// with whom as witness, on which instruction and why. Every field is checked before
    /// anything is erased. A run is purged once; afterwards its log stays but its files
    /// are gone.
    pub async fn purge(
        &self,
        actor: &str,
        id: i64,
        order: &PurgeOrder<'_>,
    ) -> Result<BatchPurge, RunError> {
        let ordered = self.order_purge(actor, id, order).await?;
        self.finish_purge(actor, &ordered).await
    }

    /// A purge's first step alone ([`Self::purge`] does both): `order` checked and the
    /// deletion record committed, not yet done, before any file is erased.
    pub async fn order_purge(
        &self,
        actor: &str,
        id: i64,
        order: &PurgeOrder<'_>,
    ) -> Result<BatchPurge, RunError> {
        let (witness, instruction, reason) = (
            order.witness.trim(),
            order.instruction.trim(),
            order.reason.trim(),
        );
        if instruction.is_empty() {
            return Err(RunError::NoInstruction);
        }
        if witness.is_empty() {
            return Err(RunError::NoWitness);
        }
        if reason.is_empty() {
            return Err(RunError::NoReason);
        }
        let method = ErasureMethod::parse(order.method.trim())
            .map_err(|_| RunError::UnknownMethod(order.method.to_owned()))?;
        let run = self.run(id).await?;
        let erasure = Erasure {
            witness,
            instruction,
            reason,
            method,
        };
        self.record_purge(actor, &run, &erasure).await
    }

    /// Erases `run`'s files and keeps the deletion record (a manual purge, or the
    /// automatic one after the retention period), in two steps: the record is committed
    /// first, with what is to be erased, and only then are the files erased and the
    /// record marked done. A purge cut short (the instance stopped, a file could not be
    /// erased) keeps its record and is finished by the duties (`finish_purges`).
    pub(super) async fn erase_run(
        &self,
        actor: &str,
        run: &BatchRun,
        erasure: &Erasure<'_>,
    ) -> Result<BatchPurge, RunError> {
        let ordered = self.record_purge(actor, run, erasure).await?;
        self.finish_purge(actor, &ordered).await
    }

    /// The purge's first step: locks the run (a second purge at the same time, from
    /// another instance or the retention duty, waits and then finds the record), lists
    /// the files there are with their sizes, and commits the deletion record, not yet
    /// done. Nothing is erased. A path that is there but not a file is refused before
    /// anything is recorded.
    async fn record_purge(
        &self,
        actor: &str,
        run: &BatchRun,
        erasure: &Erasure<'_>,
    ) -> Result<BatchPurge, RunError> {
        let id = run.id;
        let mut tx = self.store.begin().await?;
        let locked = batch_runs::get_for_update(&mut tx, id)
            .await?
            .ok_or(RunError::NotFound(id))?;
        Self::refuse_if_purged(&mut tx.conn(), id).await?;
        // Its files are being printed from (or were sent and the job is awaited): the
        // purge waits until the run is printed or put back.
        if locked.status == RunStatus::Printing {
            return Err(RunError::printing(&locked));
        }
        let mut items = Vec::new();
        for (role, path) in self.run_files(id) {
            let size = match std::fs::metadata(&path) {
                Ok(meta) if meta.is_file() => meta.len(),
                Ok(_) => {
                    return Err(RunError::Io(std::io::Error::other(format!(
                        "{} is not a file",
                        path.display()
                    ))))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            };
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            items.push(format!(
                "{role} {name} ({size} bytes, SHA-256 of the input {})",
                &run.input_sha256[..16]
            ));
        }
        if items.is_empty() {
            items.push("ファイルなし(受領時に破棄済み)".into());
        }
        let items = items.join("; ");
        let purge = NewBatchPurge {
            run_id: id,
            items: &items,
            method: erasure.method.label(),
            instruction: erasure.instruction,
            reason: erasure.reason,
            purged_by: actor,
            witness: erasure.witness,
        };
        let purge_id = batch_runs::insert_purge(&mut tx, &purge).await?;
        audit::append(
            &mut tx,
            &AuditEntry::new(actor, "batch_run.purge", "batch_run", &id.to_string())
                .detail(format!("deletion record {purge_id} ordered")),
        )
        .await?;
        tx.commit().await?;
        batch_runs::purge_of(&mut self.store.conn(), id)
            .await?
            .ok_or(RunError::NotFound(id))
    }

    /// The purge's second step: erases what is left of the run's files (a file already
    /// gone was erased by an earlier attempt) and marks the record done. Whoever marks it
    /// gets the audit line; done twice, the second changes nothing.
    pub async fn finish_purge(
        &self,
        actor: &str,
        ordered: &BatchPurge,
    ) -> Result<BatchPurge, RunError> {
        let id = ordered.run_id;
        // A missing file counts as erased, but not when the whole folder is missing.
        self.files_reachable()?;
        for (_, path) in self.run_files(id) {
            erase_if_there(&path)?;
        }
        let mut tx = self.store.begin().await?;
        if batch_runs::mark_erased(&mut tx, ordered.id).await? {
            audit::append(
                &mut tx,
                &AuditEntry::new(actor, "batch_run.erased", "batch_run", &id.to_string())
                    .detail(format!("deletion record {}", ordered.id)),
            )
            .await?;
        }
        tx.commit().await?;
        batch_runs::purge_of(&mut self.store.conn(), id)
            .await?
            .ok_or(RunError::NotFound(id))
    }

    /// Fails when the runs' folder itself cannot be read (not mounted, say): then
    /// nothing can be known about a run's files, least of all that they are gone.
    pub(super) fn files_reachable(&self) -> std::io::Result<()> {
        std::fs::read_dir(&self.files).map(drop)
    }

    /// The run's files a purge erases, with the role the record names them by.
    fn run_files(&self, id: i64) -> [(&'static str, std::path::PathBuf); 2] {
        [
            ("入力ファイル", self.input_path(id)),
            ("出力ファイル", self.output_path(id)),
        ]
    }
}

/// [`erase`], for a file an earlier attempt may already have removed.
fn erase_if_there(path: &Path) -> std::io::Result<()> {
    match erase(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other.map(|_| ()),
    }
}

impl PrintRuns {
    /// Run `id`'s 消去証明書 as an A4 PDF in the forms' font.
    pub async fn certificate_pdf(&self, id: i64) -> Result<Vec<u8>, RunError> {
        let run = self.run(id).await?;
        let purge = batch_runs::purge_of(&mut self.store.conn(), id)
            .await?
            .ok_or(RunError::NotFound(id))?;
        if !purge.is_done() {
            return Err(RunError::PurgeUnfinished(purge.id));
        }
        let items = certificate_items(&purge, &self.job_name(&run).await?);
        Ok(super::certificate_pdf::certificate_pdf(&items, &self.font)?)
    }
}

/// What a purge is done with: the checked order, or the automatic purge's own words.
pub(super) struct Erasure<'a> {
    pub witness: &'a str,
    pub instruction: &'a str,
    pub reason: &'a str,
    pub method: ErasureMethod,
}

/// The items of the 消去証明書 of a purge (特記事項 第12-4: 情報項目, 媒体名, 数量, 方法,
/// 責任者, 立会者, 年月日), with the instruction and reason, in the order it lists them.
/// The date is the day the files were erased (the day ordered, for a purge not done).
pub fn certificate_items(purge: &BatchPurge, job_name: &str) -> Vec<(&'static str, String)> {
    let day = crate::calendar::to_local(purge.erased_at.unwrap_or(purge.purged_at)).date();
    let mut items = vec![
        ("情報項目", format!("{job_name}(印刷実行 {})", purge.run_id)),
        ("媒体名", "印刷等運用支援サーバの電子ファイル".to_owned()),
        ("数量", purge.items.clone()),
        ("消去の方法", purge.method.clone()),
        ("指示", purge.instruction.clone()),
    ];
    if !purge.reason.is_empty() {
        items.push(("理由", purge.reason.clone()));
    }
    items.extend([
        ("責任者", purge.purged_by.clone()),
        ("立会者", purge.witness.clone()),
        ("消去年月日", crate::batches::formats::wareki_label(day)),
    ]);
    items
}

/// The 消去証明書 of a purge as text, one item a line.
pub fn certificate(purge: &BatchPurge, job_name: &str) -> String {
    let mut text = "消去証明書\n\n".to_owned();
    for (what, value) in certificate_items(purge, job_name) {
        text.push_str(&format!("{what}: {value}\n"));
    }
    text
}

//! Purging a run's files on the city's instruction (特記事項 第12): the files are
//! overwritten and removed, and a deletion record (what, when, how, who, witness) is
//! kept and printable as the 消去証明書.

use std::io::Write;
use std::path::Path;

use super::runs::{PrintRuns, RunError};
use crate::storage::batch_runs::{self, BatchPurge, BatchRun, NewBatchPurge};
use crate::storage::{audit, AuditEntry};

/// How files are erased, as the certificate states it.
pub const METHOD: &str = "AES-256-GCMで暗号化して保管した電子ファイルを、ゼロで上書きした後に削除";

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
    /// Erases run `id`'s input and output files and records who did it, with whom as
    /// witness, on which instruction. A run is purged once; afterwards its log stays but
    /// its files are gone.
    pub async fn purge(
        &self,
        actor: &str,
        id: i64,
        witness: &str,
        instruction: &str,
    ) -> Result<BatchPurge, RunError> {
        if witness.trim().is_empty() || instruction.trim().is_empty() {
            return Err(RunError::NoWitness);
        }
        let run = self.run(id).await?;
        self.erase_run(actor, &run, witness.trim(), instruction.trim())
            .await
    }

    /// Erases `run`'s files and keeps the deletion record (a manual purge, or the
    /// automatic one after the retention period).
    pub(super) async fn erase_run(
        &self,
        actor: &str,
        run: &BatchRun,
        witness: &str,
        instruction: &str,
    ) -> Result<BatchPurge, RunError> {
        let id = run.id;
        if let Some(done) = batch_runs::purge_of(&mut self.store.conn(), id).await? {
            return Err(RunError::AlreadyPurged(done.id));
        }
        let files = [
            ("入力ファイル", self.input_path(id)),
            ("出力ファイル", self.output_path(id)),
        ];
        let mut tx = self.store.begin().await?;
        let mut items = Vec::new();
        for (role, path) in &files {
            if path.exists() {
                let size = erase(path)?;
                let name = path.file_name().unwrap_or_default().to_string_lossy();
                items.push(format!(
                    "{role} {name} ({size} bytes, SHA-256 of the input {})",
                    &run.input_sha256[..16]
                ));
            }
        }
        if items.is_empty() {
            items.push("ファイルなし(受領時に破棄済み)".into());
        }
        let items = items.join("; ");
        let purge = NewBatchPurge {
            run_id: id,
            items: &items,
            method: METHOD,
            instruction,
            purged_by: actor,
            witness,
        };
        let purge_id = batch_runs::insert_purge(&mut tx, &purge).await?;
        audit::append(
            &mut tx,
            &AuditEntry::new(actor, "batch_run.purge", "batch_run", &id.to_string())
                .detail(format!("deletion record {purge_id}")),
        )
        .await?;
        tx.commit().await?;
        batch_runs::purge_of(&mut self.store.conn(), id)
            .await?
            .ok_or(RunError::NotFound(id))
    }
}

/// The 消去証明書 of a purge (特記事項 第12-4): 情報項目, 媒体名, 数量, 方法, 責任者, 立会者, 年月日.
pub fn certificate(purge: &BatchPurge, job_name: &str) -> String {
    let day = crate::calendar::to_local(purge.purged_at).date();
    format!(
        "消去証明書\n\n情報項目: {job_name}(印刷実行 {run})\n媒体名: 印刷等運用支援サーバの電子ファイル\n数量: {items}\n\
         消去の方法: {method}\n指示: {instruction}\n責任者: {by}\n立会者: {witness}\n消去年月日: {date}\n",
        run = purge.run_id,
        items = purge.items,
        method = purge.method,
        instruction = purge.instruction,
        by = purge.purged_by,
        witness = purge.witness,
        date = crate::batches::formats::wareki_label(day),
    )
}

//! Who did what with a run's files (特記事項: 第11 the files are readable only through the
//! run, and each read is recorded): the printed output downloaded through the run, and
//! the run's audit lines as its log shows them (received, previewed, downloaded,
//! approved, claimed for printing, sent, printed or put back, purge ordered and done).

use chrono::{DateTime, Utc};

use super::{PrintRuns, RunError};
use crate::domain::RunStatus;
use crate::storage::audit::{self, AuditFilter};
use crate::storage::AuditEntry;

/// The lines of a run's log, at most.
const HISTORY: i64 = 200;

/// One thing done with a run, for its log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunAccess {
    pub at: DateTime<Utc>,
    pub actor: String,
    /// What was done, in Japanese (`見本PDFのダウンロード`).
    pub what: &'static str,
    pub detail: Option<String>,
}

/// The audit actions of a run and how its log names them.
const ACTIONS: &[(&str, &str)] = &[
    ("batch_run.intake", "受付・データチェック"),
    ("batch_run.override", "警告を承知で進める"),
    ("batch_run.preview", "見本PDFのダウンロード"),
    ("batch_run.approve", "承認"),
    ("batch_run.claim", "印刷開始"),
    ("batch_run.submit", "印刷（プリンタへ送信）"),
    ("batch_run.print", "印刷完了（プリンタが完了を報告）"),
    ("batch_run.release", "印刷されなかったため承認済に戻す"),
    ("batch_run.download", "出力PDFのダウンロード"),
    ("batch_run.purge", "消去の指示（消去記録の作成）"),
    ("batch_run.erased", "消去の完了（ファイルを上書きして削除）"),
    (
        "batch_run.duplicate",
        "同じファイルの再受付（監視フォルダから消去）",
    ),
];

impl PrintRuns {
    /// The printed output of run `id` as a PDF, decrypted; audited, as it shows personal
    /// data.
    pub async fn output(&self, actor: &str, id: i64) -> Result<Vec<u8>, RunError> {
        let run = self.run(id).await?;
        if run.status != RunStatus::Printed {
            return Err(RunError::WrongStatus {
                id,
                status: run.status.label(),
                action: "download",
                needed: RunStatus::Printed.label(),
            });
        }
        Self::refuse_if_purged(&mut self.store.conn(), id).await?;
        let sealed = std::fs::read(self.output_path(id)).map_err(|_| RunError::FileGone)?;
        let pdf = self.key.open(id, "output", &sealed)?;
        let detail = format!(
            "output PDF, {} pages, SHA-256 {}",
            run.pages.unwrap_or_default(),
            run.output_sha256.as_deref().unwrap_or_default()
        );
        self.store
            .record_audit(
                &AuditEntry::new(actor, "batch_run.download", "batch_run", &id.to_string())
                    .detail(detail),
            )
            .await?;
        Ok(pdf)
    }

    /// Everything done with run `id`, oldest first: who received, previewed, downloaded,
    /// approved, printed or purged it, and when.
    pub async fn history(&self, id: i64) -> Result<Vec<RunAccess>, RunError> {
        let filter = AuditFilter {
            actor: None,
            object_kind: Some("batch_run".into()),
            object_id: Some(id.to_string()),
        };
        let mut lines = audit::page(&mut self.store.conn(), &filter, 0, HISTORY).await?;
        lines.reverse();
        Ok(lines
            .into_iter()
            .filter_map(|line| {
                let what = ACTIONS.iter().find(|(a, _)| *a == line.action)?.1;
                Some(RunAccess {
                    at: line.at,
                    actor: line.actor,
                    what,
                    detail: line.detail,
                })
            })
            .collect())
    }
}

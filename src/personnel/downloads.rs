//! A plan's files as someone downloads them (audited: they name people): the plan CSV,
//! the device list, the run report (CSV and PDF), and the per-system work-order files.

use super::export::{self, ExportFile};
use super::{devices, report, Personnel, PersonnelError, PersonnelResult};
use crate::batches::render::FormFont;
use crate::spreadsheet::SpreadsheetEncoding;
use crate::storage::{audit, AuditEntry};

/// The files of a plan that are not per system, by name.
pub const PLAN_FILES: [&str; 7] = [
    "plan.csv",
    "plan-sjis.csv",
    "devices.csv",
    "devices-sjis.csv",
    "report.csv",
    "report-sjis.csv",
    "report.pdf",
];

fn encoding(name: &str) -> SpreadsheetEncoding {
    if name.ends_with("-sjis.csv") {
        SpreadsheetEncoding::ShiftJis
    } else {
        SpreadsheetEncoding::Utf8
    }
}

fn unencodable(e: impl std::fmt::Display) -> PersonnelError {
    PersonnelError::NotAllowed(format!(
        "Shift_JIS にできない文字があります（UTF-8 版を使ってください）: {e}"
    ))
}

impl Personnel {
    /// The run report as a PDF (set in the helpdesk's form font).
    pub async fn report_pdf(&self, plan_id: i64) -> PersonnelResult<Vec<u8>> {
        let stored = self.plan(plan_id).await?;
        let Some(path) = &self.font else {
            return Err(PersonnelError::NotAllowed(
                "PDFの書体が設定されていません（[batches] font、IPAexゴシック）。".into(),
            ));
        };
        let bytes = std::fs::read(path).map_err(|_| {
            PersonnelError::NotAllowed(
                "PDFの書体がありません（[batches] font、IPAexゴシック）。".into(),
            )
        })?;
        let font = FormFont::from_bytes(bytes)
            .map_err(|e| PersonnelError::NotAllowed(format!("PDFの書体を読めません: {e}")))?;
        report::render_pdf(&stored.plan, &stored.items, self.store.now(), &font)
            .map_err(|e| PersonnelError::NotAllowed(format!("PDFを作れません: {e}")))
    }

    /// One of a plan's files by name ([`PLAN_FILES`], or a system's `<system>.csv` /
    /// `<system>.ps1`), downloaded by `actor`: one audit row.
    pub async fn download(
        &self,
        plan_id: i64,
        name: &str,
        actor: &str,
    ) -> PersonnelResult<ExportFile> {
        let stored = self.plan(plan_id).await?;
        let bytes = match name {
            "plan.csv" | "plan-sjis.csv" => {
                export::plan_file(&stored.items, encoding(name)).map_err(unencodable)?
            }
            "devices.csv" | "devices-sjis.csv" => {
                let moves = self.device_moves(plan_id).await?;
                devices::devices_file(&moves, encoding(name)).map_err(unencodable)?
            }
            "report.csv" | "report-sjis.csv" => {
                report::report_file(&stored.items, encoding(name)).map_err(unencodable)?
            }
            "report.pdf" => self.report_pdf(plan_id).await?,
            _ => export::system_files(&stored.items)
                .into_iter()
                .find(|f| f.file_name == name)
                .map(|f| f.bytes)
                .ok_or_else(|| {
                    PersonnelError::NotInPlan(format!(
                        "計画 {plan_id} にそのファイルはありません。"
                    ))
                })?,
        };
        let mut tx = self.store.begin().await?;
        let entry = AuditEntry::new(
            actor,
            "personnel.download",
            "personnel_plan",
            &plan_id.to_string(),
        )
        .detail(name.to_owned());
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(ExportFile {
            file_name: name.to_owned(),
            bytes,
        })
    }
}

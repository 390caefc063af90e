//! The staff directory as a service: importing the personnel CSV (whole file checked
//! first, one transaction with its audit row) and looking people up.

mod csv;

pub use self::csv::{is_employee_no, parse_csv, StaffCsvError, COLUMNS};

use crate::storage::{
    audit, staff, AuditEntry, StaffImportReport, StaffMember, StorageError, Store,
};

/// Why an import did nothing.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// The file has problems (each named by line), or repeats a 職員番号.
    #[error(transparent)]
    Csv(#[from] StaffCsvError),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Internal(StorageError),
}

impl From<StorageError> for DirectoryError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Invalid(reason) => DirectoryError::Invalid(reason),
            other => DirectoryError::Internal(other),
        }
    }
}

/// How many people an import may remove from the directory without being told to
/// (`allow_removals`), whatever its share: April's retirements and moves pass.
pub const REMOVALS_WITHOUT_ASKING: usize = 10;

/// The staff directory service.
pub struct Directory {
    store: Store,
}

impl Directory {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Replaces the directory with the people of a personnel CSV (UTF-8, BOM or
    /// Shift_JIS), audited as `actor`'s import. A file with nobody in it is refused, and
    /// so, unless `allow_removals`, is one that would remove more than
    /// [`REMOVALS_WITHOUT_ASKING`] people and a fifth of the directory (a file filtered to
    /// one 所属 in Excel, say): nothing is written either way.
    pub async fn import_csv(
        &self,
        bytes: &[u8],
        allow_removals: bool,
        actor: &str,
    ) -> Result<StaffImportReport, DirectoryError> {
        let people = parse_csv(bytes)?;
        if people.is_empty() {
            return Err(DirectoryError::Invalid(
                "ファイルに職員が一人もいません。職員名簿を空にする取り込みはしません。".into(),
            ));
        }
        let mut tx = self.store.begin().await?;
        let report = staff::replace(&mut tx, &people).await?;
        let before = report.updated + report.unchanged + report.removed;
        if !allow_removals
            && report.removed > REMOVALS_WITHOUT_ASKING
            && report.removed * 5 > before
        {
            // Dropping `tx` rolls the replacement back.
            return Err(DirectoryError::Invalid(format!(
                "この取り込みで職員名簿の {} 人（{} 人中）が消えます。所属などで絞り込んだ\
                 ファイルではありませんか。そのとおり消してよければ、--allow-removals を付けて\
                 取り込み直してください。",
                report.removed, before
            )));
        }
        let detail = format!(
            "{} added, {} updated, {} unchanged, {} removed",
            report.added, report.updated, report.unchanged, report.removed
        );
        let line = AuditEntry::new(actor, "staff.import", "staff", "directory").detail(detail);
        audit::append(&mut tx, &line).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// How many people the directory holds.
    pub async fn count(&self) -> Result<i64, StorageError> {
        self.store.staff_count().await
    }

    pub async fn by_employee_no(&self, no: &str) -> Result<Option<StaffMember>, StorageError> {
        self.store.staff_by_employee_no(no).await
    }
}

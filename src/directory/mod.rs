//! The staff directory as a service: importing the personnel CSV (whole file checked
//! first, one transaction with its audit row) and looking people up.

mod csv;

pub use self::csv::{parse_csv, StaffCsvError, COLUMNS};

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

/// The staff directory service.
pub struct Directory {
    store: Store,
}

impl Directory {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Replaces the directory with the people of a personnel CSV (UTF-8, BOM or
    /// Shift_JIS), audited as `actor`'s import.
    pub async fn import_csv(
        &self,
        bytes: &[u8],
        actor: &str,
    ) -> Result<StaffImportReport, DirectoryError> {
        let people = parse_csv(bytes)?;
        let mut tx = self.store.begin().await?;
        let report = staff::replace(&mut tx, &people).await?;
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

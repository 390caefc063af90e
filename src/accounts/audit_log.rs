//! Admins reading the audit log: every read and export is itself recorded.

use super::Accounts;
use crate::storage::{audit, AuditEntry, AuditFilter, AuditRecord, StorageError};

impl Accounts {
    /// Lines matching `filter`, newest first, read by `reader` (recorded as
    /// `audit.view`).
    pub async fn audit_page(
        &self,
        reader: &str,
        filter: &AuditFilter,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, StorageError> {
        let records = audit::page(&mut self.store.conn(), filter, offset, limit).await?;
        let line = AuditEntry::new(reader, "audit.view", "audit_log", "-");
        self.store.record_audit(&line).await?;
        Ok(records)
    }

    /// Lines matching `filter` for a file, read by `reader` (recorded as `audit.export`
    /// with the number of lines).
    pub async fn audit_export(
        &self,
        reader: &str,
        filter: &AuditFilter,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, StorageError> {
        let records = audit::page(&mut self.store.conn(), filter, 0, limit).await?;
        let line = AuditEntry::new(reader, "audit.export", "audit_log", "-")
            .detail(format!("{} lines", records.len()));
        self.store.record_audit(&line).await?;
        Ok(records)
    }
}

//! The audit log: who looked at or changed what, and when. Append-only: the database
//! refuses updates and deletes (triggers in migration 0004).

use super::{sql, AuditEntry, AuditRecord, Conn, Result, Store, Tx};

/// Which audit-log lines to show. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub object_kind: Option<String>,
    pub object_id: Option<String>,
}

/// Appends a line, inside the transaction of the action it records.
pub async fn append(tx: &mut Tx, entry: &AuditEntry) -> Result<()> {
    let now = tx.now();
    sql(
        "INSERT INTO audit_log (at, actor, action, object_kind, object_id, detail) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(now)
    .bind(&entry.actor)
    .bind(&entry.action)
    .bind(&entry.object_kind)
    .bind(&entry.object_id)
    .bind(&entry.detail)
    .execute(&mut tx.conn())
    .await?;
    Ok(())
}

/// Audit-log lines matching `filter`, newest first.
pub async fn page(
    c: &mut Conn<'_>,
    filter: &AuditFilter,
    offset: i64,
    limit: i64,
) -> Result<Vec<AuditRecord>> {
    sql("SELECT * FROM audit_log WHERE ($1 IS NULL OR actor = $1) \
         AND ($2 IS NULL OR object_kind = $2) AND ($3 IS NULL OR object_id = $3) \
         ORDER BY id DESC LIMIT $4 OFFSET $5")
    .bind(&filter.actor)
    .bind(&filter.object_kind)
    .bind(&filter.object_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(c)
    .await
}

impl Store {
    /// Appends a line to the audit log, as an action of its own (a read, a refusal).
    pub async fn record_audit(&self, entry: &AuditEntry) -> Result<()> {
        let mut tx = self.begin().await?;
        append(&mut tx, entry).await?;
        tx.commit().await
    }

    /// The newest `limit` audit-log lines, newest first.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditRecord>> {
        page(&mut self.conn(), &AuditFilter::default(), 0, limit).await
    }

    /// Audit-log lines matching `filter`, newest first.
    pub async fn audit_page(
        &self,
        filter: &AuditFilter,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<AuditRecord>> {
        page(&mut self.conn(), filter, offset, limit).await
    }
}

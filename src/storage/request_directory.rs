//! What a network's Active Directory did for a request's account steps: one row per
//! operation done (`create`, `password`, ...), so that a retry after a failure skips it.

use chrono::{DateTime, Utc};

use super::{sql, Conn, Result, Tx};
use crate::domain::Network;

/// One operation the directory carried out.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DirectoryResult {
    pub request_id: i64,
    pub position: i64,
    pub network: Network,
    pub operation: String,
    pub note: String,
    pub done_by: String,
    pub done_at: DateTime<Utc>,
}

/// The operations done for request `request_id`, in the order they were done.
pub async fn results(c: &mut Conn<'_>, request_id: i64) -> Result<Vec<DirectoryResult>> {
    sql(
        "SELECT * FROM request_directory_results WHERE request_id = $1 \
         ORDER BY done_at, position, network, operation",
    )
    .bind(request_id)
    .fetch_all(c)
    .await
}

/// Records an operation as done (once: a second record of the same one is ignored).
pub async fn record(
    tx: &mut Tx,
    request_id: i64,
    position: i64,
    network: Network,
    operation: &str,
    note: &str,
    by: &str,
) -> Result<()> {
    let now = tx.now();
    sql("INSERT INTO request_directory_results \
         (request_id, position, network, operation, note, done_by, done_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (request_id, position, network, operation) DO NOTHING")
    .bind(request_id)
    .bind(position)
    .bind(network)
    .bind(operation)
    .bind(note)
    .bind(by)
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    Ok(())
}

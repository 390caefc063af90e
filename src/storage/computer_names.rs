//! The computer-name ledger: names issued by the city's rule, and deleted ones (kept, never
//! issued again). History lines go to `ledger_history` (see [`super::ip_ledger`]).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{sql, Conn, Result, Tx};
use crate::domain::ComputerNameState;

#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ComputerName {
    pub id: i64,
    pub name: String,
    pub department_code: String,
    pub kind: String,
    pub serial: i64,
    pub state: ComputerNameState,
    pub device: Option<String>,
    pub person: Option<String>,
    pub issued_at: DateTime<Utc>,
    pub issued_by: String,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A name about to be issued.
#[derive(Debug, Clone, PartialEq)]
pub struct NewComputerName {
    pub name: String,
    pub department_code: String,
    pub kind: String,
    pub serial: i64,
    pub device: Option<String>,
    pub person: Option<String>,
    pub issued_by: String,
}

/// Takes the series (所属コード and kind) for the rest of the transaction, so instances
/// issuing names at once queue instead of racing for the same serial. PostgreSQL: a
/// transaction-scoped advisory lock; SQLite has one writer already.
pub async fn lock_series(tx: &mut Tx, department_code: &str, kind: &str) -> Result<()> {
    if tx.is_postgres() {
        let key = format!("computer_names:{department_code}:{kind}");
        sql("SELECT pg_advisory_xact_lock(hashtext($1)::bigint)")
            .bind(key)
            .execute(&mut tx.conn())
            .await?;
    }
    Ok(())
}

/// The highest serial ever issued for a 所属コード and kind (deleted names count).
pub async fn last_serial(c: &mut Conn<'_>, department_code: &str, kind: &str) -> Result<i64> {
    let last: Option<i64> =
        sql("SELECT MAX(serial) FROM computer_names WHERE department_code = $1 AND kind = $2")
            .bind(department_code)
            .bind(kind)
            .scalar(c)
            .await?;
    Ok(last.unwrap_or(0))
}

/// Inserts a name; `None` when the name or its serial was taken meanwhile (another
/// instance issued it first), so the caller can try the next one.
pub async fn insert(tx: &mut Tx, name: &NewComputerName) -> Result<Option<ComputerName>> {
    let now = tx.now();
    let inserted = sql(
        "INSERT INTO computer_names (name, department_code, kind, serial, state, device, \
         person, issued_at, issued_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT DO NOTHING RETURNING *",
    )
    .bind(&name.name)
    .bind(&name.department_code)
    .bind(&name.kind)
    .bind(name.serial)
    .bind(ComputerNameState::Issued)
    .bind(&name.device)
    .bind(&name.person)
    .bind(now)
    .bind(&name.issued_by)
    .fetch_optional(&mut tx.conn())
    .await?;
    Ok(inserted)
}

/// Marks an issued name deleted; the row, or `None` when no issued name has that name.
pub async fn delete(tx: &mut Tx, name: &str) -> Result<Option<ComputerName>> {
    let now = tx.now();
    sql(
        "UPDATE computer_names SET state = $2, deleted_at = $3 WHERE name = $1 AND state = $4 \
         RETURNING *",
    )
    .bind(name)
    .bind(ComputerNameState::Deleted)
    .bind(now)
    .bind(ComputerNameState::Issued)
    .fetch_optional(&mut tx.conn())
    .await
}

pub async fn find(c: &mut Conn<'_>, name: &str) -> Result<Option<ComputerName>> {
    sql("SELECT * FROM computer_names WHERE name = $1")
        .bind(name)
        .fetch_optional(c)
        .await
}

/// Every name, in order of 所属コード, kind and serial.
pub async fn list(c: &mut Conn<'_>) -> Result<Vec<ComputerName>> {
    sql("SELECT * FROM computer_names ORDER BY department_code, kind, serial")
        .fetch_all(c)
        .await
}

//! Generation numbers: bumped in the transaction of a change that every instance must
//! see in memory (the FAQ entries, the synonyms), polled by each instance.

use super::{sql, Conn, Result, Tx};

/// The knowledge base: FAQ entries and the synonym dictionary.
pub const KNOWLEDGE_BASE: &str = "knowledge_base";

/// Adds one to generation `name`, inside the change's transaction.
pub async fn bump(tx: &mut Tx, name: &str) -> Result<()> {
    sql("UPDATE generations SET value = value + 1 WHERE name = $1")
        .bind(name)
        .execute(&mut tx.conn())
        .await?;
    Ok(())
}

/// Locks generation `name`'s row for the rest of `tx` (PostgreSQL; SQLite's write
/// transaction excludes other writers already): changes under `name` that read before
/// they write take turns, and each reads what the one before it committed.
pub async fn lock(tx: &mut Tx, name: &str) -> Result<()> {
    sql("SELECT value FROM generations WHERE name = $1 FOR UPDATE")
        .locking()
        .bind(name)
        .scalar_optional::<i64>(&mut tx.conn())
        .await?;
    Ok(())
}

/// Generation `name` now.
pub async fn get(c: &mut Conn<'_>, name: &str) -> Result<i64> {
    Ok(sql("SELECT value FROM generations WHERE name = $1")
        .bind(name)
        .scalar_optional(c)
        .await?
        .unwrap_or(0))
}

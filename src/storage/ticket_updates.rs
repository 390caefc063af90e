//! The queue's 「追記あり」 mark: set when the staff member writes to a ticket's
//! conversation while it is open, cleared when an operator reads or works the ticket.

use super::{sql, Result, Tx};

/// Marks ticket `id` as updated by the staff member (the first unread message's time is
/// kept); `false` when there is no such ticket.
pub async fn mark_updated_by_staff(tx: &mut Tx, id: i64) -> Result<bool> {
    let now = tx.now();
    let changed = sql(
        "UPDATE tickets SET updated_by_staff_at = COALESCE(updated_by_staff_at, $2) \
         WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    Ok(changed == 1)
}

/// An operator has read ticket `id`: the mark goes.
pub async fn mark_read(tx: &mut Tx, id: i64) -> Result<()> {
    sql("UPDATE tickets SET updated_by_staff_at = NULL WHERE id = $1 AND updated_by_staff_at IS NOT NULL")
        .bind(id)
        .execute(&mut tx.conn())
        .await?;
    Ok(())
}

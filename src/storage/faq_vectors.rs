//! The entries' stored sentence vectors (see migrations/*/0012_quality.sql): read back to
//! build the index, written when an entry's texts were encoded.

use super::{sql, Conn, Result, Tx};
use crate::domain::VectorKind;

/// One stored vector.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StoredVector {
    pub faq_id: String,
    pub kind: VectorKind,
    pub ordinal: i64,
    /// sha256 of the encoded text.
    pub text_hash: String,
    pub model_id: String,
    /// Little-endian f32.
    pub vector: Vec<u8>,
}

/// Every vector made by model `model_id`.
pub async fn of_model(c: &mut Conn<'_>, model_id: &str) -> Result<Vec<StoredVector>> {
    sql(
        "SELECT faq_id, kind, ordinal, text_hash, model_id, vector FROM faq_vectors \
         WHERE model_id = $1 ORDER BY faq_id, kind, ordinal",
    )
    .bind(model_id)
    .fetch_all(c)
    .await
}

/// Stores `v`, replacing what its entry, kind and ordinal held.
pub async fn put(tx: &mut Tx, v: &StoredVector) -> Result<()> {
    let now = tx.now();
    sql(
        "INSERT INTO faq_vectors (faq_id, kind, ordinal, text_hash, model_id, vector, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (faq_id, kind, ordinal) DO UPDATE SET text_hash = excluded.text_hash, \
         model_id = excluded.model_id, vector = excluded.vector, created_at = excluded.created_at",
    )
    .bind(&v.faq_id)
    .bind(v.kind)
    .bind(v.ordinal)
    .bind(&v.text_hash)
    .bind(&v.model_id)
    .bind(v.vector.clone())
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    Ok(())
}

/// Removes the vectors of entry `faq_id` and `kind` from `ordinal` on (alternatives that
/// were taken out).
pub async fn remove_from(tx: &mut Tx, faq_id: &str, kind: VectorKind, ordinal: i64) -> Result<u64> {
    sql("DELETE FROM faq_vectors WHERE faq_id = $1 AND kind = $2 AND ordinal >= $3")
        .bind(faq_id)
        .bind(kind)
        .bind(ordinal)
        .execute(&mut tx.conn())
        .await
}

/// How many vectors are stored, of any model.
pub async fn count(c: &mut Conn<'_>) -> Result<i64> {
    sql("SELECT COUNT(*) FROM faq_vectors").scalar(c).await
}

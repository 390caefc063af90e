//! The synonym dictionary edited in the operator console: every version kept, with who
//! saved it and when; the newest is in use.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{generations, sql, Conn, Result, Store, Tx};

/// One saved version of the synonym dictionary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SynonymDictionary {
    /// 1, 2, 3...: higher is newer.
    pub version: i64,
    /// The dictionary in the `synonyms.txt` format.
    pub text: String,
    pub author: String,
    pub created_at: DateTime<Utc>,
}

/// Saves a dictionary (already checked by the caller) as the newest version, inside `tx`;
/// its version number.
pub async fn save(tx: &mut Tx, text: &str, author: &str) -> Result<i64> {
    let now = tx.now();
    let version = sql(
        "INSERT INTO synonym_dictionaries (text, author, created_at) VALUES ($1, $2, $3) \
         RETURNING version",
    )
    .bind(text)
    .bind(author)
    .bind(now)
    .scalar(&mut tx.conn())
    .await?;
    generations::bump(tx, generations::KNOWLEDGE_BASE).await?;
    Ok(version)
}

/// The newest saved version's number inside `tx`, or `None` when none was saved (the
/// file is in use). Read after [`generations::lock`] on the knowledge base, it is the
/// version a save in `tx` replaces.
pub async fn newest_version(tx: &mut Tx) -> Result<Option<i64>> {
    sql("SELECT version FROM synonym_dictionaries ORDER BY version DESC LIMIT 1")
        .scalar_optional(&mut tx.conn())
        .await
}

/// The newest `limit` saved versions, newest first.
pub async fn history(c: &mut Conn<'_>, limit: i64) -> Result<Vec<SynonymDictionary>> {
    sql(
        "SELECT version, text, author, created_at FROM synonym_dictionaries \
         ORDER BY version DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(c)
    .await
}

impl Store {
    /// Saves a synonym dictionary (already checked by the caller) as the newest version.
    pub async fn save_synonyms(&self, text: &str, author: &str) -> Result<i64> {
        let mut tx = self.begin().await?;
        let version = save(&mut tx, text, author).await?;
        tx.commit().await?;
        Ok(version)
    }

    /// The dictionary in use: the newest saved version, if any was saved.
    pub async fn synonyms(&self) -> Result<Option<SynonymDictionary>> {
        Ok(history(&mut self.conn(), 1).await?.into_iter().next())
    }

    /// The newest `limit` saved versions, newest first.
    pub async fn synonym_history(&self, limit: i64) -> Result<Vec<SynonymDictionary>> {
        history(&mut self.conn(), limit).await
    }
}

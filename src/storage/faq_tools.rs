//! Storage for the FAQ maintenance tools: restoring an entry's revision, and the synonym
//! dictionary edited in the operator console (every version kept, with who saved it and
//! when; the newest is in use).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{now, Result, StorageError, Store};

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

/// The SQL, written once with `$n` parameters; invoked inside each backend's `impl`.
macro_rules! faq_tools_queries {
    () => {
        pub(super) async fn synonyms_save(
            &self,
            text: &str,
            author: &str,
            now: DateTime<Utc>,
        ) -> Result<i64> {
            let mut tx = self.begin_write().await?;
            let version: i64 = sqlx::query_scalar(&sql(
                "INSERT INTO synonym_dictionaries (text, author, created_at) \
                 VALUES ($1, $2, $3) RETURNING version",
            ))
            .bind(text)
            .bind(author)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(version)
        }

        pub(super) async fn synonyms_list(
            &self,
            limit: i64,
        ) -> Result<Vec<$crate::storage::SynonymDictionary>> {
            Ok(sqlx::query_as(&sql(
                "SELECT version, text, author, created_at FROM synonym_dictionaries \
                 ORDER BY version DESC LIMIT $1",
            ))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
        }
    };
}
pub(super) use faq_tools_queries;

impl Store {
    /// Saves `revision` of entry `id` again as its newest revision, by `author`. Returns
    /// the entry's revision number afterwards (unchanged when that revision is what the
    /// entry holds now). An unknown entry or revision is [`StorageError::Invalid`], and
    /// nothing is written.
    pub async fn restore_faq_revision(&self, id: &str, revision: u32, author: &str) -> Result<u32> {
        let revisions = self.faq_revisions(id).await?;
        let Some(old) = revisions.into_iter().find(|r| r.revision == revision) else {
            return Err(StorageError::Invalid(format!(
                "entry {id:?} has no revision {revision}"
            )));
        };
        self.save_faq(&old.entry, author).await
    }

    /// Saves a synonym dictionary (already checked by the caller) as the newest version.
    /// Returns its version number.
    pub async fn save_synonyms(&self, text: &str, author: &str) -> Result<i64> {
        delegate!(self, b => b.synonyms_save(text, author, now()).await)
    }

    /// The dictionary in use: the newest saved version, if any was saved.
    pub async fn synonyms(&self) -> Result<Option<SynonymDictionary>> {
        Ok(self.synonym_history(1).await?.into_iter().next())
    }

    /// The newest `limit` saved versions, newest first.
    pub async fn synonym_history(&self, limit: i64) -> Result<Vec<SynonymDictionary>> {
        delegate!(self, b => b.synonyms_list(limit).await)
    }
}

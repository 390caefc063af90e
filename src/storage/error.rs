//! The one error type of the storage layer.

/// Why a storage operation failed.
///
/// Messages name entries by id only: row contents (question text, answers) can hold
/// personal data and must not end up in logs through an error.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The caller handed over something that may not be stored (an invalid FAQ entry,
    /// a batch with a repeated id). Nothing was written.
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The database URL names no backend this build supports. Holds the scheme only, so a
    /// password in the URL is never printed.
    #[error("unsupported database URL {0}: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored row cannot be read back (for instance a list column that is not a JSON
    /// array of strings).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// Someone else changed the record between reading and writing it (a version or state
    /// check failed). Nothing was written; read it again and retry, or tell the user.
    #[error("changed meanwhile: {0}")]
    Conflict(String),
}

impl StorageError {
    /// A unique constraint refused the write: someone else stored the same key first
    /// (two instances, or two operators, at the same moment).
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, Self::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

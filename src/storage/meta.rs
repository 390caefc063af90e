//! Small settings, such as whether the bundled knowledge base was seeded.

use super::{sql, Result, Store};

impl Store {
    pub async fn meta_get(&self, key: &str) -> Result<Option<String>> {
        sql("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .scalar_optional(&mut self.conn())
            .await
    }

    /// Sets (or replaces) a small setting.
    pub async fn meta_set(&self, key: &str, value: &str) -> Result<()> {
        self.write(
            sql("INSERT INTO meta (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value),
        )
        .await?;
        Ok(())
    }
}

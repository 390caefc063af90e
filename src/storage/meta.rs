//! Small settings, such as whether the bundled knowledge base was seeded.

use super::{sql, Conn, Result, Store};

/// Setting `key`, if set.
pub async fn get(c: &mut Conn<'_>, key: &str) -> Result<Option<String>> {
    sql("SELECT value FROM meta WHERE key = $1")
        .bind(key)
        .scalar_optional(c)
        .await
}

/// Sets (or replaces) setting `key`.
pub async fn set(c: &mut Conn<'_>, key: &str, value: &str) -> Result<()> {
    sql("INSERT INTO meta (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value")
    .bind(key)
    .bind(value)
    .execute(c)
    .await?;
    Ok(())
}

impl Store {
    pub async fn meta_get(&self, key: &str) -> Result<Option<String>> {
        get(&mut self.conn(), key).await
    }

    /// Sets (or replaces) a small setting.
    pub async fn meta_set(&self, key: &str, value: &str) -> Result<()> {
        let _turn = self.write_turn().await;
        set(&mut self.conn(), key, value).await
    }
}

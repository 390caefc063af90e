//! Conversations: one per channel, room and user, with where the in-chat flow stands.
//!
//! Turns of one conversation never interleave, whichever instance runs them: a turn reads
//! the conversation, works out its answer, then in its transaction [`lock`]s the row and
//! checks the version it read. Another turn that committed in between bumped the
//! version, so this one rolls back and starts again from what is stored now.

use chrono::{DateTime, Utc};

use super::{sql, Conn, ConversationKey, ConversationRow, Result, StorageError, Store, Tx};
use crate::domain::{Channel, ConversationState, Handler};

/// A `conversations` row as stored; typed on the way out.
#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    token: String,
    channel: String,
    room: String,
    user_ref: String,
    user_name: Option<String>,
    staff_no: Option<String>,
    contact: Option<String>,
    state: String,
    handler: String,
    operator: Option<String>,
    ticket_id: Option<i64>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Row {
    fn typed(self) -> Result<ConversationRow> {
        let corrupt = |what: String| {
            tracing::error!(conversation = self.id, %what, "unreadable conversation");
            StorageError::Corrupt(format!("conversation {}: {what}", self.id))
        };
        let channel = Channel::parse(&self.channel).map_err(|e| corrupt(e.to_string()))?;
        let handler = Handler::from_columns(&self.handler, self.operator.clone())
            .map_err(|e| corrupt(e.to_string()))?;
        let state =
            ConversationState::from_json(&self.state).map_err(|e| corrupt(e.to_string()))?;
        Ok(ConversationRow {
            id: self.id,
            token: self.token,
            channel,
            room: self.room,
            user_ref: self.user_ref,
            user_name: self.user_name,
            staff_no: self.staff_no,
            contact: self.contact,
            state,
            handler,
            ticket_id: self.ticket_id,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

pub async fn get(c: &mut Conn<'_>, id: i64) -> Result<Option<ConversationRow>> {
    let row: Option<Row> = sql("SELECT * FROM conversations WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await?;
    row.map(Row::typed).transpose()
}

pub async fn by_token(c: &mut Conn<'_>, token: &str) -> Result<Option<ConversationRow>> {
    let row: Option<Row> = sql("SELECT * FROM conversations WHERE token = $1")
        .bind(token)
        .fetch_optional(c)
        .await?;
    row.map(Row::typed).transpose()
}

pub async fn by_key(c: &mut Conn<'_>, key: &ConversationKey) -> Result<Option<ConversationRow>> {
    let row: Option<Row> =
        sql("SELECT * FROM conversations WHERE channel = $1 AND room = $2 AND user_ref = $3")
            .bind(key.channel)
            .bind(&key.room)
            .bind(&key.user_ref)
            .fetch_optional(c)
            .await?;
    row.map(Row::typed).transpose()
}

/// Takes the conversation for this transaction if it is still at `version` (PostgreSQL
/// locks the row until the transaction ends; SQLite's writer excludes the others). `false`
/// when another turn changed it since it was read: roll back and read it again.
pub async fn lock(tx: &mut Tx, id: i64, version: i64) -> Result<bool> {
    let current: Option<i64> = sql("SELECT version FROM conversations WHERE id = $1 FOR UPDATE")
        .locking()
        .bind(id)
        .scalar_optional(&mut tx.conn())
        .await?;
    Ok(current == Some(version))
}

/// Writes the conversation as a turn leaves it (after [`lock`]), one version on. When
/// the staff member is identified (or changes), their 所属 is kept as the directory has
/// it now, for the reports (migration 0034).
pub async fn save(tx: &mut Tx, after: &ConversationRow) -> Result<()> {
    let now = tx.now();
    let changed = sql(
        "UPDATE conversations SET state = $3, handler = $4, operator = $5, ticket_id = $6, \
         contact = $7, staff_no = $8, user_name = $9, version = version + 1, updated_at = $10, \
         department = CASE WHEN $8 IS NULL THEN NULL \
           WHEN conversations.staff_no = $8 AND conversations.department IS NOT NULL \
             THEN conversations.department \
           ELSE (SELECT s.department FROM staff s WHERE s.employee_no = $8) END \
         WHERE id = $1 AND version = $2",
    )
    .bind(after.id)
    .bind(after.version)
    .bind(after.state.to_json())
    .bind(after.handler.kind())
    .bind(after.handler.operator())
    .bind(after.ticket_id)
    .bind(&after.contact)
    .bind(&after.staff_no)
    .bind(&after.user_name)
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    if changed != 1 {
        return Err(StorageError::Conflict(format!(
            "conversation {} changed during the transaction",
            after.id
        )));
    }
    Ok(())
}

/// A new conversation for `key` inside `tx` (an inquiry an operator enters: each is its
/// own conversation, so `key` is new).
pub async fn create(tx: &mut Tx, key: &ConversationKey, token: &str) -> Result<ConversationRow> {
    let now = tx.now();
    sql(
        "INSERT INTO conversations (token, channel, room, user_ref, state, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(token)
    .bind(key.channel)
    .bind(&key.room)
    .bind(&key.user_ref)
    .bind(ConversationState::Idle.to_json())
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    by_key(&mut tx.conn(), key)
        .await?
        .ok_or_else(|| StorageError::Corrupt("a conversation just stored is gone".into()))
}

impl Store {
    /// The conversation for `key`, created (with `token`, idle, with the bot) when there
    /// is none.
    pub async fn open_conversation(
        &self,
        key: &ConversationKey,
        token: &str,
    ) -> Result<ConversationRow> {
        // Almost every message belongs to a known conversation: read first, write only
        // for a new one.
        if let Some(found) = by_key(&mut self.conn(), key).await? {
            return Ok(found);
        }
        let mut tx = self.begin().await?;
        let now = tx.now();
        sql(
            "INSERT INTO conversations (token, channel, room, user_ref, state, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) \
             ON CONFLICT (channel, room, user_ref) DO NOTHING",
        )
        .bind(token)
        .bind(key.channel)
        .bind(&key.room)
        .bind(&key.user_ref)
        .bind(ConversationState::Idle.to_json())
        .bind(now)
        .execute(&mut tx.conn())
        .await?;
        let row = by_key(&mut tx.conn(), key).await?;
        tx.commit().await?;
        row.ok_or_else(|| StorageError::Corrupt("a conversation just stored is gone".into()))
    }

    pub async fn conversation(&self, id: i64) -> Result<Option<ConversationRow>> {
        get(&mut self.conn(), id).await
    }

    pub async fn conversation_by_token(&self, token: &str) -> Result<Option<ConversationRow>> {
        by_token(&mut self.conn(), token).await
    }
}

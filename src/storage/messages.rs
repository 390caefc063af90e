//! Messages of conversations, in and out, and the FAQ entries a message offered.

use super::{
    sql, Conn, ConversationRow, NewMessage, Result, StorageError, Store, StoredMessage, Tx,
};
use crate::domain::{Channel, Direction};

/// Stores an inbound message; `None` (nothing written) when the channel delivered the
/// same message id before.
pub async fn insert_inbound(
    tx: &mut Tx,
    conversation: &ConversationRow,
    message: &NewMessage,
) -> Result<Option<i64>> {
    debug_assert_eq!(message.direction, Direction::In);
    insert_row(tx, conversation, message, true).await
}

/// Stores a message to the staff member (and the entries it offers).
pub async fn insert(
    tx: &mut Tx,
    conversation: &ConversationRow,
    message: &NewMessage,
) -> Result<StoredMessage> {
    let id = insert_row(tx, conversation, message, false)
        .await?
        .ok_or_else(|| StorageError::Corrupt("a message without a channel id conflicted".into()))?;
    let now = tx.now();
    for (position, faq_id) in (1_i64..).zip(&message.offers) {
        sql(
            "INSERT INTO message_offers (message_id, position, faq_id, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(position)
        .bind(faq_id)
        .bind(now)
        .execute(&mut tx.conn())
        .await?;
    }
    Ok(StoredMessage {
        id,
        conversation_id: conversation.id,
        channel: conversation.channel,
        channel_message_id: message.channel_message_id.clone(),
        direction: message.direction,
        author: message.author,
        author_name: message.author_name.clone(),
        text: message.text.clone(),
        html: message.html.clone(),
        choices: choices_json(message)?,
        reply_to: message.reply_to,
        faq_id: message.faq_id.clone(),
        created_at: now,
    })
}

async fn insert_row(
    tx: &mut Tx,
    conversation: &ConversationRow,
    message: &NewMessage,
    skip_duplicate: bool,
) -> Result<Option<i64>> {
    let statement = if skip_duplicate {
        sql(
            "INSERT INTO messages (conversation_id, channel, channel_message_id, direction, \
             author, author_name, text, html, choices, reply_to, faq_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (channel, channel_message_id) DO NOTHING RETURNING id",
        )
    } else {
        sql(
            "INSERT INTO messages (conversation_id, channel, channel_message_id, direction, \
             author, author_name, text, html, choices, reply_to, faq_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
    };
    let now = tx.now();
    statement
        .bind(conversation.id)
        .bind(conversation.channel)
        .bind(&message.channel_message_id)
        .bind(message.direction)
        .bind(message.author)
        .bind(&message.author_name)
        .bind(&message.text)
        .bind(&message.html)
        .bind(choices_json(message)?)
        .bind(message.reply_to)
        .bind(&message.faq_id)
        .bind(now)
        .scalar_optional(&mut tx.conn())
        .await
}

/// A message's choices as stored: a JSON array.
fn choices_json(message: &NewMessage) -> Result<String> {
    serde_json::to_string(&message.choices).map_err(|e| StorageError::Invalid(e.to_string()))
}

/// The stored inbound message with this channel id, if the channel delivered it before.
pub async fn find_inbound(
    c: &mut Conn<'_>,
    channel: Channel,
    channel_message_id: &str,
) -> Result<Option<i64>> {
    sql("SELECT id FROM messages WHERE channel = $1 AND channel_message_id = $2")
        .bind(channel)
        .bind(channel_message_id)
        .scalar_optional(c)
        .await
}

/// The replies stored for inbound message `id`, oldest first.
pub async fn replies_to(c: &mut Conn<'_>, id: i64) -> Result<Vec<StoredMessage>> {
    sql("SELECT * FROM messages WHERE reply_to = $1 ORDER BY id")
        .bind(id)
        .fetch_all(c)
        .await
}

/// A conversation's messages with an id above `after`, oldest first.
pub async fn after(
    c: &mut Conn<'_>,
    conversation_id: i64,
    after: i64,
) -> Result<Vec<StoredMessage>> {
    sql("SELECT * FROM messages WHERE conversation_id = $1 AND id > $2 ORDER BY id")
        .bind(conversation_id)
        .bind(after)
        .fetch_all(c)
        .await
}

impl Store {
    /// A conversation's messages with an id above `after`, oldest first.
    pub async fn messages_after(
        &self,
        conversation_id: i64,
        after_id: i64,
    ) -> Result<Vec<StoredMessage>> {
        after(&mut self.conn(), conversation_id, after_id).await
    }

    /// The replies stored for inbound message `id`, oldest first.
    pub async fn replies_to(&self, id: i64) -> Result<Vec<StoredMessage>> {
        replies_to(&mut self.conn(), id).await
    }

    pub async fn message_count(&self) -> Result<i64> {
        sql("SELECT COUNT(*) FROM messages")
            .scalar(&mut self.conn())
            .await
    }
}

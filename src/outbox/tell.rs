//! Telling a staff member something later, in the conversation they used: the bot's
//! message is stored in it and, on channels that push (LoGoチャット), queued here in the
//! same transaction as the change it reports.

use crate::domain::Author;
use crate::storage::{
    conversations, messages, outbox, ConversationRow, Delivery, NewMessage, NewOutboxItem,
    StorageError, StoredMessage, Tx,
};

/// Writes `text` as a bot message in conversation `conversation_id` (and its outbox item
/// when the channel pushes). `false` when the conversation is gone.
pub async fn tell_conversation(
    tx: &mut Tx,
    conversation_id: i64,
    text: &str,
) -> Result<bool, StorageError> {
    let Some(conversation) = conversations::get(&mut tx.conn(), conversation_id).await? else {
        return Ok(false);
    };
    let message = NewMessage::outgoing(Author::Bot, text.to_owned());
    send_in(tx, &conversation, &message).await?;
    Ok(true)
}

/// Stores `message` in `conversation` and, when its channel pushes, queues it for
/// delivery, inside `tx`; the stored message.
pub async fn send_in(
    tx: &mut Tx,
    conversation: &ConversationRow,
    message: &NewMessage,
) -> Result<StoredMessage, StorageError> {
    let stored = messages::insert(tx, conversation, message).await?;
    if let Some(route) = conversation.channel.outbox_route() {
        let item = NewOutboxItem {
            kind: crate::domain::OutboxKind::Message,
            route,
            room: conversation.room.clone(),
            recipient: Some(conversation.user_ref.clone()),
            delivery: Delivery {
                text: stored.text.clone(),
                subject: None,
            },
        };
        outbox::push(tx, &item, Some(stored.id)).await?;
    }
    Ok(stored)
}

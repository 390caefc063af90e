//! Telling a staff member something later, in the conversation they used: the bot's
//! message is stored in it and, on channels that push (LoGoチャット), queued here in the
//! same transaction as the change it reports.

use crate::domain::Author;
use crate::storage::{
    conversations, messages, outbox, Delivery, NewMessage, NewOutboxItem, StorageError, Tx,
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
    let stored = messages::insert(tx, &conversation, &message).await?;
    if let Some(route) = conversation.channel.outbox_route() {
        let item = NewOutboxItem {
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
    Ok(true)
}

//! A ticket and the notices announcing it are stored together, or not at all.

use madoguchi::storage::{ConversationKey, NewOutboxItem, NewTicket};

use crate::db::backends;

fn notices(id: i64) -> Vec<NewOutboxItem> {
    ["logochat-operators", "mail"]
        .into_iter()
        .map(|channel| NewOutboxItem {
            channel: channel.into(),
            room: "operators".into(),
            payload: format!("{{\"ticket\":{id}}}"),
        })
        .collect()
}

#[tokio::test]
async fn a_ticket_and_its_notices_are_written_together_or_not_at_all() {
    for db in backends().await {
        let s = &db.store;
        let key = ConversationKey {
            channel: "logochat".into(),
            room: "r1".into(),
            user_ref: "u1".into(),
        };
        let c = s
            .open_conversation(&key, &"1".repeat(32), r#"{"kind":"idle"}"#)
            .await
            .unwrap();
        let ticket = NewTicket {
            conversation_id: c.id,
            channel: "logochat".into(),
            subject: "VPNにつながらない".into(),
            transcript: "[]".into(),
            ..NewTicket::default()
        };
        let id = s.open_ticket_with_notices(&ticket, &notices).await.unwrap();
        assert_eq!(
            s.conversation(c.id).await.unwrap().unwrap().ticket_id,
            Some(id)
        );
        let queued = s.outbox(Some("pending"), 10).await.unwrap();
        let mut channels: Vec<_> = queued.iter().map(|i| i.channel.as_str()).collect();
        channels.sort();
        assert_eq!(channels, ["logochat-operators", "mail"]);
        assert!(queued
            .iter()
            .all(|i| i.payload == format!("{{\"ticket\":{id}}}") && i.message_id.is_none()));

        // A ticket that cannot be stored (no such conversation) queues nothing.
        let orphan = NewTicket {
            conversation_id: c.id + 1000,
            ..ticket.clone()
        };
        assert!(s.open_ticket_with_notices(&orphan, &notices).await.is_err());
        assert_eq!(s.outbox(None, 10).await.unwrap().len(), 2);
        assert_eq!(s.tickets(None, 10).await.unwrap().len(), 1);
    }
}

//! A ticket and the notices announcing it are stored together, or not at all.

use madoguchi::domain::{Channel, OutboxRoute, OutboxStatus};
use madoguchi::storage::{
    conversations, outbox, tickets, ConversationRow, Delivery, NewOutboxItem, NewTicket, Store, Tx,
};

use crate::conversations::conversation;
use crate::db::backends;

fn notices(id: i64) -> Vec<NewOutboxItem> {
    [OutboxRoute::OperatorsRoom, OutboxRoute::Mail]
        .into_iter()
        .map(|route| NewOutboxItem {
            kind: madoguchi::domain::OutboxKind::Request,
            route,
            room: "operators".into(),
            recipient: None,
            delivery: Delivery {
                text: format!("受付番号 #{id}"),
                subject: (route == OutboxRoute::Mail).then(|| format!("#{id}")),
            },
        })
        .collect()
}

/// An escalation's writes: the ticket, its notices and the conversation's open ticket,
/// not committed yet.
async fn escalate(s: &Store, c: &ConversationRow, ticket: &NewTicket) -> (Tx, ConversationRow) {
    let mut tx = s.begin().await.unwrap();
    let id = tickets::insert(&mut tx, ticket).await.unwrap();
    for item in notices(id) {
        outbox::push(&mut tx, &item, None).await.unwrap();
    }
    let after = ConversationRow {
        ticket_id: Some(id),
        ..c.clone()
    };
    (tx, after)
}

#[tokio::test]
async fn a_ticket_and_its_notices_are_written_together_or_not_at_all() {
    for db in backends().await {
        let s = &db.store;
        let c = conversation(s, "r1").await;
        let ticket = NewTicket::new(c.id, Channel::LogoChat, "VPNにつながらない");
        let (mut tx, after) = escalate(s, &c, &ticket).await;
        assert!(conversations::lock(&mut tx, c.id, c.version).await.unwrap());
        conversations::save(&mut tx, &after).await.unwrap();
        tx.commit().await.unwrap();
        let id = after.ticket_id.unwrap();
        assert_eq!(
            s.conversation(c.id).await.unwrap().unwrap().ticket_id,
            Some(id)
        );
        let queued = s.outbox(Some(OutboxStatus::Pending), 10).await.unwrap();
        let mut routes: Vec<_> = queued.iter().map(|i| i.route).collect();
        routes.sort();
        assert_eq!(routes, [OutboxRoute::OperatorsRoom, OutboxRoute::Mail]);
        for item in &queued {
            let delivery = item.delivery().unwrap();
            assert_eq!(delivery.text, format!("受付番号 #{id}"));
            assert_eq!(delivery.subject.is_some(), item.route == OutboxRoute::Mail);
            assert_eq!(item.message_id, None);
        }

        // The conversation changed while the second escalation was being written (another
        // instance's turn): its save fails, and neither its ticket nor its notices stay.
        let (mut tx, after) = escalate(s, &c, &ticket).await;
        assert!(
            !conversations::lock(&mut tx, c.id, c.version).await.unwrap(),
            "the first escalation moved the version on"
        );
        assert!(conversations::save(&mut tx, &after).await.is_err());
        drop(tx);
        // A ticket that cannot be stored (no such conversation) queues nothing either.
        let mut tx = s.begin().await.unwrap();
        for item in notices(0) {
            outbox::push(&mut tx, &item, None).await.unwrap();
        }
        let orphan = NewTicket {
            conversation_id: c.id + 1000,
            ..ticket.clone()
        };
        assert!(tickets::insert(&mut tx, &orphan).await.is_err());
        drop(tx);
        assert_eq!(s.outbox(None, 10).await.unwrap().len(), 2);
        assert_eq!(s.tickets(None, 10).await.unwrap().len(), 1);
    }
}

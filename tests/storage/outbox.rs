//! Outbox claims: an instance claims the items it is about to deliver for a lease, so
//! that no other instance tries them at the same time; per room only the oldest pending
//! item can be claimed, so a room's messages arrive in order.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::Duration;
use madoguchi::domain::{OutboxRoute, OutboxStatus};
use madoguchi::storage::outbox::{self, LEASE};
use madoguchi::storage::{Delivery, NewOutboxItem, OutboxItem, Store};

use crate::db::{backends, story_time};

fn item(route: OutboxRoute, room: &str, text: &str) -> NewOutboxItem {
    NewOutboxItem {
        kind: madoguchi::domain::OutboxKind::Message,
        route,
        room: room.into(),
        recipient: None,
        delivery: Delivery {
            text: text.into(),
            subject: None,
        },
    }
}

/// Queues `items` in one transaction.
async fn queue(s: &Store, items: &[NewOutboxItem]) {
    let mut tx = s.begin().await.unwrap();
    for item in items {
        outbox::push(&mut tx, item, None).await.unwrap();
    }
    tx.commit().await.unwrap();
}

fn texts(items: &[OutboxItem]) -> Vec<String> {
    items.iter().map(|i| i.delivery().unwrap().text).collect()
}

#[tokio::test]
async fn a_claimed_item_is_not_handed_out_again_until_marked_or_its_lease_runs_out() {
    for db in backends().await {
        let s = &db.store;
        let t0 = story_time();
        queue(
            s,
            &[
                item(OutboxRoute::LogoChat, "a", "a1"),
                item(OutboxRoute::LogoChat, "a", "a2"),
                item(OutboxRoute::LogoChat, "b", "b1"),
                // The same room name on another route is a queue of its own.
                item(OutboxRoute::OperatorsRoom, "a", "ops"),
            ],
        )
        .await;
        // Per room, only the oldest pending item.
        let first = outbox::claim(s, 10).await.unwrap();
        assert_eq!(texts(&first), ["a1", "b1", "ops"]);
        assert!(first
            .iter()
            .all(|i| i.status == OutboxStatus::Pending && i.attempts == 0));
        // Claimed: not handed out again, and a2 still waits behind a1.
        assert!(outbox::claim(s, 10).await.unwrap().is_empty());
        assert_eq!(
            outbox::next_due(&mut s.conn()).await.unwrap(),
            Some(t0 + LEASE),
            "claimed items are due again when their lease runs out"
        );
        // Marked: a1 delivered, so a2 is next in its room.
        outbox::mark(s, first[0].id, OutboxStatus::Delivered, t0, None)
            .await
            .unwrap();
        outbox::mark(s, first[2].id, OutboxStatus::Delivered, t0, None)
            .await
            .unwrap();
        let second = outbox::claim(s, 10).await.unwrap();
        assert_eq!(texts(&second), ["a2"]);
        // b1's instance never reported back (it crashed): just before the lease runs out
        // nobody may take b1 over; when it has run out, another instance does.
        db.clock.set(t0 + LEASE - Duration::seconds(1));
        assert!(outbox::claim(s, 10).await.unwrap().is_empty());
        db.clock.set(t0 + LEASE);
        let taken_over = outbox::claim(s, 10).await.unwrap();
        assert_eq!(texts(&taken_over), ["a2", "b1"]);
        assert!(outbox::claim(s, 10).await.unwrap().is_empty());
        // Marked for a retry: claimable again when the retry is due, not before.
        let retry_at = t0 + LEASE + Duration::seconds(30);
        outbox::mark(
            s,
            taken_over[1].id,
            OutboxStatus::Pending,
            retry_at,
            Some("HTTP 503"),
        )
        .await
        .unwrap();
        assert!(outbox::claim(s, 10).await.unwrap().is_empty());
        db.clock.set(retry_at);
        let retried = outbox::claim(s, 10).await.unwrap();
        assert_eq!(texts(&retried), ["b1"]);
        assert_eq!(
            (retried[0].attempts, retried[0].last_error.as_deref()),
            (1, Some("HTTP 503"))
        );
        // The limit holds.
        queue(
            s,
            &[
                item(OutboxRoute::Mail, "x", "x1"),
                item(OutboxRoute::Mail, "y", "y1"),
            ],
        )
        .await;
        assert_eq!(texts(&outbox::claim(s, 1).await.unwrap()), ["x1"]);
        assert_eq!(texts(&outbox::claim(s, 1).await.unwrap()), ["y1"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_claiming_at_once_never_get_the_same_item_and_keep_each_rooms_order() {
    const ROOMS: usize = 12;
    const PER_ROOM: usize = 4;
    for db in backends().await {
        let s = &db.store;
        let backend = s.backend_name();
        let mut items = Vec::new();
        for n in 0..PER_ROOM {
            for room in 0..ROOMS {
                items.push(item(
                    OutboxRoute::LogoChat,
                    &format!("room{room}"),
                    &n.to_string(),
                ));
            }
        }
        queue(s, &items).await;
        // Four instances deliver until nothing is left to claim. Each notes what it
        // claimed the moment it has it, before delivering (marking) it.
        let claimed: Arc<Mutex<Vec<OutboxItem>>> = Arc::default();
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let (s, claimed) = (s.clone(), claimed.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    let got = outbox::claim(&s, 5).await.unwrap();
                    if got.is_empty() {
                        return;
                    }
                    claimed.lock().unwrap().extend(got.iter().cloned());
                    for item in got {
                        let at = s.now();
                        outbox::mark(&s, item.id, OutboxStatus::Delivered, at, None)
                            .await
                            .unwrap();
                    }
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let claimed = Arc::try_unwrap(claimed).unwrap().into_inner().unwrap();
        let ids: Vec<i64> = claimed.iter().map(|i| i.id).collect();
        let distinct: HashSet<i64> = ids.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            ids.len(),
            "an item was claimed twice on {backend}"
        );
        assert_eq!(
            ids.len(),
            ROOMS * PER_ROOM,
            "an item was never claimed on {backend}"
        );
        // Within each room, claimed in the order queued.
        let mut per_room: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for item in &claimed {
            per_room
                .entry(item.room.as_str())
                .or_default()
                .push(item.delivery().unwrap().text);
        }
        let in_order: Vec<String> = (0..PER_ROOM).map(|n| n.to_string()).collect();
        for (room, texts) in per_room {
            assert_eq!(texts, in_order, "{room} on {backend}");
        }
        assert!(s
            .outbox(Some(OutboxStatus::Pending), 100)
            .await
            .unwrap()
            .is_empty());
    }
}

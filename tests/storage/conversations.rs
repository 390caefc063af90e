//! The conversation tables: staff, conversations, messages, tickets, feedback, outbox.

use std::collections::HashSet;

use chrono::Duration;
use madoguchi::domain::{
    Author, Channel, ConversationState, Direction, Handler, OutboxRoute, OutboxStatus, Priority,
    TicketStatus,
};
use madoguchi::storage::outbox::{self, Requeue};
use madoguchi::storage::staff::StaffKey;
use madoguchi::storage::{
    conversations, feedback, messages, Choice, ConversationKey, ConversationRow, Delivery,
    NewFeedback, NewMessage, NewOutboxItem, NewTicket, StaffMember, StorageError, Store,
    TicketUpdate,
};

use crate::db::{backends, story_time};

fn member(no: &str, name: &str, logo: Option<&str>) -> StaffMember {
    StaffMember {
        employee_no: no.into(),
        name: name.into(),
        department: "ICT推進課".into(),
        email: Some(format!("{no}@city.numazu.lg.jp")),
        extension: Some(format!("1{}", &no[no.len() - 3..])),
        logochat_id: logo.map(Into::into),
    }
}

pub fn key(room: &str) -> ConversationKey {
    ConversationKey {
        channel: Channel::LogoChat,
        room: room.into(),
        user_ref: "u1".into(),
    }
}

pub async fn conversation(store: &Store, room: &str) -> ConversationRow {
    store
        .open_conversation(&key(room), &format!("{room:0>32}"))
        .await
        .unwrap()
}

pub fn inbound(id: &str, text: &str) -> NewMessage {
    NewMessage {
        channel_message_id: Some(id.into()),
        direction: Direction::In,
        ..NewMessage::outgoing(Author::Staff, text.into())
    }
}

fn reply(text: &str) -> NewMessage {
    NewMessage {
        choices: vec![Choice {
            label: "はい".into(),
            value: "はい".into(),
        }],
        ..NewMessage::outgoing(Author::Bot, text.into())
    }
}

/// The outbox item that pushes `text` to the conversation's room.
pub fn push_to(c: &ConversationRow, text: &str) -> NewOutboxItem {
    NewOutboxItem {
        kind: madoguchi::domain::OutboxKind::Message,
        route: OutboxRoute::LogoChat,
        room: c.room.clone(),
        recipient: Some(c.user_ref.clone()),
        delivery: Delivery {
            text: text.into(),
            subject: None,
        },
    }
}

/// Stores a bot message and queues it for the conversation's room, in one transaction.
pub async fn send(store: &Store, c: &ConversationRow, text: &str) -> i64 {
    let mut tx = store.begin().await.unwrap();
    let stored = messages::insert(&mut tx, c, &reply(text)).await.unwrap();
    outbox::push(&mut tx, &push_to(c, text), Some(stored.id))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    stored.id
}

async fn count(store: &Store, table: &'static str) -> i64 {
    let statement = match table {
        "messages" => "SELECT COUNT(*) FROM messages",
        "outbox" => "SELECT COUNT(*) FROM outbox",
        "tickets" => "SELECT COUNT(*) FROM tickets",
        other => panic!("no count for {other}"),
    };
    madoguchi::storage::sql(statement)
        .scalar(&mut store.conn())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_staff_directory_is_replaced_whole_and_looked_up_by_any_key() {
    for db in backends().await {
        let s = &db.store;
        let first = [
            member("10001", "沼津 太郎", Some("logo-a")),
            member("10002", "千本 花子", None),
        ];
        let report = s.replace_staff(&first).await.unwrap();
        assert_eq!((report.added, report.updated, report.removed), (2, 0, 0));
        // The LoGo id moves to another person and one person leaves, in one import.
        let mut moved = member("10002", "千本 花子", Some("logo-a"));
        moved.department = "市民課".into();
        let report = s.replace_staff(&[moved.clone()]).await.unwrap();
        assert_eq!((report.added, report.updated, report.removed), (0, 1, 1));
        for key in [
            StaffKey::LogoChatId("logo-a"),
            StaffKey::EmployeeNo("10002"),
            StaffKey::Extension("1002"),
            StaffKey::Email("10002@city.numazu.lg.jp"),
        ] {
            assert_eq!(
                s.staff_member(key).await.unwrap(),
                Some(moved.clone()),
                "{key:?}"
            );
        }
        assert_eq!(s.staff_by_employee_no("10001").await.unwrap(), None);
        // A repeated 職員番号 changes nothing.
        let twice = [member("10003", "a", None), member("10003", "b", None)];
        assert!(matches!(
            s.replace_staff(&twice).await,
            Err(StorageError::Invalid(_))
        ));
        assert_eq!(s.staff_count().await.unwrap(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_conversation_opens_idle_with_the_bot_once_per_key() {
    for db in backends().await {
        let s = &db.store;
        let c = conversation(s, "r1").await;
        assert_eq!(c.channel, Channel::LogoChat);
        assert_eq!(
            (c.state.clone(), c.handler.clone()),
            (ConversationState::Idle, Handler::Bot)
        );
        assert_eq!((c.ticket_id, c.version), (None, 0));
        assert_eq!((c.created_at, c.updated_at), (story_time(), story_time()));
        // The same key later, with another token: the same conversation, as it was.
        db.clock.set(story_time() + Duration::hours(1));
        let again = s
            .open_conversation(&key("r1"), &"f".repeat(32))
            .await
            .unwrap();
        assert_eq!(again, c);
        assert_eq!(
            s.conversation_by_token(&c.token).await.unwrap(),
            Some(c.clone())
        );
        assert_eq!(
            s.conversation_by_token(&"f".repeat(32)).await.unwrap(),
            None
        );
        // Another channel with the same room and user is another conversation.
        let widget = ConversationKey {
            channel: Channel::Widget,
            ..key("r1")
        };
        let other = s.open_conversation(&widget, &"e".repeat(32)).await.unwrap();
        assert_ne!(other.id, c.id);
        assert_eq!(other.created_at, story_time() + Duration::hours(1));
        // The first two messages of a new conversation, arriving at two instances at
        // once: one conversation.
        let tasks: Vec<_> = (0..8)
            .map(|n| {
                let s = s.clone();
                tokio::spawn(async move {
                    s.open_conversation(&key("r9"), &format!("{n:0>32}"))
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut opened = HashSet::new();
        for task in tasks {
            opened.insert(task.await.unwrap().id);
        }
        assert_eq!(opened.len(), 1, "{opened:?}");
    }
}

#[tokio::test]
async fn a_message_delivered_twice_is_stored_once() {
    for db in backends().await {
        let s = &db.store;
        let c = conversation(s, "r1").await;
        let mut tx = s.begin().await.unwrap();
        let id = messages::insert_inbound(&mut tx, &c, &inbound("m1", "VPN"))
            .await
            .unwrap()
            .expect("first delivery is new");
        tx.commit().await.unwrap();
        let mut tx = s.begin().await.unwrap();
        assert_eq!(
            messages::insert_inbound(&mut tx, &c, &inbound("m1", "VPN"))
                .await
                .unwrap(),
            None
        );
        tx.commit().await.unwrap();
        assert_eq!(
            messages::find_inbound(&mut s.conn(), Channel::LogoChat, "m1")
                .await
                .unwrap(),
            Some(id)
        );
        // Concurrent deliveries of one new id: exactly one is new.
        let results = deliver_at_once(s, &c, "m2").await;
        assert_eq!(
            results.iter().filter(|r| r.is_some()).count(),
            1,
            "{results:?}"
        );
        assert_eq!(s.message_count().await.unwrap(), 2);
    }
}

async fn deliver_at_once(s: &Store, c: &ConversationRow, id: &str) -> Vec<Option<i64>> {
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (s, c, m) = (s.clone(), c.clone(), inbound(id, "印刷"));
        tasks.push(tokio::spawn(async move {
            let mut tx = s.begin().await.unwrap();
            let stored = messages::insert_inbound(&mut tx, &c, &m).await.unwrap();
            tx.commit().await.unwrap();
            stored
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test]
async fn a_turn_writes_replies_state_and_outbox_together() {
    for db in backends().await {
        let s = &db.store;
        let c = conversation(s, "r1").await;
        db.clock.set(story_time() + Duration::minutes(1));
        let turn_time = story_time() + Duration::minutes(1);

        let mut tx = s.begin().await.unwrap();
        assert!(conversations::lock(&mut tx, c.id, c.version).await.unwrap());
        let q = messages::insert_inbound(&mut tx, &c, &inbound("m1", "VPN"))
            .await
            .unwrap()
            .unwrap();
        let mut answer = reply("答え");
        answer.reply_to = Some(q);
        let first = messages::insert(&mut tx, &c, &answer).await.unwrap();
        let second = messages::insert(&mut tx, &c, &reply("二通目"))
            .await
            .unwrap();
        outbox::push(&mut tx, &push_to(&c, "答え"), Some(first.id))
            .await
            .unwrap();
        let after = ConversationRow {
            state: ConversationState::ConfirmEscalation {
                question: "VPN".into(),
            },
            handler: Handler::Operator("yamada".into()),
            ..c.clone()
        };
        conversations::save(&mut tx, &after).await.unwrap();
        tx.commit().await.unwrap();

        assert_eq!(first.choices()[0].value, "はい");
        assert_eq!(
            (first.direction, first.author),
            (Direction::Out, Author::Bot)
        );
        assert_eq!(first.created_at, turn_time);
        // What the insert returned is what is stored.
        assert_eq!(s.replies_to(q).await.unwrap(), std::slice::from_ref(&first));
        assert_eq!(
            s.messages_after(c.id, q).await.unwrap(),
            [first.clone(), second]
        );
        let now = s.conversation(c.id).await.unwrap().unwrap();
        assert_eq!(now.handler, Handler::Operator("yamada".into()));
        assert_eq!(now.state, after.state);
        assert_eq!((now.version, now.updated_at), (c.version + 1, turn_time));
        let due = outbox::claim(s, 10).await.unwrap();
        assert_eq!(due.len(), 1, "only the pushed reply is queued");
        assert_eq!(
            (
                due[0].room.as_str(),
                due[0].recipient.as_deref(),
                due[0].message_id
            ),
            ("r1", Some("u1"), Some(first.id))
        );
        assert_eq!(due[0].delivery().unwrap().text, "答え");
        assert_eq!(
            (due[0].route, due[0].created_at),
            (OutboxRoute::LogoChat, turn_time)
        );

        // Handing back: the next turn starts from the version the first one left.
        let mut tx = s.begin().await.unwrap();
        assert!(conversations::lock(&mut tx, now.id, now.version)
            .await
            .unwrap());
        let back = ConversationRow {
            handler: Handler::Bot,
            state: ConversationState::Idle,
            ..now.clone()
        };
        conversations::save(&mut tx, &back).await.unwrap();
        tx.commit().await.unwrap();
        let now = s.conversation(c.id).await.unwrap().unwrap();
        assert_eq!((now.handler, now.version), (Handler::Bot, c.version + 2));
    }
}

#[tokio::test]
async fn a_turn_that_does_not_commit_leaves_nothing_behind() {
    for db in backends().await {
        let s = &db.store;
        let c = conversation(s, "r1").await;
        let counts = || async {
            (
                count(s, "messages").await,
                count(s, "outbox").await,
                count(s, "tickets").await,
            )
        };
        let before = counts().await;
        // Dropped before commit (a crash, an error in the middle): nothing of it stays.
        let (tx, _, _) = escalating_turn(s, &c).await;
        drop(tx);
        assert_eq!(counts().await, before);
        // A conversation that changed meanwhile: the save fails and the turn rolls back.
        let (mut tx, _, after) = escalating_turn(s, &c).await;
        let stale = ConversationRow {
            version: c.version + 1,
            ..after
        };
        let err = conversations::save(&mut tx, &stale).await.unwrap_err();
        assert!(matches!(err, StorageError::Conflict(_)), "{err}");
        drop(tx);
        assert_eq!(counts().await, before);
        assert_eq!(s.conversation(c.id).await.unwrap().unwrap(), c);
        // The message was never stored: delivered again, it is new, and this time the
        // turn commits, all of it.
        let (mut tx, q, after) = escalating_turn(s, &c).await;
        conversations::save(&mut tx, &after).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(counts().await, (before.0 + 2, before.1 + 1, before.2 + 1));
        assert_eq!(s.replies_to(q).await.unwrap().len(), 1);
        let now = s.conversation(c.id).await.unwrap().unwrap();
        assert_eq!(
            (now.ticket_id, now.version),
            (after.ticket_id, c.version + 1)
        );
        assert!(after.ticket_id.is_some());
    }
}

/// The writes of a turn that escalates (inbound message, ticket, reply, its outbox
/// item), not committed: the transaction, the inbound id and the conversation to save.
async fn escalating_turn(
    s: &Store,
    c: &ConversationRow,
) -> (madoguchi::storage::Tx, i64, ConversationRow) {
    let mut tx = s.begin().await.unwrap();
    assert!(conversations::lock(&mut tx, c.id, c.version).await.unwrap());
    let q = messages::insert_inbound(&mut tx, c, &inbound("m1", "担当者"))
        .await
        .unwrap()
        .expect("not stored before");
    let ticket = NewTicket::new(c.id, c.channel, "VPN");
    let id = madoguchi::storage::tickets::insert(&mut tx, &ticket)
        .await
        .unwrap();
    let answer = NewMessage {
        reply_to: Some(q),
        ..reply("担当者におつなぎしました")
    };
    let stored = messages::insert(&mut tx, c, &answer).await.unwrap();
    outbox::push(&mut tx, &push_to(c, &stored.text), Some(stored.id))
        .await
        .unwrap();
    let after = ConversationRow {
        ticket_id: Some(id),
        ..c.clone()
    };
    (tx, q, after)
}

#[tokio::test]
async fn tickets_open_on_the_conversation_and_change_status() {
    for db in backends().await {
        let s = &db.store;
        let c = conversation(s, "r1").await;
        let id = s
            .open_ticket(&NewTicket::new(
                c.id,
                Channel::LogoChat,
                "VPNにつながらない",
            ))
            .await
            .unwrap();
        let marked = s.conversation(c.id).await.unwrap().unwrap();
        assert_eq!(
            (marked.ticket_id, marked.version),
            (Some(id), c.version + 1)
        );
        let opened = s.ticket(id).await.unwrap().unwrap();
        assert_eq!(
            (opened.status, opened.priority, opened.channel),
            (TicketStatus::New, Priority::Normal, Channel::LogoChat)
        );
        assert_eq!(
            (opened.opened_at, opened.updated_at),
            (story_time(), story_time())
        );
        assert_eq!(
            s.tickets(Some(TicketStatus::New), 10).await.unwrap().len(),
            1
        );

        let later = story_time() + Duration::hours(2);
        db.clock.set(later);
        let update = TicketUpdate {
            status: Some(TicketStatus::Resolved),
            assignee: Some(Some("山田".into())),
            faq_id: Some("telework-cannot-connect-home".into()),
            ..TicketUpdate::default()
        };
        assert!(s.update_ticket(id, &update).await.unwrap());
        let t = s.ticket(id).await.unwrap().unwrap();
        assert_eq!(t.status, TicketStatus::Resolved);
        assert_eq!(
            (t.resolved_at, t.updated_at, t.opened_at),
            (Some(later), later, story_time())
        );
        assert_eq!(t.assignee.as_deref(), Some("山田"));
        assert!(s
            .tickets(Some(TicketStatus::New), 10)
            .await
            .unwrap()
            .is_empty());
        // Opened again: no longer resolved.
        let reopen = TicketUpdate {
            status: Some(TicketStatus::InProgress),
            ..TicketUpdate::default()
        };
        assert!(s.update_ticket(id, &reopen).await.unwrap());
        assert_eq!(s.ticket(id).await.unwrap().unwrap().resolved_at, None);
        assert!(!s
            .update_ticket(id + 100, &TicketUpdate::default())
            .await
            .unwrap());
        assert_eq!(
            s.ticket(id).await.unwrap().unwrap().status,
            TicketStatus::InProgress
        );
    }
}

#[tokio::test]
async fn feedback_is_counted_per_entry() {
    for db in backends().await {
        let s = &db.store;
        let c = conversation(s, "r1").await;
        for resolved in [true, true, false] {
            let f = NewFeedback {
                faq_id: "print-cannot-print".into(),
                conversation_id: c.id,
                question_id: None,
                resolved,
            };
            let mut tx = s.begin().await.unwrap();
            feedback::record(&mut tx, &f).await.unwrap();
            tx.commit().await.unwrap();
        }
        // Feedback in a transaction that rolls back is not counted.
        let mut tx = s.begin().await.unwrap();
        let lost = NewFeedback {
            faq_id: "print-cannot-print".into(),
            conversation_id: c.id,
            question_id: None,
            resolved: false,
        };
        feedback::record(&mut tx, &lost).await.unwrap();
        drop(tx);
        let counts = s.feedback_counts("print-cannot-print").await.unwrap();
        assert_eq!((counts.resolved, counts.unresolved), (2, 1));
        assert_eq!(s.feedback_counts("other").await.unwrap().resolved, 0);
    }
}

#[tokio::test]
async fn the_outbox_serves_each_room_in_order() {
    for db in backends().await {
        let s = &db.store;
        let (a, b) = (conversation(s, "ra").await, conversation(s, "rb").await);
        for (c, text) in [(&a, "a1"), (&a, "a2"), (&b, "b1")] {
            send(s, c, text).await;
        }
        let texts = |items: &[madoguchi::storage::OutboxItem]| {
            items
                .iter()
                .map(|i| i.delivery().unwrap().text)
                .collect::<Vec<_>>()
        };
        let now = story_time();
        let due = outbox::claim(s, 10).await.unwrap();
        assert_eq!(texts(&due), ["a1", "b1"]);
        // a1 fails and waits: a2 must not overtake it.
        let later = now + Duration::minutes(5);
        outbox::mark(s, due[0].id, OutboxStatus::Pending, later, Some("HTTP 503"))
            .await
            .unwrap();
        outbox::mark(s, due[1].id, OutboxStatus::Delivered, now, None)
            .await
            .unwrap();
        assert!(outbox::claim(s, 10).await.unwrap().is_empty());
        let next = outbox::next_due(&mut s.conn()).await.unwrap();
        assert_eq!(
            next,
            Some(later),
            "the next due time is a1's retry, not a2's"
        );
        let delivered = s.outbox(Some(OutboxStatus::Delivered), 10).await.unwrap();
        assert_eq!(texts(&delivered), ["b1"]);
        assert_eq!(delivered[0].delivered_at, Some(now));
        // Given up: a2 goes ahead; a1 is listed as failed and can be queued again.
        outbox::mark(s, due[0].id, OutboxStatus::Failed, later, Some("HTTP 503"))
            .await
            .unwrap();
        let due2 = outbox::claim(s, 10).await.unwrap();
        assert_eq!(texts(&due2), ["a2"]);
        let failed = s.outbox(Some(OutboxStatus::Failed), 10).await.unwrap();
        assert_eq!((failed.len(), failed[0].attempts), (1, 2));
        assert_eq!(failed[0].last_error.as_deref(), Some("HTTP 503"));
        assert_eq!(
            s.retry_outbox(failed[0].id, "test").await.unwrap(),
            Requeue::Requeued
        );
        assert_eq!(
            s.retry_outbox(failed[0].id, "test").await.unwrap(),
            Requeue::NotFailed,
            "only failed items"
        );
        assert_eq!(
            s.retry_outbox(failed[0].id + 100, "test").await.unwrap(),
            Requeue::NoSuchItem
        );
        let requeued = s.outbox(Some(OutboxStatus::Pending), 10).await.unwrap();
        assert_eq!(texts(&requeued), ["a2", "a1"]);
        assert_eq!(requeued[1].attempts, 0);
    }
}

#[tokio::test]
async fn overdue_tickets_are_the_open_ones_past_a_due_time() {
    for db in backends().await {
        let s = &db.store;
        let c = conversation(s, "r1").await;
        let now = story_time();
        let open = |first: i64, resolution: i64| NewTicket {
            first_response_due: Some(now + Duration::minutes(first)),
            resolution_due: Some(now + Duration::minutes(resolution)),
            ..NewTicket::new(c.id, Channel::LogoChat, "x")
        };
        let late_answer = s.open_ticket(&open(-10, 60)).await.unwrap();
        let _in_time = s.open_ticket(&open(10, 60)).await.unwrap();
        let late_fix = s.open_ticket(&open(-60, -5)).await.unwrap();
        let ids = |t: Vec<madoguchi::storage::Ticket>| t.iter().map(|t| t.id).collect::<Vec<_>>();
        assert_eq!(
            ids(s.overdue_tickets(now, 10).await.unwrap()),
            [late_fix, late_answer]
        );
        // Answered: no longer late for the first response; resolved: not late at all.
        let taken = TicketUpdate {
            status: Some(TicketStatus::InProgress),
            ..TicketUpdate::default()
        };
        s.update_ticket(late_answer, &taken).await.unwrap();
        let done = TicketUpdate {
            status: Some(TicketStatus::Resolved),
            ..TicketUpdate::default()
        };
        s.update_ticket(late_fix, &done).await.unwrap();
        assert!(s.overdue_tickets(now, 10).await.unwrap().is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_that_read_an_old_version_is_turned_away() {
    for db in backends().await {
        let s = &db.store;
        let backend = s.backend_name();
        let c = conversation(s, "r1").await;
        let confirm = ConversationState::ConfirmEscalation {
            question: "VPN".into(),
        };
        let identify = ConversationState::AwaitingIdentity {
            question: "VPN".into(),
        };

        // Two turns read the conversation at the same version; the first saves.
        let (first_read, second_read) = (c.clone(), s.conversation(c.id).await.unwrap().unwrap());
        assert_eq!(first_read, second_read);
        let mut first = s.begin().await.unwrap();
        assert!(conversations::lock(&mut first, c.id, first_read.version)
            .await
            .unwrap());
        let saved = ConversationRow {
            state: confirm.clone(),
            ..first_read.clone()
        };
        conversations::save(&mut first, &saved).await.unwrap();
        first.commit().await.unwrap();
        // The second is told: its version is gone, and saving over it anyway is refused.
        let mut second = s.begin().await.unwrap();
        assert!(!conversations::lock(&mut second, c.id, second_read.version)
            .await
            .unwrap());
        let stale = ConversationRow {
            state: identify.clone(),
            ..second_read.clone()
        };
        let err = conversations::save(&mut second, &stale).await.unwrap_err();
        assert!(matches!(err, StorageError::Conflict(_)), "{err}");
        drop(second);
        let now = s.conversation(c.id).await.unwrap().unwrap();
        assert_eq!(
            (now.state.clone(), now.version),
            (confirm.clone(), c.version + 1)
        );

        // At the same moment, on two tasks (two instances): the second turn's transaction
        // waits until the first commits, then finds the version the first left.
        let mut first = s.begin().await.unwrap();
        assert!(conversations::lock(&mut first, now.id, now.version)
            .await
            .unwrap());
        let second = tokio::spawn({
            let (s, read) = (s.clone(), now.clone());
            async move {
                let mut tx = s.begin().await.unwrap();
                let locked = conversations::lock(&mut tx, read.id, read.version)
                    .await
                    .unwrap();
                let seen = conversations::get(&mut tx.conn(), read.id)
                    .await
                    .unwrap()
                    .unwrap();
                (locked, seen)
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(
            !second.is_finished(),
            "the second turn went ahead while the first held the conversation on {backend}"
        );
        let saved = ConversationRow {
            state: identify.clone(),
            ..now.clone()
        };
        conversations::save(&mut first, &saved).await.unwrap();
        first.commit().await.unwrap();
        let (locked, seen) = second.await.unwrap();
        assert!(
            !locked,
            "the second turn took a version that is gone on {backend}"
        );
        assert_eq!((seen.state, seen.version), (identify, now.version + 1));
    }
}

//! The conversation tables: staff, conversations, messages, tickets, feedback, outbox.

use chrono::{Duration, Utc};
use madoguchi::storage::{
    Choice, ConversationKey, ConversationRow, Inbound, NewFeedback, NewMessage, NewTicket,
    StaffMember, StorageError, Store, TicketUpdate, Turn,
};

use crate::db::backends;

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

fn key(room: &str) -> ConversationKey {
    ConversationKey {
        channel: "logochat".into(),
        room: room.into(),
        user_ref: "u1".into(),
    }
}

async fn conversation(store: &Store, room: &str) -> ConversationRow {
    store
        .open_conversation(&key(room), &format!("{room:0>32}"), r#"{"kind":"idle"}"#)
        .await
        .unwrap()
}

fn inbound(id: &str, text: &str) -> NewMessage {
    NewMessage {
        channel_message_id: Some(id.into()),
        direction: "in",
        author: "staff".into(),
        text: text.into(),
        ..NewMessage::default()
    }
}

fn reply(text: &str, push: bool) -> NewMessage {
    NewMessage {
        direction: "out",
        author: "bot".into(),
        text: text.into(),
        choices: vec![Choice {
            label: "はい".into(),
            value: "はい".into(),
        }],
        push: push.then(|| format!(r#"{{"text":"{text}"}}"#)),
        ..NewMessage::default()
    }
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
        assert_eq!(
            s.staff_by_logochat_id("logo-a").await.unwrap(),
            Some(moved.clone())
        );
        assert_eq!(s.staff_by_employee_no("10001").await.unwrap(), None);
        assert_eq!(
            s.staff_by_extension("1002").await.unwrap(),
            Some(moved.clone())
        );
        assert_eq!(
            s.staff_by_email("10002@city.numazu.lg.jp").await.unwrap(),
            Some(moved.clone())
        );
        // A repeated 職員番号 changes nothing.
        let twice = [member("10003", "a", None), member("10003", "b", None)];
        assert!(matches!(
            s.replace_staff(&twice).await,
            Err(StorageError::Invalid(_))
        ));
        assert_eq!(s.staff_count().await.unwrap(), 1);
    }
}

#[tokio::test]
async fn a_message_delivered_twice_is_stored_once() {
    for db in backends().await {
        let s = &db.store;
        let c = conversation(s, "r1").await;
        assert_eq!(
            conversation(s, "r1").await.id,
            c.id,
            "one conversation per key"
        );
        let Inbound::New(id) = s.record_inbound(&c, &inbound("m1", "VPN")).await.unwrap() else {
            panic!("first delivery is new")
        };
        assert_eq!(
            s.record_inbound(&c, &inbound("m1", "VPN")).await.unwrap(),
            Inbound::Duplicate(id)
        );
        // Concurrent deliveries of one new id: exactly one is new.
        let results = futures_join(s, &c, "m2").await;
        assert_eq!(
            results
                .iter()
                .filter(|r| matches!(r, Inbound::New(_)))
                .count(),
            1
        );
        assert_eq!(s.message_count().await.unwrap(), 2);
    }
}

async fn futures_join(s: &Store, c: &ConversationRow, id: &str) -> Vec<Inbound> {
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (s, c, m) = (s.clone(), c.clone(), inbound(id, "印刷"));
        tasks.push(tokio::spawn(async move {
            s.record_inbound(&c, &m).await.unwrap()
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
        let Inbound::New(q) = s.record_inbound(&c, &inbound("m1", "VPN")).await.unwrap() else {
            panic!()
        };
        let mut answer = reply("答え", true);
        answer.reply_to = Some(q);
        let turn = Turn {
            state: Some(r#"{"kind":"confirm_escalation","question":"VPN"}"#.into()),
            handler: Some(("operator".into(), Some("山田".into()))),
            messages: vec![answer, reply("二通目", false)],
            ..Turn::default()
        };
        let stored = s.commit_turn(&c, &turn).await.unwrap();
        assert_eq!(stored.len(), 2);
        assert_eq!(stored[0].choices()[0].value, "はい");
        assert_eq!(s.replies_to(q).await.unwrap().len(), 1);
        let now = s.conversation(c.id).await.unwrap().unwrap();
        assert_eq!(
            (now.handler.as_str(), now.operator.as_deref()),
            ("operator", Some("山田"))
        );
        assert!(now.state.contains("confirm_escalation"));
        assert_eq!(s.messages_after(c.id, q).await.unwrap().len(), 2);
        let due = s
            .due_outbox(Utc::now() + Duration::seconds(1), 10)
            .await
            .unwrap();
        assert_eq!(due.len(), 1, "only the pushed reply is queued");
        assert_eq!(due[0].room, "r1");
        // Handing back clears the operator.
        let back = Turn {
            handler: Some(("bot".into(), None)),
            ..Turn::default()
        };
        s.commit_turn(&now, &back).await.unwrap();
        let now = s.conversation(c.id).await.unwrap().unwrap();
        assert_eq!((now.handler.as_str(), now.operator), ("bot", None));
    }
}

#[tokio::test]
async fn tickets_open_on_the_conversation_and_change_status() {
    for db in backends().await {
        let s = &db.store;
        let c = conversation(s, "r1").await;
        let id = s
            .open_ticket(&NewTicket {
                conversation_id: c.id,
                channel: "logochat".into(),
                subject: "VPNにつながらない".into(),
                transcript: "[]".into(),
                ..NewTicket::default()
            })
            .await
            .unwrap();
        assert_eq!(
            s.conversation(c.id).await.unwrap().unwrap().ticket_id,
            Some(id)
        );
        assert_eq!(s.tickets(Some("new"), 10).await.unwrap().len(), 1);
        let update = TicketUpdate {
            status: Some("resolved".into()),
            assignee: Some(Some("山田".into())),
            faq_id: Some("telework-cannot-connect-home".into()),
            ..TicketUpdate::default()
        };
        assert!(s.update_ticket(id, &update).await.unwrap());
        let t = s.ticket(id).await.unwrap().unwrap();
        assert_eq!(t.status, "resolved");
        assert!(t.resolved_at.is_some());
        assert_eq!(t.assignee.as_deref(), Some("山田"));
        assert!(s.tickets(Some("new"), 10).await.unwrap().is_empty());
        let bad = TicketUpdate {
            status: Some("done".into()),
            ..TicketUpdate::default()
        };
        assert!(matches!(
            s.update_ticket(id, &bad).await,
            Err(StorageError::Invalid(_))
        ));
        assert!(!s
            .update_ticket(id + 100, &TicketUpdate::default())
            .await
            .unwrap());
        assert_eq!(s.ticket(id).await.unwrap().unwrap().status, "resolved");
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
            s.record_feedback(&f).await.unwrap();
        }
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
            let turn = Turn {
                messages: vec![reply(text, true)],
                ..Turn::default()
            };
            s.commit_turn(c, &turn).await.unwrap();
        }
        let soon = Utc::now() + Duration::seconds(1);
        let due = s.due_outbox(soon, 10).await.unwrap();
        let heads: Vec<&str> = due.iter().map(|i| i.payload.as_str()).collect();
        assert_eq!(heads, [r#"{"text":"a1"}"#, r#"{"text":"b1"}"#]);
        // a1 fails and waits: a2 must not overtake it.
        let later = Utc::now() + Duration::seconds(60);
        s.mark_outbox(due[0].id, "pending", later, Some("HTTP 503"))
            .await
            .unwrap();
        s.mark_outbox(due[1].id, "delivered", soon, None)
            .await
            .unwrap();
        assert!(s.due_outbox(soon, 10).await.unwrap().is_empty());
        let next = s.next_outbox_due().await.unwrap().unwrap();
        assert!(next > soon, "the next due time is a1's retry, not a2's");
        // Given up: a2 goes ahead; a1 is listed as failed and can be queued again.
        s.mark_outbox(due[0].id, "failed", later, Some("HTTP 503"))
            .await
            .unwrap();
        let due2 = s.due_outbox(soon, 10).await.unwrap();
        assert_eq!(due2.len(), 1);
        assert_eq!(due2[0].payload, r#"{"text":"a2"}"#);
        let failed = s.outbox(Some("failed"), 10).await.unwrap();
        assert_eq!((failed.len(), failed[0].attempts), (1, 2));
        assert_eq!(failed[0].last_error.as_deref(), Some("HTTP 503"));
        assert!(s.retry_outbox(failed[0].id).await.unwrap());
        assert!(
            !s.retry_outbox(failed[0].id).await.unwrap(),
            "only failed items"
        );
        assert!(s.outbox_item_exists(failed[0].id).await.unwrap());
        assert!(!s.outbox_item_exists(failed[0].id + 1000).await.unwrap());
    }
}

#[tokio::test]
async fn overdue_tickets_are_the_open_ones_past_a_due_time() {
    for db in backends().await {
        let s = &db.store;
        let c = conversation(s, "r1").await;
        let now = Utc::now();
        let open = |first: i64, resolution: i64| NewTicket {
            conversation_id: c.id,
            channel: "logochat".into(),
            subject: "x".into(),
            transcript: "[]".into(),
            first_response_due: Some(now + Duration::minutes(first)),
            resolution_due: Some(now + Duration::minutes(resolution)),
            ..NewTicket::default()
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
            status: Some("in_progress".into()),
            ..TicketUpdate::default()
        };
        s.update_ticket(late_answer, &taken).await.unwrap();
        let done = TicketUpdate {
            status: Some("resolved".into()),
            ..TicketUpdate::default()
        };
        s.update_ticket(late_fix, &done).await.unwrap();
        assert!(s.overdue_tickets(now, 10).await.unwrap().is_empty());
    }
}

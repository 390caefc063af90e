//! What the operator console stores: sessions, failed sign-ins, the queue's filtered
//! pages, internal notes, ticket classification and the audit-log viewer's filters.

use chrono::{Duration, SubsecRound, Utc};
use madoguchi::accounts::{HashedPassword, NewUser, Role};
use madoguchi::storage::{
    AuditEntry, AuditFilter, ConversationKey, NewTicket, SessionRecord, Store, TicketFilter,
    TicketUpdate,
};

use crate::db::backends;

async fn user(s: &Store, login: &str) {
    s.create_user(&NewUser {
        login: login.into(),
        display_name: login.into(),
        role: Role::Operator,
        password: HashedPassword::new("correct horse battery").unwrap(),
    })
    .await
    .unwrap();
}

async fn ticket(s: &Store, room: &str, channel: &str) -> i64 {
    let key = ConversationKey {
        channel: channel.into(),
        room: room.into(),
        user_ref: String::new(),
    };
    let conversation = s.open_conversation(&key, room, "{}").await.unwrap();
    let now = Utc::now();
    s.open_ticket(&NewTicket {
        conversation_id: conversation.id,
        channel: channel.into(),
        subject: format!("質問 {room}"),
        transcript: "[]".into(),
        first_response_due: Some(now + Duration::hours(1)),
        resolution_due: Some(now + Duration::days(2)),
        ..NewTicket::default()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn sessions_are_stored_by_hash_touched_and_ended() {
    for db in backends().await {
        let s = &db.store;
        user(s, "yamada").await;
        user(s, "suzuki").await;
        let now = Utc::now().trunc_subsecs(0);
        let record = |hash: &str, login: &str| SessionRecord {
            token_hash: hash.into(),
            login: login.into(),
            csrf_token: format!("csrf-{hash}"),
            created_at: now,
            last_seen_at: now,
            expires_at: now + Duration::hours(2),
        };
        s.create_session(&record("a", "yamada")).await.unwrap();
        s.create_session(&record("b", "yamada")).await.unwrap();
        s.create_session(&record("c", "suzuki")).await.unwrap();
        assert_eq!(s.session("a").await.unwrap(), Some(record("a", "yamada")));
        assert_eq!(s.session("zzz").await.unwrap(), None);

        let later = now + Duration::minutes(5);
        s.touch_session("a", later, later + Duration::hours(2))
            .await
            .unwrap();
        let touched = s.session("a").await.unwrap().unwrap();
        assert_eq!(touched.last_seen_at, later);
        assert_eq!(touched.expires_at, later + Duration::hours(2));

        s.end_session("a", now).await.unwrap();
        assert_eq!(s.session("a").await.unwrap(), None);
        assert!(s.session("b").await.unwrap().is_some());
        s.end_sessions_of("yamada").await.unwrap();
        assert_eq!(s.session("b").await.unwrap(), None);
        // Ending any session also sweeps expired ones.
        s.end_session("none", now + Duration::hours(3))
            .await
            .unwrap();
        assert_eq!(s.session("c").await.unwrap(), None);
        // A session must belong to an account.
        assert!(s.create_session(&record("d", "ghost")).await.is_err());
    }
}

#[tokio::test]
async fn failed_sign_ins_are_counted_per_login_and_per_address_within_the_window() {
    for db in backends().await {
        let s = &db.store;
        let now = Utc::now();
        for i in 0..3 {
            s.record_sign_in_failure("yamada", "10.0.0.1", now - Duration::minutes(i))
                .await
                .unwrap();
        }
        s.record_sign_in_failure("suzuki", "10.0.0.1", now)
            .await
            .unwrap();
        s.record_sign_in_failure("yamada", "10.0.0.2", now - Duration::minutes(30))
            .await
            .unwrap();
        let since = now - Duration::minutes(15);
        assert_eq!(
            s.sign_in_failures("yamada", "10.0.0.1", since)
                .await
                .unwrap(),
            (3, 4)
        );
        assert_eq!(
            s.sign_in_failures("suzuki", "10.0.0.9", since)
                .await
                .unwrap(),
            (1, 0)
        );
        s.clear_sign_in_failures("yamada", since).await.unwrap();
        assert_eq!(
            s.sign_in_failures("yamada", "10.0.0.1", since)
                .await
                .unwrap(),
            (0, 1)
        );
        assert_eq!(
            s.sign_in_failures("yamada", "10.0.0.2", now - Duration::hours(1))
                .await
                .unwrap(),
            (0, 0),
            "old failures swept"
        );
    }
}

#[tokio::test]
async fn the_queue_filters_pages_and_counts_tickets() {
    for db in backends().await {
        let s = &db.store;
        let first = ticket(s, "r1", "logochat").await;
        let second = ticket(s, "r2", "widget").await;
        let third = ticket(s, "r3", "logochat").await;
        let now = Utc::now();
        s.update_ticket(
            second,
            &TicketUpdate {
                status: Some("in_progress".into()),
                assignee: Some(Some("yamada".into())),
                category: Some(Some("メール".into())),
                priority: Some("high".into()),
                due: Some((now - Duration::minutes(1), now + Duration::hours(3))),
                ..TicketUpdate::default()
            },
        )
        .await
        .unwrap();
        s.update_ticket(
            third,
            &TicketUpdate {
                status: Some("resolved".into()),
                ..TicketUpdate::default()
            },
        )
        .await
        .unwrap();
        let ids = |filter: TicketFilter, at| async move {
            let page = s.ticket_page(&filter, at, 0, 10).await.unwrap();
            let ids: Vec<i64> = page.tickets.iter().map(|t| t.id).collect();
            assert_eq!(page.total, ids.len() as i64);
            ids
        };
        assert_eq!(
            ids(TicketFilter::default(), now).await,
            [third, second, first]
        );
        let open = TicketFilter {
            open_only: true,
            ..TicketFilter::default()
        };
        assert_eq!(ids(open.clone(), now).await, [second, first]);
        let mine = TicketFilter {
            assignee: Some("yamada".into()),
            ..open.clone()
        };
        assert_eq!(ids(mine, now).await, [second]);
        let nobody = TicketFilter {
            assignee: Some(String::new()),
            ..open.clone()
        };
        assert_eq!(ids(nobody, now).await, [first]);
        let mail = TicketFilter {
            category: Some("メール".into()),
            ..TicketFilter::default()
        };
        assert_eq!(ids(mail, now).await, [second]);
        let logo = TicketFilter {
            channel: Some("logochat".into()),
            ..TicketFilter::default()
        };
        assert_eq!(ids(logo, now).await, [third, first]);
        let resolved = TicketFilter {
            status: Some("resolved".into()),
            ..TicketFilter::default()
        };
        assert_eq!(ids(resolved, now).await, [third]);
        // Overdue: the second is past its first response due, but taken (not 新規): only
        // resolution counts for it. Two hours on, the untaken first is late too.
        let overdue = TicketFilter {
            overdue: true,
            ..TicketFilter::default()
        };
        assert!(ids(overdue.clone(), now).await.is_empty());
        assert_eq!(
            ids(overdue.clone(), now + Duration::hours(2)).await,
            [first]
        );
        assert_eq!(
            ids(overdue, now + Duration::hours(4)).await,
            [second, first]
        );

        let page = s
            .ticket_page(&TicketFilter::default(), now, 1, 1)
            .await
            .unwrap();
        assert_eq!((page.total, page.tickets[0].id), (3, second));
        let t = s.ticket(second).await.unwrap().unwrap();
        assert_eq!(
            (t.priority.as_str(), t.category.as_deref()),
            ("high", Some("メール"))
        );
        assert_eq!(s.ticket(first).await.unwrap().unwrap().priority, "normal");
        let (categories, channels) = s.ticket_facets().await.unwrap();
        assert_eq!(categories, ["メール"]);
        assert_eq!(channels, ["logochat", "widget"]);
    }
}

#[tokio::test]
async fn notes_are_kept_per_ticket_in_order() {
    for db in backends().await {
        let s = &db.store;
        let one = ticket(s, "r1", "logochat").await;
        let two = ticket(s, "r2", "logochat").await;
        s.add_ticket_note(one, "山田", "一つ目").await.unwrap();
        s.add_ticket_note(two, "山田", "別件").await.unwrap();
        s.add_ticket_note(one, "鈴木", "二つ目").await.unwrap();
        let notes = s.ticket_notes(one).await.unwrap();
        let texts: Vec<_> = notes
            .iter()
            .map(|n| (n.author.as_str(), n.text.as_str()))
            .collect();
        assert_eq!(texts, [("山田", "一つ目"), ("鈴木", "二つ目")]);
        assert!(
            s.add_ticket_note(999, "山田", "x").await.is_err(),
            "no such ticket"
        );
    }
}

#[tokio::test]
async fn the_audit_viewer_filters_by_actor_and_object() {
    for db in backends().await {
        let s = &db.store;
        for (actor, kind, id) in [
            ("山田", "ticket", "1"),
            ("鈴木", "ticket", "2"),
            ("山田", "staff", "10001"),
        ] {
            s.record_audit(&AuditEntry {
                actor: actor.into(),
                action: "x.view".into(),
                object_kind: kind.into(),
                object_id: id.into(),
                detail: None,
            })
            .await
            .unwrap();
        }
        let ids = |filter: AuditFilter| async move {
            let page = s.audit_page(&filter, 0, 10).await.unwrap();
            page.into_iter().map(|r| r.object_id).collect::<Vec<_>>()
        };
        assert_eq!(ids(AuditFilter::default()).await, ["10001", "2", "1"]);
        let yamada = AuditFilter {
            actor: Some("山田".into()),
            ..AuditFilter::default()
        };
        assert_eq!(ids(yamada).await, ["10001", "1"]);
        let staff = AuditFilter {
            object_kind: Some("staff".into()),
            ..AuditFilter::default()
        };
        assert_eq!(ids(staff).await, ["10001"]);
        let one = AuditFilter {
            object_id: Some("2".into()),
            ..AuditFilter::default()
        };
        assert_eq!(ids(one).await, ["2"]);
        assert_eq!(
            s.audit_page(&AuditFilter::default(), 2, 10)
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

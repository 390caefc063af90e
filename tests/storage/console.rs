//! What the operator console stores: sessions, failed sign-ins, the queue's filtered
//! pages, internal notes, ticket classification and the audit-log viewer's filters.

use chrono::Duration;
use madoguchi::accounts::{HashedPassword, NewUser, Role};
use madoguchi::domain::{Channel, Priority, TicketStatus};
use madoguchi::storage::{
    sessions, tickets, AuditEntry, AuditFilter, ConversationKey, NewTicket, SessionRecord, Store,
    TicketFilter, TicketUpdate,
};

use crate::db::{backends, story_time};

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

async fn ticket(s: &Store, room: &str, channel: Channel) -> i64 {
    let key = ConversationKey {
        channel,
        room: room.into(),
        user_ref: String::new(),
    };
    let conversation = s
        .open_conversation(&key, &format!("{room:0>32}"))
        .await
        .unwrap();
    let now = s.now();
    s.open_ticket(&NewTicket {
        first_response_due: Some(now + Duration::hours(1)),
        resolution_due: Some(now + Duration::days(2)),
        ..NewTicket::new(conversation.id, channel, format!("質問 {room}"))
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
        let now = story_time();
        let record = |hash: &str, login: &str| SessionRecord {
            token_hash: hash.into(),
            login: login.into(),
            csrf_token: format!("csrf-{hash}"),
            created_at: now,
            last_seen_at: now,
            expires_at: now + Duration::hours(2),
        };
        let mut tx = s.begin().await.unwrap();
        for (hash, login) in [("a", "yamada"), ("b", "yamada"), ("c", "suzuki")] {
            sessions::create(&mut tx, &record(hash, login))
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        assert_eq!(s.session("a").await.unwrap(), Some(record("a", "yamada")));
        assert_eq!(s.session("zzz").await.unwrap(), None);

        // Used five minutes later: seen then, and it expires two hours after that.
        let later = now + Duration::minutes(5);
        db.clock.set(later);
        let mut tx = s.begin().await.unwrap();
        sessions::touch(&mut tx, "a", later + Duration::hours(2))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let touched = s.session("a").await.unwrap().unwrap();
        assert_eq!(touched.last_seen_at, later);
        assert_eq!(touched.expires_at, later + Duration::hours(2));
        assert_eq!(touched.created_at, now);

        let mut tx = s.begin().await.unwrap();
        sessions::end(&mut tx, "a").await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(s.session("a").await.unwrap(), None);
        assert!(s.session("b").await.unwrap().is_some());
        let mut tx = s.begin().await.unwrap();
        sessions::end_all_of(&mut tx, "yamada").await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(s.session("b").await.unwrap(), None);
        assert!(s.session("c").await.unwrap().is_some());
        // Ending any session also sweeps the ones expired by the store's clock.
        db.clock.set(now + Duration::hours(3));
        let mut tx = s.begin().await.unwrap();
        sessions::end(&mut tx, "none").await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(s.session("c").await.unwrap(), None);
        // A session must belong to an account.
        let mut tx = s.begin().await.unwrap();
        assert!(sessions::create(&mut tx, &record("d", "ghost"))
            .await
            .is_err());
    }
}

#[tokio::test]
async fn failed_sign_ins_are_counted_per_login_and_per_address_within_the_window() {
    for db in backends().await {
        let s = &db.store;
        let now = story_time();
        // Each failure is stamped with the store's clock at the time it happens.
        let clock = &db.clock;
        let fail = |login: &'static str, remote: &'static str, at| async move {
            clock.set(at);
            let mut tx = s.begin().await.unwrap();
            sessions::record_failure(&mut tx, login, remote)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        };
        for i in 0..3 {
            fail("yamada", "10.0.0.1", now - Duration::minutes(i)).await;
        }
        fail("suzuki", "10.0.0.1", now).await;
        fail("yamada", "10.0.0.2", now - Duration::minutes(30)).await;
        db.clock.set(now);
        let since = now - Duration::minutes(15);
        let failures = |login: &'static str, remote: &'static str, since| async move {
            sessions::failures(&mut s.conn(), login, remote, since)
                .await
                .unwrap()
        };
        assert_eq!(failures("yamada", "10.0.0.1", since).await, (3, 4));
        assert_eq!(failures("suzuki", "10.0.0.9", since).await, (1, 0));
        // Exactly at the window's start still counts; a second later no longer does.
        assert_eq!(
            failures("yamada", "10.0.0.2", now - Duration::minutes(30)).await,
            (4, 1)
        );
        assert_eq!(
            failures(
                "yamada",
                "10.0.0.2",
                now - Duration::minutes(30) + Duration::seconds(1)
            )
            .await,
            (3, 0)
        );
        let mut tx = s.begin().await.unwrap();
        sessions::clear_failures(&mut tx, "yamada", since)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(failures("yamada", "10.0.0.1", since).await, (0, 1));
        assert_eq!(
            failures("yamada", "10.0.0.2", now - Duration::hours(1)).await,
            (0, 0),
            "old failures swept"
        );
        assert_eq!(failures("suzuki", "10.0.0.1", since).await, (1, 1));
    }
}

#[tokio::test]
async fn the_queue_filters_pages_and_counts_tickets() {
    for db in backends().await {
        let s = &db.store;
        let first = ticket(s, "r1", Channel::LogoChat).await;
        let second = ticket(s, "r2", Channel::Widget).await;
        let third = ticket(s, "r3", Channel::LogoChat).await;
        let now = story_time();
        s.update_ticket(
            second,
            &TicketUpdate {
                status: Some(TicketStatus::InProgress),
                assignee: Some(Some("yamada".into())),
                category: Some(Some("メール".into())),
                priority: Some(Priority::High),
                due: Some((now - Duration::minutes(1), now + Duration::hours(3))),
                ..TicketUpdate::default()
            },
        )
        .await
        .unwrap();
        s.update_ticket(
            third,
            &TicketUpdate {
                status: Some(TicketStatus::Resolved),
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
            channel: Some(Channel::LogoChat),
            ..TicketFilter::default()
        };
        assert_eq!(ids(logo, now).await, [third, first]);
        let resolved = TicketFilter {
            status: Some(TicketStatus::Resolved),
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
            (t.priority, t.category.as_deref()),
            (Priority::High, Some("メール"))
        );
        assert_eq!(
            s.ticket(first).await.unwrap().unwrap().priority,
            Priority::Normal
        );
        let (categories, channels) = s.ticket_facets().await.unwrap();
        assert_eq!(categories, ["メール"]);
        assert_eq!(channels, ["logochat", "widget"]);
    }
}

#[tokio::test]
async fn notes_are_kept_per_ticket_in_order() {
    for db in backends().await {
        let s = &db.store;
        let one = ticket(s, "r1", Channel::LogoChat).await;
        let two = ticket(s, "r2", Channel::LogoChat).await;
        let mut tx = s.begin().await.unwrap();
        let first = tickets::add_note(&mut tx, one, "山田", "一つ目")
            .await
            .unwrap();
        tickets::add_note(&mut tx, two, "山田", "別件")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        db.clock.set(story_time() + Duration::minutes(3));
        let mut tx = s.begin().await.unwrap();
        tickets::add_note(&mut tx, one, "鈴木", "二つ目")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let notes = s.ticket_notes(one).await.unwrap();
        assert_eq!(notes[0], first);
        assert_eq!(
            (notes[0].created_at, notes[1].created_at),
            (story_time(), story_time() + Duration::minutes(3))
        );
        let texts: Vec<_> = notes
            .iter()
            .map(|n| (n.author.as_str(), n.text.as_str()))
            .collect();
        assert_eq!(texts, [("山田", "一つ目"), ("鈴木", "二つ目")]);
        let mut tx = s.begin().await.unwrap();
        assert!(
            tickets::add_note(&mut tx, 999, "山田", "x").await.is_err(),
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

#[tokio::test]
async fn the_queue_searches_by_name_department_staff_number_ticket_number_and_text() {
    for db in backends().await {
        let s = &db.store;
        let staff = |no: &str, name: &str, department: &str| madoguchi::storage::StaffMember {
            employee_no: no.into(),
            name: name.into(),
            department: department.into(),
            email: None,
            extension: None,
            logochat_id: None,
        };
        s.replace_staff(&[
            staff("20001", "沼津 太郎", "ICT推進課"),
            staff("20002", "原 花子", "財政課"),
        ])
        .await
        .unwrap();
        let open = |room: &'static str, no: Option<&'static str>, name: Option<&'static str>| async move {
            let key = ConversationKey {
                channel: Channel::Phone,
                room: room.into(),
                user_ref: String::new(),
            };
            let conversation = s
                .open_conversation(&key, &format!("{room:0>32}"))
                .await
                .unwrap();
            s.open_ticket(&NewTicket {
                staff_no: no.map(str::to_owned),
                requester_name: name.map(str::to_owned),
                transcript: format!(r#"[{{"text":"{room} のプリンタが紙詰まり"}}]"#),
                ..NewTicket::new(conversation.id, Channel::Phone, format!("件名 {room}"))
            })
            .await
            .unwrap()
        };
        let taro = open("room-a", Some("20001"), Some("沼津 太郎")).await;
        let hanako = open("room-b", Some("20002"), Some("原 花子")).await;
        let anonymous = open("room-c", None, None).await;
        let search = |text: &str| {
            let text = text.to_owned();
            async move {
                let filter = TicketFilter {
                    text: Some(text.clone()),
                    ..TicketFilter::default()
                };
                let page = s.ticket_page(&filter, s.now(), 0, 10).await.unwrap();
                let ids: Vec<i64> = page.tickets.iter().map(|t| t.id).collect();
                assert_eq!(page.total, ids.len() as i64, "{text}");
                ids
            }
        };
        assert_eq!(search("沼津").await, [taro], "氏名");
        assert_eq!(search("財政").await, [hanako], "所属 from the directory");
        assert_eq!(search("20002").await, [hanako], "職員番号");
        assert_eq!(
            search(&format!("#{anonymous}")).await,
            [anonymous],
            "受付番号"
        );
        assert_eq!(
            search("room-c のプリンタ").await,
            [anonymous],
            "the conversation's text"
        );
        assert_eq!(search("件名 room-a").await, [taro], "the subject");
        assert_eq!(
            search("ROOM-C のプリンタ").await,
            [anonymous],
            "letters in either case, on both backends"
        );
        assert_eq!(search("紙詰まり").await, [anonymous, hanako, taro]);
        assert!(search("見つからない").await.is_empty());
        assert_eq!(
            search("  ").await.len(),
            3,
            "a blank search does not filter"
        );
        // Full-width letters in either case too (typed in full-width mode), on both
        // backends whatever their locale: SQLite's LOWER folds ASCII only.
        s.replace_staff(&[
            staff("20001", "沼津 太郎", "ICT推進課"),
            staff("20002", "原 花子", "財政課"),
            staff("20003", "清水 次郎", "ＤＸ推進室"),
        ])
        .await
        .unwrap();
        let wide = open("ｒｏｏｍ-Ｄ", Some("20003"), Some("ＡＢＣ商事 担当")).await;
        assert_eq!(search("ＲＯＯＭ-ｄ").await, [wide], "the text");
        assert_eq!(search("ａｂｃ商事").await, [wide], "the name");
        assert_eq!(search("ｄｘ推進").await, [wide], "the department");
        // And either width: half-width letters find full-width ones, and the reverse.
        assert_eq!(search("room-d").await, [wide], "the text, half-width");
        assert_eq!(search("ABC商事").await, [wide], "the name, half-width");
        assert_eq!(search("DX推進").await, [wide], "the department, half-width");
        assert_eq!(
            search("ＲＯＯＭ－Ｃ のプリンタ").await,
            [anonymous],
            "full-width finds half-width"
        );
        // `%` and `_` typed in the box match themselves, in either width: not anything,
        // and not dropped (`PC_01` must not find `PC01`).
        let underscore = open("PC_01 100%", None, None).await;
        let plain = open("PC01 1000", None, None).await;
        assert_eq!(search("PC_01").await, [underscore]);
        assert_eq!(search("ＰＣ＿０１").await, [underscore]);
        assert_eq!(search("100%").await, [underscore]);
        assert_eq!(search("１００％").await, [underscore]);
        assert_eq!(search("PC01").await, [plain]);
        assert_eq!(search("_").await, [underscore]);
    }
}

/// The requests' search finds full-width letters in either case (typed in full-width
/// mode) in the name, the 所属 and the type, on both backends whatever their locale:
/// SQLite's LOWER folds ASCII only.
#[tokio::test]
async fn the_requests_search_finds_letters_in_either_case_and_width() {
    use madoguchi::storage::requests::{self as records, NewRequest, RequestFilter};
    for db in backends().await {
        let s = &db.store;
        let mut tx = s.begin().await.unwrap();
        let request = NewRequest {
            type_id: "vpn".into(),
            type_name: "ＶＰＮ利用申請".into(),
            definition: "{}".into(),
            requester_no: "20003".into(),
            requester_name: "ＡＢＣ 太郎".into(),
            department: "ＤＸ推進室".into(),
            channel: Channel::Phone,
            conversation_id: None,
            ticket_id: None,
            fields: "{}".into(),
            due_at: None,
        };
        let id = records::insert(&mut tx, &request).await.unwrap();
        tx.commit().await.unwrap();
        for text in [
            "ｖｐｎ利用",
            "Ｖｐｎ",
            "ａｂｃ 太郎",
            "ｄＸ推進",
            "vpn利用",
            "ABC 太郎",
            "dx推進",
        ] {
            let filter = RequestFilter {
                text: Some(text.into()),
                ..RequestFilter::default()
            };
            let (rows, total) = records::page(&mut s.conn(), &filter, 0, 10).await.unwrap();
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            assert_eq!((ids, total), (vec![id], 1), "{text}");
        }
        // `%` and `_` match themselves, in either width, and are not dropped.
        let mut tx = s.begin().await.unwrap();
        let underscore = NewRequest {
            department: r"課_2 100% \\fs01\share".into(),
            ..request.clone()
        };
        let other = records::insert(&mut tx, &underscore).await.unwrap();
        tx.commit().await.unwrap();
        for (text, want) in [
            ("課_2", vec![other]),
            ("課＿２", vec![other]),
            ("100％", vec![other]),
            ("課2", vec![]),
            ("_", vec![other]),
            ("%", vec![other]),
            (r"\\fs01\", vec![other]),
            (r"\fs", vec![other]),
            (r"fs01\\", vec![]),
        ] {
            let filter = RequestFilter {
                text: Some(text.into()),
                ..RequestFilter::default()
            };
            let (rows, _) = records::page(&mut s.conn(), &filter, 0, 10).await.unwrap();
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            assert_eq!(ids, want, "{text}");
        }
    }
}

//! Outages on every backend: declared with its timeline line and audit row; conversations
//! linked once; a reply to everyone and the close queue one message per linked LoGoチャット
//! conversation in the outbox (the widget's is stored in its conversation); refused input
//! and actions on a recovered outage change nothing.

use chrono::Duration;
use madoguchi::domain::{Network, OutageState};
use madoguchi::outages::{Declaration, OutageError, OutageSentences, Outages};
use madoguchi::outbox::Wakeup;
use madoguchi::storage::{sql, Store};

use crate::conversations::conversation;
use crate::db::{backends, postgres, story_time};

fn outages(store: &Store) -> Outages {
    Outages::new(store.clone(), OutageSentences::bundled(), Wakeup::default())
}

fn declaration() -> Declaration {
    Declaration {
        title: "メールサーバ障害".into(),
        systems: "メール\nOutlook".into(),
        faq_ids: "mail-outlook-password".into(),
        network: Some(Network::Lgwan),
        place: Some("本庁舎".into()),
        since: Some(story_time() - Duration::minutes(10)),
        vendor: Some("○○通信".into()),
        vendor_ticket: Some("INC-4711".into()),
        ..Declaration::default()
    }
}

async fn count(store: &Store, table: &'static str) -> i64 {
    let statement = match table {
        "outages" => "SELECT COUNT(*) FROM outages",
        "outage_timeline" => "SELECT COUNT(*) FROM outage_timeline",
        "outage_links" => "SELECT COUNT(*) FROM outage_links",
        "outbox" => "SELECT COUNT(*) FROM outbox",
        "messages" => "SELECT COUNT(*) FROM messages",
        _ => "SELECT COUNT(*) FROM audit_log",
    };
    sql(statement)
        .scalar::<i64>(&mut store.conn())
        .await
        .unwrap()
}

async fn counts(store: &Store) -> Vec<i64> {
    let mut all = Vec::new();
    for table in [
        "outages",
        "outage_timeline",
        "outage_links",
        "outbox",
        "messages",
        "audit_log",
    ] {
        all.push(count(store, table).await);
    }
    all
}

#[tokio::test]
async fn an_outage_links_conversations_replies_to_all_and_closes() {
    for db in backends().await {
        let s = &db.store;
        let o = outages(s);
        let outage = o.declare(&declaration(), "sato").await.unwrap();
        assert_eq!(outage.state, OutageState::Ongoing);
        assert_eq!(outage.affected().systems, ["メール", "Outlook"]);
        assert_eq!(outage.since, story_time() - Duration::minutes(10));
        assert_eq!(o.ongoing().await.unwrap().len(), 1);

        // Two conversations, one linked twice (once counts), one escalated.
        let a = conversation(s, "room-a").await;
        let b = conversation(s, "room-b").await;
        let mut tx = s.begin().await.unwrap();
        for id in [a.id, a.id, b.id] {
            let text = o.link_in(&mut tx, outage.id, id).await.unwrap();
            assert!(
                text.starts_with("現在、メール・Outlookで障害が発生しています"),
                "{text}"
            );
        }
        // Not about the outage (the flow decides: conversation/outage_notice.rs): nothing.
        let not_about_it = o.attach_in(&mut tx, a.id, |_, _| false).await.unwrap();
        assert_eq!(not_about_it, None);
        let attached = o
            .attach_in(&mut tx, b.id, |outage, noticed_at| {
                outage.id > 0 && noticed_at == Some(story_time())
            })
            .await
            .unwrap();
        assert!(attached.is_some());
        tx.commit().await.unwrap();
        let view = o.view(outage.id, "sato").await.unwrap();
        assert_eq!(view.links.len(), 2);
        assert_eq!(
            view.links.iter().map(|l| l.escalated).collect::<Vec<_>>(),
            [false, true]
        );

        let before = count(s, "outbox").await;
        assert_eq!(
            o.reply_all(outage.id, "再起動中です。", "sato")
                .await
                .unwrap(),
            2
        );
        assert_eq!(count(s, "outbox").await, before + 2);
        assert_eq!(
            o.close(outage.id, Some("ディスク故障"), None, "sato")
                .await
                .unwrap(),
            2
        );
        assert_eq!(count(s, "outbox").await, before + 4);
        let items = s.outbox(None, 2).await.unwrap();
        for item in &items {
            assert!(item
                .delivery()
                .unwrap()
                .text
                .starts_with("メール・Outlookの障害は復旧しました"));
        }
        let view = o.view(outage.id, "sato").await.unwrap();
        assert_eq!(view.outage.state, OutageState::Recovered);
        assert_eq!(view.outage.recovered_at, Some(story_time()));
        assert_eq!(view.outage.cause.as_deref(), Some("ディスク故障"));
        assert_eq!(view.timeline.len(), 3, "{:?}", view.timeline);
        assert!(o.ongoing().await.unwrap().is_empty());

        // A link after the close: nothing linked, the staff member hears it is over.
        let c = conversation(s, "room-c").await;
        let mut tx = s.begin().await.unwrap();
        let text = o.link_in(&mut tx, outage.id, c.id).await.unwrap();
        assert!(
            text.starts_with("メール・Outlookの障害は復旧しました"),
            "{text}"
        );
        assert_eq!(o.attach_in(&mut tx, a.id, |_, _| true).await.unwrap(), None);
        tx.commit().await.unwrap();
        assert_eq!(count(s, "outage_links").await, 2);

        // Audited: declare, 2 views, reply, close.
        let audited: Vec<String> =
            sql("SELECT action FROM audit_log WHERE object_kind = 'outage' ORDER BY id")
                .scalars::<String>(&mut s.conn())
                .await
                .unwrap();
        assert_eq!(
            audited,
            [
                "outage.declare",
                "outage.view",
                "outage.reply_all",
                "outage.close",
                "outage.view"
            ]
        );
    }
}

#[tokio::test]
async fn bad_input_and_closed_outages_change_nothing() {
    for db in backends().await {
        let s = &db.store;
        let o = outages(s);
        let untouched = counts(s).await;
        let bad = [
            Declaration {
                title: "  ".into(),
                ..declaration()
            },
            Declaration {
                systems: " 、\n ".into(),
                ..declaration()
            },
            Declaration {
                faq_ids: "メールのFAQ".into(),
                ..declaration()
            },
            Declaration {
                title: "x".repeat(201),
                ..declaration()
            },
            Declaration {
                vendor: Some("a\u{7}b".into()),
                ..declaration()
            },
        ];
        for (i, d) in bad.iter().enumerate() {
            let refused = o.declare(d, "sato").await;
            assert!(
                matches!(refused, Err(OutageError::Invalid(_))),
                "{i}: {refused:?}"
            );
        }
        assert_eq!(counts(s).await, untouched);

        let outage = o.declare(&declaration(), "sato").await.unwrap();
        let declared = counts(s).await;
        assert!(matches!(
            o.note(outage.id, " ", "sato").await,
            Err(OutageError::Invalid(_))
        ));
        assert!(matches!(
            o.reply_all(outage.id, "", "sato").await,
            Err(OutageError::Invalid(_))
        ));
        assert!(matches!(
            o.close(999, None, None, "sato").await,
            Err(OutageError::NotFound(999))
        ));
        assert!(matches!(
            o.start(outage.id, "sato").await,
            Err(OutageError::NotAllowed(_))
        ));
        assert_eq!(counts(s).await, declared);

        o.close(outage.id, None, None, "sato").await.unwrap();
        let closed = counts(s).await;
        for refused in [
            o.close(outage.id, None, None, "sato").await.map(|_| ()),
            o.note(outage.id, "追記", "sato").await.map(|_| ()),
            o.reply_all(outage.id, "返信", "sato").await.map(|_| ()),
            o.start(outage.id, "sato").await.map(|_| ()),
        ] {
            assert!(
                matches!(refused, Err(OutageError::NotAllowed(_))),
                "{refused:?}"
            );
        }
        assert_eq!(counts(s).await, closed);
    }
}

#[tokio::test]
async fn a_linked_turn_never_waits_for_an_operator_action_and_a_new_one_sees_its_close() {
    // SQLite has one writer: only PostgreSQL has two transactions at once.
    let Some(db) = postgres().await else {
        return;
    };
    let s = &db.store;
    let o = outages(s);
    let outage = o.declare(&declaration(), "sato").await.unwrap();
    let linked = conversation(s, "room-a").await;
    let mut tx = s.begin().await.unwrap();
    o.link_in(&mut tx, outage.id, linked.id).await.unwrap();
    tx.commit().await.unwrap();

    // An operator's action holds the outage (it may be writing into room-a's
    // conversation): room-a's turn does not wait for it.
    let mut action = s.begin().await.unwrap();
    madoguchi::storage::outages::lock(&mut action, outage.id)
        .await
        .unwrap();
    let mut turn = s.begin().await.unwrap();
    let said = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        o.link_in(&mut turn, outage.id, linked.id),
    )
    .await
    .expect("the linked turn does not wait for the operator's action")
    .unwrap();
    assert!(said.starts_with("現在、"), "{said}");
    turn.commit().await.unwrap();
    drop(action);

    // The close holds the outage while it tells everyone linked. A new staff member's
    // turn waits for it and is told of the recovery, instead of being linked after the
    // close read its links (and so never told).
    let newcomer = conversation(s, "room-b").await.id;
    let mut action = s.begin().await.unwrap();
    madoguchi::storage::outages::lock(&mut action, outage.id)
        .await
        .unwrap();
    let (store, service, id) = (s.clone(), outages(s), outage.id);
    let turn = tokio::spawn(async move {
        let mut turn = store.begin().await.unwrap();
        let said = service.link_in(&mut turn, id, newcomer).await.unwrap();
        turn.commit().await.unwrap();
        said
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!turn.is_finished(), "the new turn waits for the action");
    madoguchi::storage::outages::set_state(
        &mut action,
        outage.id,
        OutageState::Recovered,
        None,
        None,
    )
    .await
    .unwrap();
    action.commit().await.unwrap();
    let said = turn.await.unwrap();
    assert!(said.contains("復旧しました"), "{said}");
    assert_eq!(
        count(s, "outage_links").await,
        1,
        "the newcomer is not linked"
    );
}

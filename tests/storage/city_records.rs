//! The virus-incident log, the consumables stock and the work log on every backend: a new
//! incident queues its notice to the city's contact in its own transaction; a stock item
//! falling below its threshold queues one notice when it crosses, none while it stays
//! below; refused input changes nothing.

use chrono::Duration;
use madoguchi::config::{CityContact, LedgerSettings, NotifySettings};
use madoguchi::domain::{OutboxRoute, StockKind};
use madoguchi::ledgers::{IncidentReport, LedgerError, Ledgers, CITY_MAIL_ROOM};
use madoguchi::storage::{sql, OutboxItem, Store};

use crate::db::{backends, story_time};

fn ledgers(store: &Store, contact: bool) -> Ledgers {
    let settings = LedgerSettings {
        city_contact: if contact {
            CityContact {
                mail: vec!["ict@city.numazu.lg.jp".into()],
                logochat_room: Some("room-ict".into()),
            }
        } else {
            CityContact::default()
        },
        ..LedgerSettings::default()
    };
    let notify = NotifySettings {
        logochat_room: Some("room-operators".into()),
        ..NotifySettings::default()
    };
    Ledgers::new(store.clone(), settings, notify)
}

async fn outbox(store: &Store) -> Vec<OutboxItem> {
    sql("SELECT * FROM outbox ORDER BY id")
        .fetch_all(&mut store.conn())
        .await
        .unwrap()
}

fn incident() -> IncidentReport {
    IncidentReport {
        occurred_at: story_time() - Duration::minutes(20),
        device: "K012-PC001".into(),
        person: Some("沼津 花子".into()),
        department: Some("市民課".into()),
        detection_name: "Trojan:Win32/Emotet".into(),
        found_by: "ウイルス対策ソフトの検知".into(),
        actions: Some("LANケーブルを抜いた".into()),
        isolated: true,
        result: None,
    }
}

#[tokio::test]
async fn a_virus_incident_tells_the_city_at_once_through_the_outbox() {
    for db in backends().await {
        let ledgers = ledgers(&db.store, true);
        let recorded = ledgers
            .record_incident(&incident(), "operator1")
            .await
            .unwrap();
        assert_eq!(recorded.reported_at, Some(story_time()));
        assert_eq!(
            recorded.reported_to.as_deref(),
            Some("市担当者（メール・LoGoチャット）")
        );
        let items = outbox(&db.store).await;
        let routes: Vec<(OutboxRoute, &str)> =
            items.iter().map(|i| (i.route, i.room.as_str())).collect();
        assert_eq!(
            routes,
            [
                (OutboxRoute::Mail, CITY_MAIL_ROOM),
                (OutboxRoute::OperatorsRoom, "room-ict")
            ]
        );
        assert!(
            items[0].payload.contains("Trojan:Win32/Emotet"),
            "{}",
            items[0].payload
        );
        assert!(items[0].payload.contains("ネットワーク隔離: 済"));

        let blank = IncidentReport {
            device: " ".into(),
            ..incident()
        };
        let unreported = ledgers.record_incident(&blank, "operator1").await;
        assert!(matches!(unreported, Err(LedgerError::Invalid(_))));
        assert_eq!(
            outbox(&db.store).await.len(),
            2,
            "a refused incident queues nothing"
        );
        let log = ledgers
            .incidents(
                story_time() - Duration::days(1),
                story_time() + Duration::days(1),
            )
            .await
            .unwrap();
        assert_eq!(log.len(), 1);
    }
}

#[tokio::test]
async fn stock_below_its_threshold_notifies_once_per_crossing() {
    for db in backends().await {
        let ledgers = ledgers(&db.store, true);
        let item = ledgers
            .add_stock_item(StockKind::LanCable, "LANケーブル 5m", 5, "operator1")
            .await
            .unwrap();
        let notices = || async { outbox(&db.store).await.len() };
        let mut seen = Vec::new();
        for delta in [10, -5, -1, -1, -2, 10, -10] {
            let moved = ledgers
                .move_stock(item.id, delta, "operator1", "配線工事")
                .await
                .unwrap();
            seen.push((moved.quantity, notices().await));
        }
        // Each crossing below 5 queues three notices: operators' room, city mail, city room.
        assert_eq!(
            seen,
            [(10, 0), (5, 0), (4, 3), (3, 3), (1, 3), (11, 3), (1, 6)],
            "(quantity, notices queued so far)"
        );
        let text = &outbox(&db.store).await[0].payload;
        assert!(text.contains("LANケーブル 5m"), "{text}");

        let before = notices().await;
        let too_many = ledgers.move_stock(item.id, -2, "operator1", "配布").await;
        assert!(
            matches!(too_many, Err(LedgerError::Conflict { .. })),
            "{too_many:?}"
        );
        let zero = ledgers.move_stock(item.id, 0, "operator1", "配布").await;
        assert!(matches!(zero, Err(LedgerError::Invalid(_))));
        let nobody = ledgers.move_stock(item.id, 1, " ", "配布").await;
        assert!(matches!(nobody, Err(LedgerError::Invalid(_))));
        let duplicate = ledgers
            .add_stock_item(StockKind::Hub, "LANケーブル 5m", 1, "operator1")
            .await;
        assert!(matches!(duplicate, Err(LedgerError::Conflict { .. })));
        let stock = ledgers.stock().await.unwrap();
        assert_eq!((stock.len(), stock[0].quantity), (1, 1), "nothing changed");
        assert_eq!(notices().await, before);
    }
}

#[tokio::test]
async fn work_that_is_not_a_ticket_is_logged() {
    for db in backends().await {
        let ledgers = ledgers(&db.store, false);
        let done = story_time() - Duration::hours(1);
        ledgers
            .log_work(done, "operator1", "サーバ再起動", "ファイルサーバを再起動")
            .await
            .unwrap();
        let refused = ledgers.log_work(done, "operator1", "パッチ適用", "").await;
        assert!(matches!(refused, Err(LedgerError::Invalid(_))));
        let work = ledgers
            .work(story_time() - Duration::days(1), story_time())
            .await
            .unwrap();
        assert_eq!(work.len(), 1);
        assert_eq!(work[0].kind, "サーバ再起動");
    }
}

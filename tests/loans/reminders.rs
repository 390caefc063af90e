//! Reminders through the outbox, in the LoGoチャット conversation the loan came from:
//! the business day before the return, at the return time, each business day overdue;
//! each slot sent once however often (and by however many instances) they are looked for.

use madoguchi::domain::{Channel, ItemKind, OutboxRoute};
use madoguchi::loans::{Checkout, LoanAction};
use madoguchi::storage::sql;

use crate::db::backends;
use crate::helpers::{jst, Desk};
use crate::request_support::request_desk_with;
use crate::support::{asking, item, OPERATOR};

/// The texts queued for LoGoチャット room `room`, oldest first.
async fn queued(d: &Desk, room: &str) -> Vec<String> {
    let payloads: Vec<String> = sql("SELECT payload FROM outbox WHERE room = $1 ORDER BY id")
        .bind(room)
        .scalars(&mut d.helpdesk.store().conn())
        .await
        .unwrap();
    payloads
        .iter()
        .map(|p| {
            let json: serde_json::Value = serde_json::from_str(p).unwrap();
            json["text"].as_str().unwrap().to_owned()
        })
        .collect()
}

async fn remind_at(d: &Desk, at: &str) -> usize {
    d.clock.set(jst(at));
    d.helpdesk.loans().remind().await.unwrap()
}

#[tokio::test]
async fn reminders_reach_the_requester_once_per_slot() {
    for db in backends().await {
        let d = request_desk_with(|s| {
            s.database_url = Some(db.url.clone());
            s.notify.logochat_room = Some("ops-room".into());
            s.notify.console_base_url = Some("http://console.example".into());
        })
        .await;
        let loans = d.helpdesk.loans();
        item(&d, "projector", "プロジェクター", ItemKind::Device, 1).await;
        let chat = d.logo("room-loan", "こんにちは").await;
        let mut ask = asking("projector", 1, "2026-12-09T09:00", "2026-12-11T17:00");
        ask.channel = Channel::LogoChat;
        ask.conversation_id = Some(chat.conversation.id);
        let id = loans.reserve(&ask).await.unwrap().reservation.id;
        loans.act(id, OPERATOR, LoanAction::Approve).await.unwrap();
        d.clock.set(jst("2026-12-09 09:00"));
        let checkout = Checkout {
            asset_numbers: vec!["PJ-0001".into()],
            condition: "良好".into(),
            settings_done: None,
        };
        loans
            .act(id, OPERATOR, LoanAction::Checkout(checkout))
            .await
            .unwrap();
        let told = queued(&d, "room-loan").await.len();

        // Wednesday: the operators' list only (and once).
        assert_eq!(remind_at(&d, "2026-12-09 09:30").await, 1);
        assert_eq!(remind_at(&d, "2026-12-09 10:30").await, 0);
        let ops = queued(&d, "ops-room").await;
        assert!(ops[0].contains("【貸出・予約 12月9日"), "{ops:?}");
        // Thursday, the business day before the return; then the list of Thursday.
        assert_eq!(remind_at(&d, "2026-12-10 09:00").await, 2);
        assert_eq!(remind_at(&d, "2026-12-10 16:00").await, 0);
        // Friday 17:00, the return time (the list of Friday went out in the morning).
        assert_eq!(remind_at(&d, "2026-12-11 08:40").await, 1);
        assert_eq!(remind_at(&d, "2026-12-11 17:00").await, 1);
        // The weekend is quiet; Monday and Tuesday are overdue days 1 and 2.
        assert_eq!(remind_at(&d, "2026-12-12 10:00").await, 0);
        assert_eq!(remind_at(&d, "2026-12-14 08:29").await, 0);
        // Two instances looking at once send Monday's reminders once.
        d.clock.set(jst("2026-12-14 09:00"));
        let (a, b) = tokio::join!(loans.remind(), loans.remind());
        assert_eq!(a.unwrap() + b.unwrap(), 2);
        assert_eq!(remind_at(&d, "2026-12-15 09:00").await, 2);
        let texts = queued(&d, "room-loan").await.split_off(told);
        assert_eq!(texts.len(), 4, "{texts:?}");
        assert!(texts[0].contains("返却は 12月11日(金) 17:00"), "{texts:?}");
        assert!(texts[1].contains("返却時刻"), "{texts:?}");
        assert!(texts[2].contains("1 開庁日過ぎて"), "{texts:?}");
        assert!(texts[3].contains("2 開庁日過ぎて"), "{texts:?}");
        let routes: Vec<OutboxRoute> = sql("SELECT channel FROM outbox WHERE room = $1")
            .bind("room-loan")
            .scalars(&mut d.helpdesk.store().conn())
            .await
            .unwrap();
        assert!(routes.iter().all(|r| *r == OutboxRoute::LogoChat));
        let ops = queued(&d, "ops-room").await;
        assert!(ops.iter().any(|t| t.contains("返却遅れ")), "{ops:?}");
    }
}

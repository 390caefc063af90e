//! The dashboard's counts: today, this month, the queue now, and questions by day.

use chrono::{Duration, NaiveDate};
use madoguchi::domain::{Channel, TicketStatus};
use madoguchi::storage::{NewTicket, Period, StorageError, TicketUpdate};

use crate::conversations::conversation;
use crate::db::{backends, story_time};
use crate::learning::{question, ticket};

#[tokio::test]
async fn the_dashboard_counts_today_this_month_and_the_queue_now() {
    for db in backends().await {
        let s = &db.store;
        let now = story_time();
        let today = Period {
            from: now - Duration::hours(1),
            to: now + Duration::hours(1),
        };
        let month = Period {
            from: now - Duration::days(20),
            to: now + Duration::hours(1),
        };
        // Rows carry the store's clock: what happened earlier is written with the clock
        // set back.
        db.clock.set(now - Duration::days(60));
        question(&db, "印刷できない", "answer", "confident").await;
        db.clock.set(now - Duration::days(3));
        question(&db, "印刷できない", "answer", "confident").await;
        let c = conversation(s, "a").await;
        ticket(&db, &c, "VPN遅い").await;
        db.clock.set(now);
        question(&db, "VPNにつながらない", "answer", "confident").await;
        question(&db, "VPN遅い", "suggest", "low_confidence").await;
        question(&db, "ありがとう", "escalate", "thanks").await;
        let late = NewTicket {
            first_response_due: Some(now - Duration::minutes(5)),
            resolution_due: Some(now + Duration::hours(5)),
            ..NewTicket::new(c.id, Channel::LogoChat, "メールが送れない")
        };
        s.open_ticket(&late).await.unwrap();
        let done = ticket(&db, &c, "印刷できない").await;
        let resolved = TicketUpdate {
            status: Some(TicketStatus::Resolved),
            ..TicketUpdate::default()
        };
        s.update_ticket(done, &resolved).await.unwrap();

        let got = s.dashboard_counts(today, month, now).await.unwrap();
        assert_eq!(
            (got.today.questions, got.today.answered, got.today.escalated),
            (2, 1, 2),
            "on {}",
            s.backend_name()
        );
        assert_eq!(
            (got.month.questions, got.month.answered, got.month.escalated),
            (3, 2, 3)
        );
        assert_eq!((got.open_tickets, got.overdue_tickets), (2, 1));
        // An hour earlier the late ticket was not late yet.
        let earlier = s
            .dashboard_counts(today, month, now - Duration::hours(1))
            .await
            .unwrap();
        assert_eq!(earlier.overdue_tickets, 0);
    }
}

#[tokio::test]
async fn questions_are_counted_on_each_day_in_the_order_asked_for() {
    for db in backends().await {
        let s = &db.store;
        let now = story_time();
        let day = |n: i64| {
            let date = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Duration::days(n);
            let from = now - Duration::days(2 - n) - Duration::hours(12);
            (
                date,
                Period {
                    from,
                    to: from + Duration::days(1),
                },
            )
        };
        let days = [day(0), day(1), day(2)];
        db.clock.set(now - Duration::days(1));
        question(&db, "印刷できない", "answer", "confident").await;
        db.clock.set(now);
        question(&db, "VPNにつながらない", "answer", "confident").await;
        question(&db, "VPN遅い", "escalate", "no_match").await;
        question(&db, "こんにちは", "escalate", "greeting").await;

        let got = s.questions_by_day(&days).await.unwrap();
        let seen: Vec<(NaiveDate, i64, i64)> = got
            .iter()
            .map(|d| (d.date, d.questions, d.answered))
            .collect();
        assert_eq!(
            seen,
            [(days[0].0, 0, 0), (days[1].0, 1, 1), (days[2].0, 2, 1)],
            "on {}",
            s.backend_name()
        );
        let reversed = [days[2], days[0]];
        let got = s.questions_by_day(&reversed).await.unwrap();
        assert_eq!((got[0].date, got[0].questions), (days[2].0, 2));
        assert_eq!(s.questions_by_day(&[]).await.unwrap(), []);
        let too_many = vec![days[0]; 367];
        assert!(matches!(
            s.questions_by_day(&too_many).await,
            Err(StorageError::Invalid(_))
        ));
    }
}

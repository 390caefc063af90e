//! The dashboard's counts: today, this month, the queue now, and questions by day.

use chrono::{Duration, NaiveDate, Utc};
use madoguchi::storage::{NewTicket, Period, StorageError, TicketUpdate};

use crate::db::backends;
use crate::learning::{backdate, conversation, question, ticket};

#[tokio::test]
async fn the_dashboard_counts_today_this_month_and_the_queue_now() {
    for db in backends().await {
        let s = &db.store;
        let now = Utc::now();
        let today = Period {
            from: now - Duration::hours(1),
            to: now + Duration::hours(1),
        };
        let month = Period {
            from: now - Duration::days(20),
            to: now + Duration::hours(1),
        };
        question(s, "VPNにつながらない", "answer", "confident").await;
        question(s, "VPN遅い", "suggest", "low_confidence").await;
        question(s, "ありがとう", "escalate", "thanks").await;
        let old = question(s, "印刷できない", "answer", "confident").await;
        backdate(
            &db.url,
            "questions",
            "asked_at",
            old,
            now - Duration::days(3),
        )
        .await;
        let ancient = question(s, "印刷できない", "answer", "confident").await;
        backdate(
            &db.url,
            "questions",
            "asked_at",
            ancient,
            now - Duration::days(60),
        )
        .await;
        let c = conversation(s, "a").await;
        let late = NewTicket {
            conversation_id: c.id,
            channel: "logochat".into(),
            subject: "メールが送れない".into(),
            transcript: "[]".into(),
            first_response_due: Some(now - Duration::minutes(5)),
            resolution_due: Some(now + Duration::hours(5)),
            ..NewTicket::default()
        };
        s.open_ticket(&late).await.unwrap();
        let in_time = ticket(s, &c, "VPN遅い").await;
        let done = ticket(s, &c, "印刷できない").await;
        let resolved = TicketUpdate {
            status: Some("resolved".into()),
            ..TicketUpdate::default()
        };
        s.update_ticket(done, &resolved).await.unwrap();
        backdate(
            &db.url,
            "tickets",
            "opened_at",
            in_time,
            now - Duration::days(3),
        )
        .await;

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
        let now = Utc::now();
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
        question(s, "VPNにつながらない", "answer", "confident").await;
        question(s, "VPN遅い", "escalate", "no_match").await;
        question(s, "こんにちは", "escalate", "greeting").await;
        let yesterday = question(s, "印刷できない", "answer", "confident").await;
        backdate(
            &db.url,
            "questions",
            "asked_at",
            yesterday,
            now - Duration::days(1),
        )
        .await;

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

//! The console's reports from real conversations: per-entry statistics, the unanswered
//! report and the dashboard, all on the desk's fixed clock (the store stamps rows with it).

use chrono::Duration;
use madoguchi::calendar;
use madoguchi::learning::{chart, Period, CHART_DAYS};

use crate::helpers::{desk, said, thursday_morning, ticket_in};
use crate::learning::{HALF_WIDTH, QUESTION};

fn around_now() -> Period {
    Period::new(
        thursday_morning() - Duration::hours(1),
        thursday_morning() + Duration::hours(1),
    )
    .unwrap()
}

#[tokio::test]
async fn entry_statistics_follow_what_the_bot_did_in_the_chat() {
    let d = desk().await;
    let answered = d.logo("room-1", "ＶＰＮつながらない").await;
    let entry = answered.replies[0].faq_id.clone().expect("answered");
    d.logo("room-1", "いいえ").await;
    let done = d.logo("room-1", "担当者").await;
    ticket_in(&said(&done));

    let statistics = d
        .helpdesk
        .knowledge()
        .entry_statistics(around_now())
        .await
        .unwrap();
    assert_eq!(
        statistics.len(),
        d.helpdesk.store().faq_count().await.unwrap() as usize
    );
    let forgot = statistics.iter().find(|s| s.faq_id == entry).unwrap();
    let c = &forgot.counts;
    assert_eq!(
        (c.answered, c.resolved, c.unresolved, c.escalated),
        (1, 0, 1, 1),
        "{forgot:?}"
    );
    assert!(c.shown >= 1);
    assert_eq!(forgot.resolution_rate(), Some(0.0));
    assert!(forgot.title.is_some() && forgot.published);
    // The other entries offered after 「いいえ」 were shown, not answered.
    let offered: Vec<_> = statistics
        .iter()
        .filter(|s| s.faq_id != entry && s.counts.shown > 0)
        .collect();
    assert!(
        offered.iter().all(|s| s.counts.answered == 0),
        "{offered:?}"
    );
}

#[tokio::test]
async fn the_unanswered_report_puts_the_same_question_typed_two_ways_in_one_group() {
    let d = desk().await;
    let first = d.logo("room-1", QUESTION).await;
    assert_eq!(first.replies[0].faq_id, None);
    let ticket = ticket_in(&said(&d.logo("room-1", "はい").await));
    d.logo("room-2", HALF_WIDTH).await;
    d.logo("room-3", "こんにちは").await;

    let report = d
        .helpdesk
        .learning()
        .unanswered_report(around_now())
        .await
        .unwrap();
    assert_eq!(report.len(), 1, "{report:#?}");
    let gap = &report[0];
    assert_eq!(gap.count, 2);
    assert_eq!((gap.escalated, gap.no_match, gap.not_resolved), (1, 2, 0));
    assert_eq!(gap.ticket_ids, [ticket]);
    let mut texts = vec![gap.representative.as_str()];
    texts.extend(gap.examples.iter().map(String::as_str));
    texts.sort();
    assert_eq!(texts, [QUESTION, HALF_WIDTH]);
}

#[tokio::test]
async fn the_dashboard_counts_today_by_the_helpdesk_clock() {
    let d = desk().await;
    // Just before midnight in Japan: the day is Japan's, not UTC's (15:00 UTC).
    let now = crate::helpers::jst("2026-11-26 23:55");
    d.clock.set(now);
    d.logo("room-1", "ＶＰＮつながらない").await;
    d.logo("room-2", QUESTION).await;
    d.logo("room-2", "はい").await;
    d.logo("room-3", "こんにちは").await;

    let dashboard = d.helpdesk.learning().dashboard().await.unwrap();
    assert_eq!(dashboard.date, calendar::to_local(now).date());
    let today = dashboard.today;
    assert_eq!(
        (today.questions, today.answered, today.escalated),
        (2, 1, 1)
    );
    assert_eq!(dashboard.month, today);
    assert_eq!((dashboard.open_tickets, dashboard.overdue_tickets), (1, 0));
    assert_eq!(dashboard.by_day.len(), CHART_DAYS);
    let last = dashboard.by_day.last().unwrap();
    assert_eq!(
        (last.date, last.questions, last.answered),
        (dashboard.date, 2, 1)
    );
    assert!(dashboard.by_day[..CHART_DAYS - 1]
        .iter()
        .all(|d| d.questions == 0));
    let svg = chart::answer_rate_chart("自動回答率（過去30日）", &dashboard.by_day);
    assert_eq!(svg.matches("<g><title>").count(), CHART_DAYS);

    // A week later nothing was asked that day, and the ticket is overdue.
    d.clock.set(now + Duration::days(7));
    let later = d.helpdesk.learning().dashboard().await.unwrap();
    assert_eq!(later.today.questions, 0);
    assert_eq!((later.open_tickets, later.overdue_tickets), (1, 1));
    assert_eq!(later.by_day[CHART_DAYS - 8].questions, 2);
}

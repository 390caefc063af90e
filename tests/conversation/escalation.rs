//! When a person will answer: the escalation reply quotes the next opening time from the
//! business calendar, at a fixed clock.

use crate::helpers::{desk, desk_with, jst, said};

/// Escalates at `at` (JST) and returns what the bot said.
async fn escalate_at(at: &str) -> String {
    let d = desk().await;
    d.clock.set(jst(at));
    let handled = d.logo("r1", "担当者").await;
    let id = handled.conversation.ticket_id.expect("a ticket");
    let text = said(&handled);
    assert!(text.contains(&format!("受付番号は #{id} です")), "{text}");
    text
}

#[tokio::test]
async fn during_office_hours_a_person_answers_soon() {
    let text = escalate_at("2026-11-26 10:00").await;
    assert!(text.contains("順次ご連絡します"), "{text}");
    assert!(!text.contains("以降"), "{text}");
}

#[tokio::test]
async fn on_a_friday_evening_the_reply_names_monday_morning() {
    let text = escalate_at("2026-11-27 18:30").await;
    assert!(text.contains("受付時間外（平日 8:30〜17:15）"), "{text}");
    assert!(
        text.contains("11月30日(月) 8:30以降に担当者からご連絡します"),
        "{text}"
    );
}

#[tokio::test]
async fn on_a_holiday_the_reply_names_the_holiday_and_the_next_business_day() {
    // 2026-11-23 (Mon) 勤労感謝の日, after a weekend.
    let text = escalate_at("2026-11-23 11:00").await;
    assert!(text.contains("勤労感謝の日"), "{text}");
    assert!(text.contains("11月24日(火) 8:30以降"), "{text}");
}

#[tokio::test]
async fn on_december_30_the_reply_names_the_year_end_closure() {
    let text = escalate_at("2026-12-30 09:00").await;
    assert!(
        text.contains("12月29日〜1月3日は閉庁のため、1月4日(月) 8:30以降に担当者からご連絡します"),
        "{text}"
    );
    // In 2025 the closure ends on a Saturday: the next opening is Monday 1月5日.
    let text = escalate_at("2025-12-30 09:00").await;
    assert!(text.contains("1月5日(月) 8:30以降"), "{text}");
}

#[tokio::test]
async fn a_configured_closure_is_named_with_its_reason() {
    let d = desk_with(|s| {
        s.calendar =
            toml::from_str("[[closures]]\nfrom = 2026-12-04\nreason = \"庁舎電気設備点検\"\n")
                .unwrap();
    })
    .await;
    d.clock.set(jst("2026-12-04 10:00"));
    let text = said(&d.logo("r1", "担当者").await);
    assert!(
        text.contains("12月4日(金)は庁舎電気設備点検による閉庁のため"),
        "{text}"
    );
    assert!(text.contains("12月7日(月) 8:30以降"), "{text}");
}

#[tokio::test]
async fn outside_hours_the_bot_still_answers_faqs() {
    let d = desk().await;
    d.clock.set(jst("2026-12-31 23:00"));
    let answered = d.logo("r1", "ＶＰＮつながらない").await;
    assert_eq!(
        answered.replies[0].faq_id.as_deref(),
        Some("telework-cannot-connect-home")
    );
}

#[tokio::test]
async fn a_ticket_gets_sla_due_times_counted_in_office_hours() {
    let d = desk().await;
    // Thursday 10:00: one business hour later, the same day.
    let id = d.logo("r1", "担当者").await.conversation.ticket_id.unwrap();
    let t = d.helpdesk.store().ticket(id).await.unwrap().unwrap();
    assert_eq!(t.first_response_due, Some(jst("2026-11-26 11:00")));
    // Friday 16:45: 30 minutes left on Friday, the rest on Monday morning; the two
    // business days of the resolution target end at the same time on Tuesday.
    d.clock.set(jst("2026-11-27 16:45"));
    let id = d.logo("r2", "担当者").await.conversation.ticket_id.unwrap();
    let t = d.helpdesk.store().ticket(id).await.unwrap().unwrap();
    assert_eq!(t.first_response_due, Some(jst("2026-11-30 09:00")));
    assert_eq!(t.resolution_due, Some(jst("2026-12-01 16:45")));
}

#[tokio::test]
async fn sla_targets_come_from_the_settings() {
    let d = desk_with(|s| {
        s.sla = toml::from_str("first_response_minutes = 30\nresolution_minutes = 465\n").unwrap();
    })
    .await;
    d.clock.set(jst("2026-12-28 17:00"));
    let id = d.logo("r1", "担当者").await.conversation.ticket_id.unwrap();
    let t = d.helpdesk.store().ticket(id).await.unwrap().unwrap();
    // 15 minutes on 12/28, then the year-end closure: 2027-01-04 opens at 8:30.
    assert_eq!(t.first_response_due, Some(jst("2027-01-04 08:45")));
    assert_eq!(t.resolution_due, Some(jst("2027-01-04 16:00")));
}

//! The learning loop's reports: per-entry statistics, unanswered questions, the dashboard's
//! counts and the questions by day, each one query on either backend.

use chrono::{DateTime, Duration, Utc};
use madoguchi::kb::FaqEntry;
use madoguchi::storage::{
    ConversationKey, ConversationRow, EntryCounts, GapKind, NewFeedback, NewMessage, NewQuestion,
    NewTicket, Period, Store, Turn,
};
use sqlx::{Connection, PgConnection, SqliteConnection};

use crate::db::backends;

pub fn faq(id: &str, title: &str) -> FaqEntry {
    FaqEntry {
        id: id.into(),
        title: title.into(),
        category: "アカウント".into(),
        keywords: vec![],
        alternatives: vec![],
        related: vec![],
        body: "ヘルプデスクへ連絡してください。".into(),
        published: true,
    }
}

pub async fn conversation(store: &Store, room: &str) -> ConversationRow {
    let key = ConversationKey {
        channel: "logochat".into(),
        room: room.into(),
        user_ref: "u1".into(),
    };
    store
        .open_conversation(&key, &format!("{room:0>32}"), r#"{"kind":"idle"}"#)
        .await
        .unwrap()
}

/// A turn of bot messages: `Some(id)` answers with entry `id`, `None` says something else.
async fn bot(store: &Store, c: &ConversationRow, answers: &[Option<&str>]) {
    let messages = answers
        .iter()
        .map(|faq_id| NewMessage {
            direction: "out",
            author: "bot".into(),
            text: "…".into(),
            faq_id: faq_id.map(Into::into),
            ..NewMessage::default()
        })
        .collect();
    let turn = Turn {
        messages,
        ..Turn::default()
    };
    store.commit_turn(c, &turn).await.unwrap();
}

async fn offer(store: &Store, c: &ConversationRow, offers: &[&str]) {
    let message = NewMessage {
        direction: "out",
        author: "bot".into(),
        text: "もしかして".into(),
        offers: offers.iter().map(|s| s.to_string()).collect(),
        ..NewMessage::default()
    };
    let turn = Turn {
        messages: vec![message],
        ..Turn::default()
    };
    store.commit_turn(c, &turn).await.unwrap();
}

async fn feedback(
    store: &Store,
    c: &ConversationRow,
    faq_id: &str,
    resolved: bool,
    q: Option<i64>,
) {
    let feedback = NewFeedback {
        faq_id: faq_id.into(),
        conversation_id: c.id,
        question_id: q,
        resolved,
    };
    store.record_feedback(&feedback).await.unwrap();
}

pub async fn ticket(store: &Store, c: &ConversationRow, subject: &str) -> i64 {
    let ticket = NewTicket {
        conversation_id: c.id,
        channel: "logochat".into(),
        subject: subject.into(),
        transcript: "[]".into(),
        ..NewTicket::default()
    };
    store.open_ticket(&ticket).await.unwrap()
}

pub async fn question(store: &Store, text: &str, decision: &str, reason: &str) -> i64 {
    let question = NewQuestion {
        channel: "logochat".into(),
        text: text.into(),
        decision: decision.into(),
        reason: Some(reason.into()),
        top_faq_id: None,
        top_score: None,
    };
    store.record_question(&question).await.unwrap()
}

/// From a minute ago to a minute from now: everything a test just wrote.
fn around_now() -> Period {
    Period {
        from: Utc::now() - Duration::minutes(1),
        to: Utc::now() + Duration::minutes(1),
    }
}

/// Moves row `id` of `table` to `at`, as if it had been written then.
pub async fn backdate(url: &str, table: &str, column: &str, id: i64, at: DateTime<Utc>) {
    let sql = format!("UPDATE {table} SET {column} = $1 WHERE id = $2");
    let changed = if url.starts_with("sqlite:") {
        let mut conn = SqliteConnection::connect(url).await.unwrap();
        let sql = sql.replace('$', "?");
        let done = sqlx::query(&sql).bind(at).bind(id).execute(&mut conn).await;
        done.unwrap().rows_affected()
    } else {
        let mut conn = PgConnection::connect(url).await.unwrap();
        let done = sqlx::query(&sql).bind(at).bind(id).execute(&mut conn).await;
        done.unwrap().rows_affected()
    };
    assert_eq!(changed, 1);
}

fn counts(
    faq_id: &str,
    shown: i64,
    answered: i64,
    resolved: i64,
    unresolved: i64,
    escalated: i64,
) -> EntryCounts {
    EntryCounts {
        faq_id: faq_id.into(),
        shown,
        answered,
        resolved,
        unresolved,
        escalated,
    }
}

#[tokio::test]
async fn entry_statistics_count_showings_answers_feedback_and_escalations() {
    for db in backends().await {
        let s = &db.store;
        for (id, title) in [("vpn", "VPNにつながらない"), ("printer", "印刷できない")]
        {
            s.save_faq(&faq(id, title), "seed").await.unwrap();
        }
        // Offered both, chose vpn, said いいえ, then asked for a person: escalated after vpn.
        let a = conversation(s, "a").await;
        offer(s, &a, &["vpn", "printer"]).await;
        bot(s, &a, &[Some("vpn")]).await;
        feedback(s, &a, "vpn", false, None).await;
        bot(s, &a, &[None]).await;
        ticket(s, &a, "VPNが切れる").await;
        // Answered with printer, 解決した, later a ticket about something else.
        let b = conversation(s, "b").await;
        bot(s, &b, &[Some("printer")]).await;
        feedback(s, &b, "printer", true, None).await;
        ticket(s, &b, "共有フォルダに入れない").await;
        // Answered with printer, then a long exchange: the ticket is too far from it.
        let c = conversation(s, "c").await;
        bot(s, &c, &[Some("printer")]).await;
        bot(s, &c, &[None; 9]).await;
        ticket(s, &c, "メールが送れない").await;
        // A ticket without any answer before it counts for no entry.
        let d = conversation(s, "d").await;
        ticket(s, &d, "担当者").await;

        let got = s.entry_statistics(around_now()).await.unwrap();
        assert_eq!(
            got,
            [
                counts("printer", 3, 2, 1, 0, 0),
                counts("vpn", 2, 1, 0, 1, 1)
            ],
            "on {}",
            s.backend_name()
        );
        let last_year = Period {
            from: Utc::now() - Duration::days(400),
            to: Utc::now() - Duration::days(365),
        };
        assert_eq!(s.entry_statistics(last_year).await.unwrap(), []);
    }
}

#[tokio::test]
async fn unanswered_questions_are_no_matches_no_answers_and_tickets_newest_first() {
    for db in backends().await {
        let s = &db.store;
        s.save_faq(&faq("vpn", "VPNにつながらない"), "seed")
            .await
            .unwrap();
        let c = conversation(s, "a").await;
        let missed = question(s, "公用車の予約", "escalate", "no_match").await;
        question(s, "こんにちは", "escalate", "greeting").await;
        question(s, "VPNにつながらない", "answer", "confident").await;
        let asked = question(s, "VPN遅い", "suggest", "low_confidence").await;
        feedback(s, &c, "vpn", false, Some(asked)).await;
        feedback(s, &c, "vpn", true, Some(asked)).await;
        let opened = ticket(s, &c, "公用車の予約").await;
        let request = NewTicket {
            conversation_id: c.id,
            channel: "logochat".into(),
            subject: "アカウント申請".into(),
            transcript: "[]".into(),
            request_kind: Some("account".into()),
            ..NewTicket::default()
        };
        s.open_ticket(&request).await.unwrap();

        let got = s.unanswered_questions(around_now(), 100).await.unwrap();
        let seen: Vec<(GapKind, Option<i64>, Option<i64>, &str)> = got
            .iter()
            .map(|g| (g.kind, g.question_id, g.ticket_id, g.text.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                (GapKind::Escalated, None, Some(opened), "公用車の予約"),
                (GapKind::NotResolved, Some(asked), None, "VPN遅い"),
                (GapKind::NoMatch, Some(missed), None, "公用車の予約"),
            ],
            "on {}",
            s.backend_name()
        );
        assert!(got.windows(2).all(|w| w[0].at >= w[1].at));
        assert_eq!(
            s.unanswered_questions(around_now(), 1).await.unwrap().len(),
            1
        );
    }
}

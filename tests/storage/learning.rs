//! The learning loop's reports: per-entry statistics, unanswered questions, the dashboard's
//! counts and the questions by day, each one query on either backend.

use chrono::Duration;
use madoguchi::clock::Clock;
use madoguchi::domain::{Author, Channel};
use madoguchi::kb::FaqEntry;
use madoguchi::storage::{
    feedback as feedbacks, messages, sql, ConversationRow, EntryCounts, GapKind, NewFeedback,
    NewMessage, NewQuestion, NewTicket, Period,
};

use crate::conversations::conversation;
use crate::db::{backends, story_time, TestDb};

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

/// Moves the store's clock a second on: each action of a story happens after the last.
pub fn tick(db: &TestDb) {
    db.clock.set(db.clock.now() + Duration::seconds(1));
}

/// A turn of bot messages: `Some(id)` answers with entry `id`, `None` says something else.
async fn bot(db: &TestDb, c: &ConversationRow, answers: &[Option<&str>]) {
    tick(db);
    let mut tx = db.store.begin().await.unwrap();
    for faq_id in answers {
        let message = NewMessage {
            faq_id: faq_id.map(Into::into),
            ..NewMessage::outgoing(Author::Bot, "…".into())
        };
        messages::insert(&mut tx, c, &message).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn offer(db: &TestDb, c: &ConversationRow, offers: &[&str]) {
    tick(db);
    let message = NewMessage {
        offers: offers.iter().map(|s| s.to_string()).collect(),
        ..NewMessage::outgoing(Author::Bot, "もしかして".into())
    };
    let mut tx = db.store.begin().await.unwrap();
    messages::insert(&mut tx, c, &message).await.unwrap();
    tx.commit().await.unwrap();
}

async fn feedback(db: &TestDb, c: &ConversationRow, faq_id: &str, resolved: bool, q: Option<i64>) {
    tick(db);
    let feedback = NewFeedback {
        faq_id: faq_id.into(),
        conversation_id: c.id,
        question_id: q,
        resolved,
    };
    let mut tx = db.store.begin().await.unwrap();
    feedbacks::record(&mut tx, &feedback).await.unwrap();
    tx.commit().await.unwrap();
}

pub async fn ticket(db: &TestDb, c: &ConversationRow, subject: &str) -> i64 {
    tick(db);
    let ticket = NewTicket::new(c.id, Channel::LogoChat, subject);
    db.store.open_ticket(&ticket).await.unwrap()
}

pub async fn question(db: &TestDb, text: &str, decision: &str, reason: &str) -> i64 {
    tick(db);
    let question = NewQuestion {
        channel: "logochat".into(),
        text: text.into(),
        decision: decision.into(),
        reason: Some(reason.into()),
        top_faq_id: None,
        top_score: None,
    };
    db.store.record_question(&question).await.unwrap()
}

/// From a minute before the story starts to an hour into it: everything a test writes.
fn this_story() -> Period {
    Period {
        from: story_time() - Duration::minutes(1),
        to: story_time() + Duration::hours(1),
    }
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
        offer(&db, &a, &["vpn", "printer"]).await;
        bot(&db, &a, &[Some("vpn")]).await;
        feedback(&db, &a, "vpn", false, None).await;
        bot(&db, &a, &[None]).await;
        ticket(&db, &a, "VPNが切れる").await;
        // Answered with printer, 解決した, later a ticket about something else.
        let b = conversation(s, "b").await;
        bot(&db, &b, &[Some("printer")]).await;
        feedback(&db, &b, "printer", true, None).await;
        ticket(&db, &b, "共有フォルダに入れない").await;
        // Answered with printer, then a long exchange: the ticket is too far from it.
        let c = conversation(s, "c").await;
        bot(&db, &c, &[Some("printer")]).await;
        bot(&db, &c, &[None; 9]).await;
        ticket(&db, &c, "メールが送れない").await;
        // A ticket without any answer before it counts for no entry.
        let d = conversation(s, "d").await;
        ticket(&db, &d, "担当者").await;

        let got = s.entry_statistics(this_story()).await.unwrap();
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
            from: story_time() - Duration::days(400),
            to: story_time() - Duration::days(365),
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
        let missed = question(&db, "公用車の予約", "escalate", "no_match").await;
        question(&db, "こんにちは", "escalate", "greeting").await;
        question(&db, "VPNにつながらない", "answer", "confident").await;
        let asked = question(&db, "VPN遅い", "suggest", "low_confidence").await;
        feedback(&db, &c, "vpn", false, Some(asked)).await;
        feedback(&db, &c, "vpn", true, Some(asked)).await;
        let opened = ticket(&db, &c, "公用車の予約").await;
        // A request (a workflow's ticket) is not a question left unanswered. NewTicket
        // carries no request yet: the column is set directly.
        let request = ticket(&db, &c, "アカウント申請").await;
        let mut tx = s.begin().await.unwrap();
        let marked = sql("UPDATE tickets SET request_kind = $1 WHERE id = $2")
            .bind("account")
            .bind(request)
            .execute(&mut tx.conn())
            .await
            .unwrap();
        assert_eq!(marked, 1);
        tx.commit().await.unwrap();

        let got = s.unanswered_questions(this_story(), 100).await.unwrap();
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
        assert!(got.windows(2).all(|w| w[0].at > w[1].at));
        assert_eq!(got[2].at, story_time() + Duration::seconds(1));
        assert_eq!(
            s.unanswered_questions(this_story(), 1).await.unwrap().len(),
            1
        );
    }
}

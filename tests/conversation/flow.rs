//! The in-chat flow: answer, 解決しましたか, いいえ → other candidates, numbers, a person.

use madoguchi::domain::{Channel, TicketStatus};
use madoguchi::prompts::Prompt;

use crate::helpers::{desk, said};

#[tokio::test]
async fn an_answer_asks_whether_it_helped_and_はい_is_recorded() {
    let d = desk().await;
    let answered = d.logo("r1", "ＶＰＮつながらない").await;
    let reply = &answered.replies[0];
    assert_eq!(
        reply.faq_id.as_deref(),
        Some("telework-cannot-connect-home")
    );
    assert!(
        reply.text.ends_with("解決しましたか？（はい／いいえ）"),
        "{}",
        reply.text
    );
    let values: Vec<String> = reply.choices().into_iter().map(|c| c.value).collect();
    assert_eq!(values, ["はい", "いいえ"]);
    assert!(reply.html.as_deref().unwrap().contains("<ol>"));

    let thanks = d.logo("r1", "はい").await;
    assert_eq!(said(&thanks), d.helpdesk.prompts().text(Prompt::Resolved));
    let counts = d
        .helpdesk
        .store()
        .feedback_counts("telework-cannot-connect-home")
        .await
        .unwrap();
    assert_eq!((counts.resolved, counts.unresolved), (1, 0));
}

#[tokio::test]
async fn いいえ_offers_the_other_candidates_then_a_person() {
    let d = desk().await;
    d.logo("r1", "ＶＰＮつながらない").await;
    let others = d.logo("r1", "いいえ").await;
    let counts = d
        .helpdesk
        .store()
        .feedback_counts("telework-cannot-connect-home")
        .await
        .unwrap();
    assert_eq!((counts.resolved, counts.unresolved), (0, 1));
    let choices = others.replies[0].choices();
    assert!(choices.len() >= 2, "{choices:?}");
    let last = choices.last().unwrap();
    assert_eq!(last.label, d.helpdesk.prompts().text(Prompt::PersonChoice));
    assert_eq!(last.value, choices.len().to_string());
    assert!(
        !choices
            .iter()
            .any(|c| c.label.contains("自宅からリモートアクセス")),
        "the answer that did not help is not offered again: {choices:?}"
    );
    // 1 answers with the first other candidate and asks again.
    let first = d.logo("r1", "１").await;
    assert!(first.replies[0].faq_id.is_some());
    assert!(said(&first).contains(&choices[0].label));
    assert!(said(&first).contains("解決しましたか"));
    // いいえ again, then the last number: a person.
    let again = d.logo("r1", "いいえ").await;
    let n = again.replies[0].choices().len();
    let person = d.logo("r1", &n.to_string()).await;
    let ticket = person.conversation.ticket_id.expect("a ticket was opened");
    assert!(
        said(&person).contains(&format!("#{ticket}")),
        "{}",
        said(&person)
    );
}

#[tokio::test]
async fn a_suggestion_is_answered_by_number_and_a_wrong_number_asks_again() {
    let d = desk().await;
    let listed = d.logo("r1", "印刷できん").await;
    let choices = listed.replies[0].choices();
    assert!(
        choices.len() >= 2,
        "印刷できん is ambiguous: {}",
        said(&listed)
    );
    let wrong = d.logo("r1", "9").await;
    assert!(
        said(&wrong).contains(&format!("1〜{}", choices.len())),
        "{}",
        said(&wrong)
    );
    let picked = d.logo("r1", "2").await;
    assert!(
        said(&picked).starts_with(&choices[1].label),
        "{}",
        said(&picked)
    );
}

#[tokio::test]
async fn asking_for_a_person_escalates_at_once_with_the_transcript() {
    let d = desk().await;
    d.logo("r1", "パスワードを忘れた").await;
    let escalated = d.logo("r1", "人と話したい").await;
    let id = escalated.conversation.ticket_id.expect("ticket");
    let ticket = d.helpdesk.store().ticket(id).await.unwrap().unwrap();
    assert_eq!(ticket.status, TicketStatus::New);
    assert_eq!(ticket.channel, Channel::LogoChat);
    assert_eq!(
        ticket.staff_no.as_deref(),
        Some("10001"),
        "known from the LoGo id"
    );
    assert_eq!(ticket.requester_name.as_deref(), Some("沼津 太郎"));
    assert_eq!(
        ticket.subject, "パスワードを忘れた",
        "the question, not 人と話したい"
    );
    let transcript: serde_json::Value = serde_json::from_str(&ticket.transcript).unwrap();
    let texts: Vec<&str> = transcript
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts.first(), Some(&"パスワードを忘れた"));
    assert!(texts.contains(&"人と話したい"));
    // Asking again does not open a second ticket.
    let again = d.logo("r1", "担当者").await;
    assert_eq!(again.conversation.ticket_id, Some(id));
    assert!(said(&again).contains(&format!("#{id}")));
    assert_eq!(d.helpdesk.store().tickets(None, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn greetings_and_thanks_are_answered_politely_without_a_ticket() {
    let d = desk().await;
    let hello = d.logo("r1", "おはようございます").await;
    assert_eq!(said(&hello), d.helpdesk.prompts().text(Prompt::Greeting));
    assert!(hello.replies[0].choices().is_empty());
    let thanks = d.logo("r1", "ありがとう").await;
    assert_eq!(said(&thanks), d.helpdesk.prompts().text(Prompt::Thanks));
    assert!(d
        .helpdesk
        .store()
        .tickets(None, 10)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn nothing_found_offers_a_person_and_はい_escalates() {
    let d = desk().await;
    let none = d.logo("r1", "住民票の写しを郵送で請求する方法").await;
    assert_eq!(
        said(&none),
        d.helpdesk.prompts().text(Prompt::NotUnderstood)
    );
    let rephrase = d.logo("r1", "いいえ").await;
    assert_eq!(said(&rephrase), d.helpdesk.prompts().text(Prompt::Rephrase));
    d.logo("r1", "住民票の写しを郵送で請求する方法").await;
    let yes = d.logo("r1", "はい").await;
    let id = yes.conversation.ticket_id.expect("ticket");
    let ticket = d.helpdesk.store().ticket(id).await.unwrap().unwrap();
    assert_eq!(ticket.subject, "住民票の写しを郵送で請求する方法");
}

#[tokio::test]
async fn an_anonymous_staff_member_is_asked_for_a_number_first() {
    let d = desk().await;
    let token = madoguchi::conversation::new_token();
    let ask = d.widget(&token, "担当者と話したい").await;
    assert_eq!(said(&ask), d.helpdesk.prompts().text(Prompt::AskIdentity));
    assert_eq!(ask.conversation.ticket_id, None);
    let retry = d.widget(&token, "わかりません").await;
    assert_eq!(
        said(&retry),
        d.helpdesk.prompts().text(Prompt::IdentityRetry)
    );
    let done = d.widget(&token, "内線１２３４です").await;
    let id = done.conversation.ticket_id.expect("ticket");
    let ticket = d.helpdesk.store().ticket(id).await.unwrap().unwrap();
    assert_eq!(ticket.staff_no.as_deref(), Some("10001"), "found by 内線");
    assert_eq!(ticket.contact.as_deref(), Some("内線１２３４です"));
    // やめる instead of a number: nothing is opened.
    let other = madoguchi::conversation::new_token();
    d.widget(&other, "オペレーター").await;
    let cancelled = d.widget(&other, "やめる").await;
    assert_eq!(
        said(&cancelled),
        d.helpdesk.prompts().text(Prompt::Cancelled)
    );
    assert_eq!(cancelled.conversation.ticket_id, None);
}

#[tokio::test]
async fn a_redelivered_message_is_answered_once() {
    let d = desk().await;
    let incoming = madoguchi::conversation::Incoming {
        channel: madoguchi::conversation::Channel::LogoChat,
        room: "r1".into(),
        user_ref: "logo-taro".into(),
        user_name: None,
        identity: madoguchi::conversation::Identity::LogoChatId("logo-taro".into()),
        message_id: Some("m-1".into()),
        text: "ＶＰＮつながらない".into(),
    };
    let first = d
        .helpdesk
        .conversations()
        .receive(incoming.clone())
        .await
        .unwrap();
    let count = d.helpdesk.store().message_count().await.unwrap();
    let questions = d.helpdesk.store().question_count().await.unwrap();
    let second = d.helpdesk.conversations().receive(incoming).await.unwrap();
    assert!(second.duplicate && !first.duplicate);
    assert_eq!(second.replies, first.replies);
    assert_eq!(d.helpdesk.store().message_count().await.unwrap(), count);
    assert_eq!(
        d.helpdesk.store().question_count().await.unwrap(),
        questions
    );
}

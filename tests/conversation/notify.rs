//! Operators hear of a new escalation in their LoGoチャット room and by e-mail, through
//! the outbox: a real SMTP server receives the mail, a local HTTP receiver the room notice.

use madoguchi::domain::{OutboxRoute, OutboxStatus};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use madoguchi::config::{Secret, Settings};
use madoguchi::storage::OutboxItem;
use mail_parser::MessageParser;

use crate::helpers::{desk_with, said, ticket_in, Desk};
use crate::outbox::{receiver, Received};
use crate::smtp::SmtpServer;

const OPERATORS: [&str; 2] = ["ops1@example.lg.jp", "ops2@example.lg.jp"];

/// E-mail notices through the SMTP server on `port` (STARTTLS not required).
fn mail_to(s: &mut Settings, port: u16) {
    s.notify.console_base_url = Some("http://console.example/".into());
    s.notify.smtp.host = Some("127.0.0.1".into());
    s.notify.smtp.port = port;
    s.notify.smtp.from = Some("窓口 <helpdesk@example.lg.jp>".into());
    s.notify.smtp.to = OPERATORS.iter().map(|a| a.to_string()).collect();
}

/// 沼津 太郎 (ICT推進課) asks, is not helped, and asks for a person: returns the ticket.
async fn escalate(d: &Desk) -> i64 {
    d.logo("room-7", "ＶＰＮつながらない").await;
    d.logo("room-7", "いいえ").await;
    let handled = d.logo("room-7", "担当者").await;
    ticket_in(&said(&handled))
}

/// Runs the outbox once, at the desk clock's time.
async fn deliver(d: &Desk) -> usize {
    d.helpdesk.outbox().deliver_due().await.unwrap()
}

async fn outbox(d: &Desk) -> Vec<OutboxItem> {
    d.helpdesk.store().outbox(None, 10).await.unwrap()
}

#[tokio::test]
async fn a_new_escalation_is_mailed_to_the_operators_with_a_japanese_subject() {
    let server = SmtpServer::start().await;
    let d = desk_with(|s| mail_to(s, server.addr.port())).await;
    let id = escalate(&d).await;
    assert_eq!(deliver(&d).await, 1);

    let mails = server.received();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].from, "helpdesk@example.lg.jp");
    assert_eq!(mails[0].to, OPERATORS);
    let raw = &mails[0].raw;
    let headers = &raw[..raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap()];
    assert!(headers.is_ascii(), "headers are RFC 2047 encoded");
    let mail = MessageParser::default().parse(raw).unwrap();
    assert_eq!(
        mail.subject(),
        Some(format!("[窓口] 新しい問い合わせ 受付番号 #{id}: ＶＰＮつながらない").as_str())
    );
    let body = mail.body_text(0).unwrap();
    for part in [
        format!("受付番号: #{id}"),
        "質問: ＶＰＮつながらない".into(),
        "窓口: LoGoチャット".into(),
        "所属: ICT推進課".into(),
        // Asked Thursday 10:00: one business hour.
        "初回対応の期限: 11月26日(木) 11:00".into(),
        format!("http://console.example/operator/tickets/{id}"),
    ] {
        assert!(body.contains(&part), "{part} missing from {body}");
    }
    let subject = mail.subject().unwrap();
    for personal in ["沼津", "taro@", "1234", "logo-taro"] {
        assert!(
            !body.contains(personal) && !subject.contains(personal),
            "{personal}"
        );
    }
    assert_eq!(outbox(&d).await[0].status, OutboxStatus::Delivered);
}

#[tokio::test]
async fn a_notice_waits_for_a_mail_server_that_is_down_and_is_delivered_once() {
    // A port that nothing listens on yet.
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let d = desk_with(|s| mail_to(s, port)).await;
    escalate(&d).await;
    assert_eq!(deliver(&d).await, 1);
    let item = &outbox(&d).await[0];
    assert_eq!((item.status, item.attempts), (OutboxStatus::Pending, 1));
    assert!(
        item.last_error.as_deref().unwrap().starts_with("SMTP"),
        "{item:?}"
    );
    assert!(
        item.next_attempt_at > d.helpdesk.now(),
        "retried later, not now"
    );

    let server = SmtpServer::start_on(port).await;
    // Before its retry time nothing is tried; after it, the notice goes out.
    d.clock
        .set(item.next_attempt_at - chrono::Duration::milliseconds(1));
    let early = d.helpdesk.outbox().deliver_due().await;
    assert_eq!(early.unwrap(), 0);
    d.clock.set(item.next_attempt_at);
    assert_eq!(d.helpdesk.outbox().deliver_due().await.unwrap(), 1);
    assert_eq!(deliver(&d).await, 0);
    assert_eq!(server.received().len(), 1);
    let item = &outbox(&d).await[0];
    assert_eq!((item.status, item.attempts), (OutboxStatus::Delivered, 2));
}

#[tokio::test]
async fn a_required_starttls_is_never_skipped() {
    // The test server does not offer STARTTLS: nothing may be sent in the clear.
    let server = SmtpServer::start().await;
    let d = desk_with(|s| {
        mail_to(s, server.addr.port());
        s.notify.smtp.require_starttls = true;
    })
    .await;
    escalate(&d).await;
    assert_eq!(deliver(&d).await, 1);
    assert!(server.received().is_empty());
    let item = &outbox(&d).await[0];
    assert_eq!(item.status, OutboxStatus::Pending);
    assert!(
        item.last_error.as_deref().unwrap().contains("STARTTLS"),
        "{item:?}"
    );
}

#[tokio::test]
async fn escalation_answers_at_once_while_the_mail_server_hangs() {
    // Accepts connections (the kernel's backlog) and never says a word.
    let hung = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let d = desk_with(|s| mail_to(s, hung.local_addr().unwrap().port())).await;
    let replied = tokio::time::timeout(Duration::from_secs(5), escalate(&d)).await;
    let id = replied.expect("the staff member's reply is not held up by the mail server");
    let item = &outbox(&d).await[0];
    assert_eq!(
        (item.route, item.status),
        (OutboxRoute::Mail, OutboxStatus::Pending)
    );
    assert!(item.payload.contains(&format!("#{id}")));
}

#[tokio::test]
async fn nothing_is_queued_when_notices_are_off() {
    let d = desk_with(|_| {}).await;
    escalate(&d).await;
    assert!(outbox(&d).await.is_empty());
}

#[tokio::test]
async fn the_operators_room_hears_of_a_new_escalation_signed_at_its_own_url() {
    let room = Arc::new(Mutex::new(Received::default()));
    let staff = Arc::new(Mutex::new(Received::default()));
    let room_url = receiver(room.clone()).await;
    let staff_url = receiver(staff.clone()).await;
    let d = desk_with(|s| {
        s.logochat.outgoing_url = Some(staff_url);
        s.logochat.signing_secret = Some(Secret("k".into()));
        s.notify.console_base_url = Some("https://madoguchi.city.example.lg.jp".into());
        s.notify.logochat_room = Some("room-ict-operators".into());
        s.notify.logochat_url = Some(room_url);
    })
    .await;
    let id = escalate(&d).await;
    assert_eq!(deliver(&d).await, 1);

    assert!(staff.lock().unwrap().bodies.is_empty());
    let r = room.lock().unwrap();
    assert_eq!(r.bodies.len(), 1);
    let body = &r.bodies[0];
    // The body documented in integrations/logochat/README.md, for this ticket.
    let documented = crate::logochat::fixture("operators-notice").to_string();
    let documented = documented
        .replace("#12", &format!("#{id}"))
        .replace("/tickets/12", &format!("/tickets/{id}"));
    assert_eq!(
        body,
        &serde_json::from_str::<serde_json::Value>(&documented).unwrap()
    );
    let text = body["text"].as_str().unwrap();
    assert!(!text.contains("沼津") && !text.contains("1234"), "{text}");
    let headers = &r.headers[0];
    let timestamp: i64 = headers["x-madoguchi-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let raw = serde_json::to_string(body).unwrap();
    let expected = madoguchi::channels::logochat::auth::sign("k", timestamp, raw.as_bytes());
    assert_eq!(headers["x-madoguchi-signature"], expected.as_str());
    assert_eq!(headers["x-madoguchi-token"], crate::helpers::LOGO_TOKEN);
    assert!(headers.contains_key("x-madoguchi-delivery"));
}

/// A recipient the mail server refuses for good (550): the item fails at once, so the
/// next item of the same room is not kept waiting behind its retries, and the reason
/// kept (and logged) is the reply's code, not its text, which names the address.
#[tokio::test]
async fn a_permanent_refusal_fails_at_once_without_the_address_and_the_room_goes_on() {
    use madoguchi::domain::OutboxKind;
    use madoguchi::storage::{outbox as queue, Delivery, NewOutboxItem};

    let server = SmtpServer::start().await;
    let d = desk_with(|s| mail_to(s, server.addr.port())).await;
    let mut tx = d.helpdesk.store().begin().await.unwrap();
    for to in ["unknown.person@example.lg.jp", "kazoku@example.lg.jp"] {
        let item = NewOutboxItem {
            kind: OutboxKind::Request,
            route: OutboxRoute::Mail,
            room: "request-notices".into(),
            recipient: Some(to.into()),
            delivery: Delivery {
                text: "申請を受け付けました。".into(),
                subject: Some("【申請】受付".into()),
            },
        };
        queue::push(&mut tx, &item, None).await.unwrap();
    }
    tx.commit().await.unwrap();

    assert_eq!(deliver(&d).await, 1, "one item of the room at a time");
    let refused = outbox(&d)
        .await
        .into_iter()
        .find(|i| i.recipient.as_deref() == Some("unknown.person@example.lg.jp"))
        .unwrap();
    assert_eq!(
        (refused.status, refused.attempts),
        (OutboxStatus::Failed, 1)
    );
    let reason = refused.last_error.unwrap();
    assert_eq!(reason, "SMTP: permanent error (550)");
    assert!(!reason.contains("unknown.person"), "{reason}");
    // The room's next item goes ahead at once.
    assert_eq!(deliver(&d).await, 1);
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, ["kazoku@example.lg.jp"]);
}

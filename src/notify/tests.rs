use chrono::TimeZone;

use super::*;
use crate::config::{ConfigError, Secret, Settings};
use crate::prompts::{Prompt, Prompts};
use crate::storage::{Delivery, OutboxItem};

fn load(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    Settings::load(None, |k| {
        vars.iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| (*v).to_owned())
    })
}

const MAIL_ON: &[(&str, &str)] = &[
    (
        "MADOGUCHI_NOTIFY_CONSOLE_BASE_URL",
        "https://madoguchi.example.lg.jp/",
    ),
    ("MADOGUCHI_NOTIFY_SMTP_HOST", "smtp.example.lg.jp"),
    ("MADOGUCHI_NOTIFY_SMTP_PORT", "587"),
    (
        "MADOGUCHI_NOTIFY_SMTP_FROM",
        "窓口 <helpdesk@example.lg.jp>",
    ),
    (
        "MADOGUCHI_NOTIFY_SMTP_TO",
        "ops1@example.lg.jp, 運用 <ops2@example.lg.jp>",
    ),
    ("MADOGUCHI_NOTIFY_SMTP_USERNAME", "madoguchi"),
    ("MADOGUCHI_NOTIFY_SMTP_PASSWORD", "s3cret-pass"),
    ("MADOGUCHI_NOTIFY_SMTP_REQUIRE_STARTTLS", "true"),
];

#[test]
fn notices_are_off_without_settings() {
    let s = load(&[]).unwrap();
    assert!(!s.notify.room_notices() && !s.notify.mail_notices());
    assert_eq!(s.notify.smtp.port, 25);
}

#[test]
fn mail_settings_come_from_the_environment_and_the_password_never_prints() {
    let s = load(MAIL_ON).unwrap();
    let smtp = &s.notify.smtp;
    assert!(s.notify.mail_notices() && !s.notify.room_notices());
    assert_eq!(smtp.port, 587);
    assert_eq!(smtp.to, ["ops1@example.lg.jp", "運用 <ops2@example.lg.jp>"]);
    assert!(smtp.require_starttls);
    assert_eq!(smtp.password, Some(Secret("s3cret-pass".into())));
    assert!(!format!("{s:?}").contains("s3cret-pass"));
    assert_eq!(
        s.notify.ticket_link(12),
        "https://madoguchi.example.lg.jp/operator/tickets/12"
    );
}

#[test]
fn settings_in_the_file_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.toml");
    std::fs::write(
        &file,
        "[logochat]\noutgoing_url = \"http://relay.example/out\"\n\
         [notify]\nconsole_base_url = \"http://console.example\"\nlogochat_room = \"ops\"\n\
         [notify.smtp]\nhost = \"mail.example\"\nfrom = \"a@example.lg.jp\"\n\
         to = [\"b@example.lg.jp\"]\n",
    )
    .unwrap();
    let s = Settings::load(Some(&file), |_| None).unwrap();
    assert!(s.notify.room_notices() && s.notify.mail_notices());
    assert_eq!(s.notify.logochat_room.as_deref(), Some("ops"));
    assert_eq!(s.notify.smtp.to, ["b@example.lg.jp"]);
}

#[test]
fn bad_notice_settings_are_refused_naming_the_setting() {
    let with = |name: &'static str, value: &'static str| {
        let mut vars: Vec<(&str, &str)> = MAIL_ON
            .iter()
            .filter(|(n, _)| *n != name)
            .copied()
            .collect();
        vars.push((name, value));
        load(&vars).unwrap_err().to_string()
    };
    let cases = [
        (
            "MADOGUCHI_NOTIFY_SMTP_TO",
            "ops1@example.lg.jp, not-an-address",
            "MADOGUCHI_NOTIFY_SMTP_TO",
        ),
        (
            "MADOGUCHI_NOTIFY_SMTP_FROM",
            "helpdesk",
            "MADOGUCHI_NOTIFY_SMTP_FROM",
        ),
        (
            "MADOGUCHI_NOTIFY_SMTP_PORT",
            "smtp",
            "MADOGUCHI_NOTIFY_SMTP_PORT",
        ),
        (
            "MADOGUCHI_NOTIFY_SMTP_PORT",
            "0",
            "MADOGUCHI_NOTIFY_SMTP_PORT",
        ),
        (
            "MADOGUCHI_NOTIFY_SMTP_HOST",
            "smtp://x",
            "MADOGUCHI_NOTIFY_SMTP_HOST",
        ),
        (
            "MADOGUCHI_NOTIFY_SMTP_REQUIRE_STARTTLS",
            "maybe",
            "REQUIRE_STARTTLS",
        ),
        (
            "MADOGUCHI_NOTIFY_CONSOLE_BASE_URL",
            "madoguchi.local",
            "MADOGUCHI_NOTIFY_CONSOLE_BASE_URL",
        ),
    ];
    for (name, value, named) in cases {
        let err = with(name, value);
        assert!(err.contains(named), "{name}={value:?}: {err}");
    }
    let without = |name: &str| {
        let vars: Vec<(&str, &str)> = MAIL_ON
            .iter()
            .filter(|(n, _)| *n != name)
            .copied()
            .collect();
        load(&vars).unwrap_err().to_string()
    };
    assert!(without("MADOGUCHI_NOTIFY_SMTP_FROM").contains("MADOGUCHI_NOTIFY_SMTP_FROM"));
    assert!(without("MADOGUCHI_NOTIFY_SMTP_TO").contains("MADOGUCHI_NOTIFY_SMTP_TO"));
    assert!(without("MADOGUCHI_NOTIFY_SMTP_PASSWORD").contains("MADOGUCHI_NOTIFY_SMTP_PASSWORD"));
    assert!(without("MADOGUCHI_NOTIFY_CONSOLE_BASE_URL").contains("console_base_url"));
}

#[test]
fn a_room_without_any_url_to_post_to_is_refused() {
    let room = [
        (
            "MADOGUCHI_NOTIFY_CONSOLE_BASE_URL",
            "http://console.example",
        ),
        ("MADOGUCHI_NOTIFY_LOGOCHAT_ROOM", "room-ops"),
    ];
    let err = load(&room).unwrap_err().to_string();
    assert!(err.contains("MADOGUCHI_NOTIFY_LOGOCHAT_URL"), "{err}");
    let mut with_url = room.to_vec();
    with_url.push((
        "MADOGUCHI_LOGOCHAT_OUTGOING_URL",
        "http://relay.example/out",
    ));
    assert!(load(&with_url).unwrap().notify.room_notices());
}

fn notice(subject: &str, department: Option<&str>) -> EscalationNotice {
    let due = chrono::Utc.with_ymd_and_hms(2026, 11, 26, 2, 0, 0).unwrap();
    EscalationNotice::new(
        &Prompts::bundled(),
        12,
        subject,
        crate::domain::Channel::LogoChat,
        department,
        Some(due),
        "http://console.example/operator/tickets/12".into(),
    )
}

#[test]
fn a_notice_names_the_ticket_question_channel_department_due_time_and_link() {
    let prompts = Prompts::bundled();
    let n = notice("VPNにつながらない", Some("ICT推進課"));
    for text in [n.room_text(&prompts), n.mail_body(&prompts)] {
        for part in [
            "#12",
            "VPNにつながらない",
            "LoGoチャット",
            "ICT推進課",
            "11月26日(木) 11:00",
            "http://console.example/operator/tickets/12",
        ] {
            assert!(text.contains(part), "{part} missing from {text}");
        }
    }
    let unknown = notice("VPN", None);
    assert_eq!(
        unknown.department,
        prompts.text(Prompt::NotifyDepartmentUnknown)
    );
}

#[test]
fn the_mail_subject_stays_on_one_line_whatever_the_question_holds() {
    let n = notice("印刷できない\r\nBcc: someone@example.com", Some("税務課"));
    let subject = n.mail_subject(&Prompts::bundled());
    assert!(!subject.contains(['\r', '\n']), "{subject:?}");
    assert!(subject.contains("#12") && subject.contains("印刷できない Bcc:"));
}

#[test]
fn a_mail_keeps_its_message_id_and_date_across_retries_and_encodes_the_subject() {
    let settings = load(MAIL_ON).unwrap().notify.smtp;
    let created = chrono::Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap();
    let delivery = Delivery {
        subject: Some("[窓口] 受付番号 #12".into()),
        text: "本文".into(),
    };
    let item = OutboxItem {
        id: 7,
        kind: crate::domain::OutboxKind::Escalation,
        route: crate::domain::OutboxRoute::Mail,
        room: MAIL_ROOM.into(),
        recipient: None,
        message_id: None,
        payload: serde_json::to_string(&delivery).unwrap(),
        status: crate::domain::OutboxStatus::Pending,
        attempts: 0,
        next_attempt_at: created,
        last_error: None,
        created_at: created,
        delivered_at: None,
    };
    let first = String::from_utf8(
        crate::adapters::mail::message(&settings, &item, &delivery)
            .unwrap()
            .formatted(),
    )
    .unwrap();
    let again = String::from_utf8(
        crate::adapters::mail::message(&settings, &item, &delivery)
            .unwrap()
            .formatted(),
    )
    .unwrap();
    assert_eq!(first, again);
    assert!(
        first.contains("Message-ID: <madoguchi.outbox.7."),
        "{first}"
    );
    assert!(first.contains("@example.lg.jp>"), "{first}");
    assert!(first.contains("Subject: =?utf-8?"), "{first}");
    assert!(first.contains("Date: Thu, 26 Nov 2026 01:00:00"), "{first}");
}

#[test]
fn a_mail_for_one_person_goes_to_that_person_only() {
    let settings = load(MAIL_ON).unwrap().notify.smtp;
    let created = chrono::Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap();
    let delivery = Delivery {
        subject: Some("【申請 R-1】メールアカウント".into()),
        text: "承認されました。".into(),
    };
    let mut item = OutboxItem {
        id: 8,
        kind: crate::domain::OutboxKind::Request,
        route: crate::domain::OutboxRoute::Mail,
        room: "request-1".into(),
        recipient: Some("taro@city.numazu.lg.jp".into()),
        message_id: None,
        payload: serde_json::to_string(&delivery).unwrap(),
        status: crate::domain::OutboxStatus::Pending,
        attempts: 0,
        next_attempt_at: created,
        last_error: None,
        created_at: created,
        delivered_at: None,
    };
    let mail = crate::adapters::mail::message(&settings, &item, &delivery).unwrap();
    let to: Vec<String> = mail.envelope().to().iter().map(|a| a.to_string()).collect();
    assert_eq!(to, ["taro@city.numazu.lg.jp"]);
    item.recipient = Some("not an address\r\nBcc: x@example.com".into());
    assert!(crate::adapters::mail::message(&settings, &item, &delivery).is_err());
}

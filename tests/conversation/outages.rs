//! Outages in the chat, through both channels' HTTP entry points (the LoGoチャット webhook
//! and the widget's chat API): while an outage for メール is ongoing, 「メールが送れない」
//! (and 「ﾒｰﾙが送れない」) gets its notice first and the conversation is linked to it; a
//! person asked for is attached to the outage, no ticket each; an operator's reply reaches
//! everyone linked, and closing it tells each 「メールの障害は復旧しました」 in the channel
//! they used (the outbox for LoGoチャット, the conversation for the widget).

use madoguchi::domain::{OutageState, OutboxRoute};
use madoguchi::outages::{Declaration, OutageError};
use serde_json::json;

use axum::http::StatusCode;

use crate::helpers::{
    assert_refused, desk, desk_with, json_post, operator_get, operator_post, Desk, LOGO_TOKEN,
};

#[derive(Clone, Copy, Debug)]
enum Via {
    LogoChat,
    Widget,
}

/// One staff member's conversation: a LoGo room, or a widget conversation token.
struct Line {
    via: Via,
    room: String,
    sent: usize,
}

impl Line {
    fn new(via: Via, room: &str) -> Self {
        Self {
            via,
            room: room.to_owned(),
            sent: 0,
        }
    }

    /// Sends `text` through the channel's HTTP entry point; the replies, joined.
    async fn say(&mut self, d: &Desk, text: &str) -> String {
        self.sent += 1;
        let id = format!("{}-{}", self.room, self.sent);
        let (request, widget) = match self.via {
            Via::LogoChat => {
                let body = json!({"message_id": id, "room_id": self.room,
                    "user_id": "logo-taro", "user_name": "沼津 太郎", "text": text});
                let request = axum::http::Request::post("/integrations/logochat/webhook")
                    .header("content-type", "application/json")
                    .header("x-madoguchi-token", LOGO_TOKEN)
                    .body(axum::body::Body::from(body.to_string()))
                    .unwrap();
                (request, false)
            }
            Via::Widget => {
                let mut body = json!({"message_id": id, "text": text});
                if self.sent > 1 {
                    body["conversation"] = json!(self.room);
                }
                (json_post("/api/v1/chat", &body), true)
            }
        };
        let (status, reply) = d.http(request).await;
        assert!(status.is_success(), "{status} {reply}");
        if !widget {
            return reply["text"].as_str().unwrap_or_default().to_owned();
        }
        self.room = reply["conversation"].as_str().unwrap().to_owned();
        let texts: Vec<&str> = reply["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["text"].as_str())
            .collect();
        texts.join("\n")
    }

    /// What the staff member received after their last message: LoGo messages queued
    /// in the outbox for the room, widget messages read back through the chat API.
    async fn received(&self, d: &Desk) -> Vec<String> {
        match self.via {
            Via::LogoChat => {
                let items = d.helpdesk.store().outbox(None, 100).await.unwrap();
                items
                    .iter()
                    .rev()
                    .filter(|i| i.room == self.room && i.route == OutboxRoute::LogoChat)
                    .map(|i| i.delivery().unwrap().text)
                    .collect()
            }
            Via::Widget => {
                let uri = format!("/api/v1/chat/{}/messages?after=0", self.room);
                let request = axum::http::Request::get(uri)
                    .body(axum::body::Body::empty())
                    .unwrap();
                let (status, body) = d.http(request).await;
                assert!(status.is_success(), "{status} {body}");
                body["messages"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|m| m["author"] != "staff")
                    .filter_map(|m| m["text"].as_str().map(str::to_owned))
                    .collect()
            }
        }
    }
}

fn mail_outage() -> Declaration {
    Declaration {
        title: "メールサーバ障害（送信不可）".into(),
        systems: "メール".into(),
        vendor: Some("○○通信".into()),
        vendor_ticket: Some("INC-4711".into()),
        ..Declaration::default()
    }
}

const NOTICE: &str = "現在、メールで障害が発生しています。復旧作業中です（10時00分現在）。";
const RECOVERED: &str = "メールの障害は復旧しました。";
const ANSWERED: &str = "解決しましたか？";

async fn tickets(d: &Desk) -> usize {
    d.helpdesk.store().tickets(None, 50).await.unwrap().len()
}

async fn an_outage_is_told_linked_replied_to_and_closed(via: Via) {
    let d = desk().await;
    let outages = d.helpdesk.outages();
    let outage = outages.declare(&mail_outage(), "sato").await.unwrap();
    assert_eq!(outage.state, OutageState::Ongoing);

    let mut first = Line::new(via, "room-mail-1");
    let said = first.say(&d, "メールが送れない").await;
    assert!(said.starts_with(NOTICE), "{via:?} {said}");
    assert!(said.contains("メールサーバ障害（送信不可）"), "{said}");
    assert!(
        !said.contains(ANSWERED),
        "the notice, not an FAQ answer: {said}"
    );

    // Half-width kana, another staff member; then a person asked for: attached, no ticket.
    let mut second = Line::new(via, "room-mail-2");
    let said = second.say(&d, "ﾒｰﾙが送れない").await;
    assert!(said.starts_with(NOTICE), "{via:?} {said}");
    let said = second.say(&d, "担当者と話したい").await;
    assert!(
        said.contains("障害について、担当者が対応しています"),
        "{via:?} {said}"
    );
    assert_eq!(tickets(&d).await, 0, "no ticket per chat during the outage");

    // Something else is answered as always.
    let mut other = Line::new(via, "room-vpn");
    let said = other.say(&d, "ＶＰＮつながらない").await;
    assert!(said.contains(ANSWERED), "{via:?} {said}");
    assert!(!said.contains("障害"), "{said}");

    // A third staff member, told of the outage, then asks about something else and wants
    // a person for it: a ticket of its own, not filed under the mail outage.
    let mut third = Line::new(via, "room-mail-3");
    let said = third.say(&d, "メールが送れない").await;
    assert!(said.starts_with(NOTICE), "{via:?} {said}");
    let said = third.say(&d, "ＶＰＮつながらない").await;
    assert!(said.contains(ANSWERED), "{via:?} {said}");
    let said = third.say(&d, "担当者と話したい").await;
    assert!(!said.contains("障害について"), "{via:?} {said}");
    if matches!(via, Via::Widget) {
        assert!(said.contains("職員番号または内線番号"), "{said}");
        let said = third.say(&d, "内線 1234").await;
        assert!(said.contains("受付番号"), "{said}");
    } else {
        assert!(said.contains("受付番号"), "{said}");
    }
    assert_eq!(
        tickets(&d).await,
        1,
        "{via:?}: the VPN question has its ticket"
    );

    let view = outages.view(outage.id, "sato").await.unwrap();
    assert_eq!(view.links.len(), 3, "{:?}", view.links);
    assert_eq!(
        view.links.iter().filter(|l| l.escalated).count(),
        1,
        "{:?}",
        view.links
    );

    // A timeline note moves the notice's time.
    d.clock
        .set(d.helpdesk.now() + chrono::Duration::minutes(35));
    outages
        .note(outage.id, "業者が原因を調査中", "sato")
        .await
        .unwrap();
    let said = first.say(&d, "メールが届かない").await;
    assert!(said.contains("（10時35分現在）"), "{via:?} {said}");

    // One reply reaches everyone linked, once each.
    let told = outages
        .reply_all(outage.id, "メールサーバを再起動しています。", "sato")
        .await
        .unwrap();
    assert_eq!(told, 3);
    for line in [&first, &second] {
        let got = line.received(&d).await;
        let replies = got
            .iter()
            .filter(|t| t.contains("メールサーバを再起動しています"))
            .count();
        assert_eq!(replies, 1, "{via:?} {got:?}");
    }
    assert!(!other
        .received(&d)
        .await
        .iter()
        .any(|t| t.contains("メールサーバを再起動しています")));

    // Closing tells everyone linked, in their channel; the bot answers mail again.
    let told = outages
        .close(
            outage.id,
            Some("ディスク障害"),
            Some("ディスク交換"),
            "sato",
        )
        .await
        .unwrap();
    assert_eq!(told, 3);
    for line in [&first, &second] {
        let got = line.received(&d).await;
        assert!(
            got.iter().any(|t| t.starts_with(RECOVERED)),
            "{via:?} {got:?}"
        );
    }
    assert!(!other
        .received(&d)
        .await
        .iter()
        .any(|t| t.contains(RECOVERED)));
    let said = first.say(&d, "メールが送れない").await;
    assert!(!said.contains("障害が発生"), "{via:?} {said}");
    assert_eq!(tickets(&d).await, 1, "only the VPN question's");

    // Closing twice is refused, and tells nobody again.
    let outbox_before = d.helpdesk.store().outbox(None, 500).await.unwrap().len();
    let again = outages.close(outage.id, None, None, "sato").await;
    assert!(
        matches!(again, Err(OutageError::NotAllowed(_))),
        "{again:?}"
    );
    let outbox_after = d.helpdesk.store().outbox(None, 500).await.unwrap().len();
    assert_eq!(outbox_before, outbox_after);
}

#[tokio::test]
async fn an_outage_in_logochat() {
    an_outage_is_told_linked_replied_to_and_closed(Via::LogoChat).await;
}

#[tokio::test]
async fn an_outage_in_the_widget() {
    an_outage_is_told_linked_replied_to_and_closed(Via::Widget).await;
}

#[tokio::test]
async fn a_planned_stop_is_told_only_once_it_starts() {
    let d = desk().await;
    let outages = d.helpdesk.outages();
    let planned = outages
        .declare(
            &Declaration {
                title: "庁舎停電（法定点検）".into(),
                systems: "メール、ファイルサーバ".into(),
                planned: true,
                checklist: Some("ファイルサーバ停止\nメールサーバ停止\n復電後に起動確認".into()),
                ..Declaration::default()
            },
            "sato",
        )
        .await
        .unwrap();
    assert_eq!(planned.state, OutageState::Planned);
    assert_eq!(planned.checklist_steps().len(), 3);
    let mut line = Line::new(Via::LogoChat, "room-planned");
    let said = line.say(&d, "メールが送れない").await;
    assert!(!said.contains("障害が発生"), "not before it starts: {said}");
    // It starts a day late: dated by when it began, the plan's time in the timeline.
    d.clock.set(d.helpdesk.now() + chrono::Duration::days(1));
    let started = outages.start(planned.id, "sato").await.unwrap();
    assert_eq!(started.since, d.helpdesk.now());
    assert_ne!(started.since, planned.since);
    let view = outages.view(planned.id, "sato").await.unwrap();
    assert!(
        view.timeline
            .iter()
            .any(|t| t.note.starts_with("停止を開始（予定：")),
        "{:?}",
        view.timeline
    );
    let said = line.say(&d, "共有フォルダ ファイルサーバに入れない").await;
    assert!(
        said.starts_with("現在、メール・ファイルサーバで障害が発生しています"),
        "{said}"
    );
    let again = outages.start(planned.id, "sato").await;
    assert!(
        matches!(again, Err(OutageError::NotAllowed(_))),
        "{again:?}"
    );
}

#[tokio::test]
async fn the_operator_api_declares_and_closes_and_refuses_bad_input() {
    let d = desk().await;
    let count = |table: &'static str| {
        let statement = match table {
            "outages" => "SELECT COUNT(*) FROM outages",
            _ => "SELECT COUNT(*) FROM outbox",
        };
        let store = d.helpdesk.store().clone();
        async move {
            madoguchi::storage::sql(statement)
                .scalar::<i64>(&mut store.conn())
                .await
                .unwrap()
        }
    };
    assert_refused(
        &d,
        vec![
            (
                operator_post(
                    "/api/v1/outages",
                    &json!({"title": " ", "systems": ["メール"]}),
                ),
                StatusCode::BAD_REQUEST,
                "invalid",
            ),
            (
                operator_post(
                    "/api/v1/outages",
                    &json!({"title": "メール障害", "systems": []}),
                ),
                StatusCode::BAD_REQUEST,
                "invalid",
            ),
            (
                operator_post("/api/v1/outages/9/close", &json!({})),
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            // The operator goes into the audit log, the timeline and the staff's
            // messages: checked as in every API.
            (
                operator_post(
                    "/api/v1/outages",
                    &json!({"title": "メール障害", "systems": ["メール"],
                            "operator": format!("yamada\nroot{}", "x".repeat(200))}),
                ),
                StatusCode::BAD_REQUEST,
                "invalid_operator",
            ),
        ],
    )
    .await;
    assert_eq!(count("outages").await, 0);

    let body = json!({"title": "メール障害", "systems": ["メール"], "network": "lgwan",
        "vendor_ticket": "INC-1", "operator": "sato"});
    let (status, outage) = d.http(operator_post("/api/v1/outages", &body)).await;
    assert_eq!(status, StatusCode::CREATED, "{outage}");
    assert_eq!(outage["state"], "ongoing");
    let id = outage["id"].as_i64().unwrap();
    let mut line = Line::new(Via::LogoChat, "room-api");
    assert!(line.say(&d, "メールが送れない").await.starts_with(NOTICE));
    let (status, shown) = d.http(operator_get(&format!("/api/v1/outages/{id}"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown["links"].as_array().unwrap().len(), 1, "{shown}");

    let close = format!("/api/v1/outages/{id}/close");
    let (status, closed) = d
        .http(operator_post(&close, &json!({"cause": "停電"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(
        (closed["told"].as_i64(), &closed["outage"]["state"]),
        (Some(1), &json!("recovered"))
    );
    assert_eq!(count("outbox").await, 1);
    assert_refused(
        &d,
        vec![(
            operator_post(&close, &json!({})),
            StatusCode::CONFLICT,
            "not_allowed",
        )],
    )
    .await;
    assert_eq!(count("outbox").await, 1);
}

#[tokio::test]
async fn outages_are_reported_to_the_city_and_the_operators_at_once() {
    let d = desk_with(|s| {
        s.ledgers.city_contact.logochat_room = Some("room-ict".into());
        s.notify.logochat_room = Some("room-operators".into());
    })
    .await;
    let outages = d.helpdesk.outages();
    let reports = |room: &'static str| {
        let store = d.helpdesk.store().clone();
        async move {
            let items = store.outbox(None, 100).await.unwrap();
            items
                .iter()
                .rev()
                .filter(|i| i.room == room)
                .map(|i| i.delivery().unwrap().text)
                .collect::<Vec<_>>()
        }
    };
    let outage = outages.declare(&mail_outage(), "sato").await.unwrap();
    let city = reports("room-ict").await;
    assert_eq!(city.len(), 1, "{city:?}");
    assert!(
        city[0].starts_with("【障害発生】メールサーバ障害（送信不可）"),
        "{}",
        city[0]
    );
    assert!(city[0].contains("INC-4711"), "{}", city[0]);
    assert_eq!(reports("room-operators").await.len(), 1);
    outages
        .close(outage.id, Some("ディスク故障"), None, "sato")
        .await
        .unwrap();
    let city = reports("room-ict").await;
    assert_eq!(city.len(), 2, "{city:?}");
    assert!(city[1].starts_with("【障害復旧】"), "{}", city[1]);
    assert!(city[1].contains("原因: ディスク故障"), "{}", city[1]);

    // A planned stop called off: told as 中止 (not 復旧), with its reason; staff were
    // never told of it, and nothing more can be done with it.
    let planned = outages
        .declare(
            &Declaration {
                title: "庁舎停電（法定点検）".into(),
                systems: "メール".into(),
                planned: true,
                checklist: Some("メールサーバ停止".into()),
                ..Declaration::default()
            },
            "sato",
        )
        .await
        .unwrap();
    let before = reports("room-ict").await.len();
    let refused = outages.cancel(planned.id, "  ", "sato").await;
    assert!(
        matches!(refused, Err(OutageError::Invalid(_))),
        "{refused:?}"
    );
    assert_eq!(
        reports("room-ict").await.len(),
        before,
        "a refusal tells nobody"
    );
    let cancelled = outages
        .cancel(planned.id, "点検の延期", "sato")
        .await
        .unwrap();
    assert_eq!(cancelled.state, OutageState::Cancelled);
    assert_eq!(cancelled.recovered_at, None);
    let city = reports("room-ict").await;
    let told = city.last().unwrap();
    assert!(
        told.starts_with("【計画停止中止】庁舎停電（法定点検）"),
        "{told}"
    );
    assert!(told.contains("中止の理由: 点検の延期"), "{told}");
    assert!(!told.contains("停止・起動手順"), "{told}");
    assert_eq!(reports("room-operators").await.len(), city.len());
    for again in [
        outages.start(planned.id, "sato").await.map(|_| 0),
        outages.close(planned.id, None, None, "sato").await,
        outages
            .cancel(planned.id, "二度目", "sato")
            .await
            .map(|_| 0),
    ] {
        assert!(
            matches!(again, Err(OutageError::NotAllowed(_))),
            "{again:?}"
        );
    }
    // Not among the open ones.
    assert!(outages.ongoing().await.unwrap().is_empty());
    let view = outages.view(planned.id, "sato").await.unwrap();
    assert!(view.timeline.iter().any(|t| t.note == "中止：点検の延期"));
}

/// The report of `month` (`2026-11`).
async fn report_of(d: &Desk, month: &str) -> madoguchi::reports::MonthlyReport {
    let month = madoguchi::reports::Month::parse(month).unwrap();
    let span = madoguchi::reports::Span::month(month);
    d.helpdesk.reports().gather(span).await.unwrap()
}

#[tokio::test]
async fn the_monthly_report_lists_the_outages_with_cause_and_measures() {
    let d = desk().await;
    let outages = d.helpdesk.outages();
    let outage = outages.declare(&mail_outage(), "sato").await.unwrap();
    outages
        .close(
            outage.id,
            Some("ディスク故障"),
            Some("ディスク交換、監視追加"),
            "sato",
        )
        .await
        .unwrap();
    let report = report_of(&d, "2026-11").await;
    assert_eq!(report.outages.len(), 1);
    let html = madoguchi::reports::render_html(&report);
    for shown in [
        "メールサーバ障害（送信不可）",
        "ディスク故障",
        "ディスク交換、監視追加",
        "INC-4711",
    ] {
        assert!(html.contains(shown), "{shown} missing");
    }
    assert!(report_of(&d, "2026-12").await.outages.is_empty());
}

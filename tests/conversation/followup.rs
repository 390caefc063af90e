//! Messages the flow does not expect, and the conversation's open ticket, through both
//! channels' HTTP entry points (the LoGoチャット webhook and the widget's chat API):
//! content-free messages get the prompt fitting the state, never an FAQ answer; while a
//! ticket is open a message is added to it (the queue marks it) unless the bot can
//! answer it; 「まだですか」 shows the ticket's status and due time.

use madoguchi::prompts::{Prompt, Prompts};
use serde_json::json;

use crate::helpers::{desk, json_post, ticket_in, Desk, LOGO_TOKEN};

/// Which channel a test talks through.
#[derive(Clone, Copy, Debug)]
enum Via {
    LogoChat,
    Widget,
}

/// One staff member's conversation through a channel's HTTP entry point.
struct Chat<'d> {
    d: &'d Desk,
    via: Via,
    sent: usize,
    token: Option<String>,
}

impl<'d> Chat<'d> {
    fn new(d: &'d Desk, via: Via) -> Self {
        Self {
            d,
            via,
            sent: 0,
            token: None,
        }
    }

    /// Sends `text`; what the bot said (replies joined).
    async fn send(&mut self, text: &str) -> String {
        self.sent += 1;
        let id = format!("m{}", self.sent);
        match self.via {
            Via::LogoChat => {
                let body = json!({"message_id": id, "room_id": "room-followup",
                    "user_id": "logo-taro", "user_name": "沼津 太郎", "text": text});
                let request = axum::http::Request::post("/integrations/logochat/webhook")
                    .header("content-type", "application/json")
                    .header("x-madoguchi-token", LOGO_TOKEN)
                    .body(axum::body::Body::from(body.to_string()))
                    .unwrap();
                let (status, reply) = self.d.http(request).await;
                assert!(status.is_success(), "{status} {reply}");
                reply["text"].as_str().unwrap_or_default().to_owned()
            }
            Via::Widget => {
                let mut body = json!({"message_id": id, "text": text});
                if let Some(token) = &self.token {
                    body["conversation"] = json!(token);
                }
                let (status, reply) = self.d.http(json_post("/api/v1/chat", &body)).await;
                assert!(status.is_success(), "{status} {reply}");
                self.token = reply["conversation"].as_str().map(str::to_owned);
                reply["messages"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| m["text"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
                    .join("\n\n")
            }
        }
    }

    /// Asks for a person (the widget's anonymous staff member gives a 職員番号); the
    /// ticket's id.
    async fn escalate(&mut self) -> i64 {
        let mut said = self.send("担当者").await;
        if let Via::Widget = self.via {
            assert!(said.contains("職員番号"), "{said}");
            said = self.send("10001").await;
        }
        assert!(said.contains("受付番号は #"), "{said}");
        ticket_in(&said)
    }
}

/// Whether the queue marks ticket `id` as updated by the staff member.
async fn marked(d: &Desk, id: i64) -> bool {
    let ticket = d.helpdesk.store().ticket(id).await.unwrap().unwrap();
    ticket.updated_by_staff_at.is_some()
}

fn prompt(p: Prompt) -> String {
    Prompts::bundled().text(p)
}

const ANSWERED: &str = "解決しましたか？";

async fn content_free_messages_get_the_prompt_of_the_state(via: Via) {
    let d = desk().await;
    let mut chat = Chat::new(&d, via);
    for text in ["2", "あ", "？", "12", "はい", "いいえ"] {
        let said = chat.send(text).await;
        assert_eq!(said, prompt(Prompt::Unclear), "{via:?} {text}");
    }
    // After an answer: 解決しましたか？ is asked again.
    assert!(chat.send("ＶＰＮつながらない").await.contains(ANSWERED));
    let said = chat.send("2").await;
    assert_eq!(said, prompt(Prompt::FeedbackRetry), "{via:?}");
    assert!(chat.send("はい").await.contains("解決してよかった"));
    // After 「担当者へ：はい／聞き直す：いいえ」: 「2」 is not an answer either.
    let said = chat.send("ほげほげふがふが").await;
    assert!(said.contains("担当者へ：はい"), "{via:?} {said}");
    for text in ["2", "ア"] {
        let said = chat.send(text).await;
        assert_eq!(said, prompt(Prompt::ConfirmRetry), "{via:?} {text}");
    }
    // 「まだですか」 with no ticket.
    assert_eq!(chat.send("まだですか").await, prompt(Prompt::NoOpenTicket));
    assert_eq!(d.helpdesk.store().tickets(None, 10).await.unwrap().len(), 0);
}

#[tokio::test]
async fn content_free_messages_in_logochat() {
    content_free_messages_get_the_prompt_of_the_state(Via::LogoChat).await;
}

#[tokio::test]
async fn content_free_messages_in_the_widget() {
    content_free_messages_get_the_prompt_of_the_state(Via::Widget).await;
}

async fn an_open_ticket_collects_messages(via: Via) {
    let d = desk().await;
    let mut chat = Chat::new(&d, via);
    let id = chat.escalate().await;
    let store = d.helpdesk.store();

    // 「まだですか」: the status and the first-response due time (Thursday 10:00 + 1 h).
    let said = chat.send("まだですか？").await;
    assert_eq!(
        said,
        format!("受付番号 #{id} で担当者におつなぎしています。まだ担当者の確認待ちです（初回対応の期限：11月26日(木) 11:00）。"),
        "{via:?}"
    );
    assert!(!marked(&d, id).await);

    // A message the bot cannot answer is added to the ticket; the queue marks it.
    let said = chat.send("昨日の夕方から隣の席の人も同じ状態です").await;
    assert!(
        said.starts_with(&format!("受付番号 #{id} に追記しました")),
        "{via:?} {said}"
    );
    let ticket = store.ticket(id).await.unwrap().unwrap();
    assert_eq!(ticket.updated_by_staff_at, Some(d.helpdesk.now()));
    let view = d.helpdesk.tickets().view(id, "sato").await.unwrap();
    assert!(view
        .messages
        .iter()
        .any(|m| m.text.contains("隣の席の人も")));
    // An operator read it: the mark goes.
    assert!(!marked(&d, id).await);

    // A question the bot answers with confidence: the answer, and the ticket stays open.
    let said = chat.send("ＶＰＮつながらない").await;
    assert!(said.contains(ANSWERED), "{via:?} {said}");
    assert!(
        said.ends_with(&format!("受付番号 #{id} はこのまま担当者が対応します。")),
        "{said}"
    );
    assert!(store.ticket(id).await.unwrap().unwrap().status.is_open());
    // Content-free: the ticket's status, not an answer.
    assert!(chat.send("はい").await.contains("解決してよかった"));
    let said = chat.send("2").await;
    assert!(
        said.contains(&format!("受付番号 #{id} で担当者におつなぎしています")),
        "{said}"
    );

    // Once an operator works it, 「どうなりましたか」 names the status and the resolution due.
    d.helpdesk
        .tickets()
        .act(id, "sato", madoguchi::tickets::OperatorAction::HandBack)
        .await
        .unwrap();
    d.helpdesk
        .tickets()
        .set_status(
            id,
            "sato".into(),
            madoguchi::domain::TicketStatus::InProgress,
        )
        .await
        .unwrap();
    let said = chat.send("どうなりましたか").await;
    assert!(
        said.contains("現在の状況は「対応中」です（解決の期限：11月30日(月) 10:00）"),
        "{via:?} {said}"
    );
}

#[tokio::test]
async fn an_open_ticket_collects_messages_in_logochat() {
    an_open_ticket_collects_messages(Via::LogoChat).await;
}

#[tokio::test]
async fn an_open_ticket_collects_messages_in_the_widget() {
    an_open_ticket_collects_messages(Via::Widget).await;
}

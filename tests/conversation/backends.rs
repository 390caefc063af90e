//! The whole conversation story on every backend: SQLite always, PostgreSQL when
//! `MADOGUCHI_TEST_POSTGRES_URL` is set (required in CI).

use madoguchi::conversation::{Channel, Identity, Incoming};
use madoguchi::domain::{OutboxStatus, TicketStatus};
use madoguchi::tickets::OperatorAction;

use crate::db::backends;
use crate::helpers::{desk_in, said};

#[tokio::test]
async fn a_conversation_from_question_to_resolved_ticket_on_every_backend() {
    for db in backends().await {
        let url = db.url.clone();
        let d = desk_in(tempfile::TempDir::new().unwrap(), |s| {
            s.database_url = Some(url);
        })
        .await;
        assert_eq!(d.helpdesk.store().backend_name(), db.store.backend_name());
        let answered = d.logo("r1", "ＶＰＮつながらない").await;
        assert_eq!(
            answered.replies[0].faq_id.as_deref(),
            Some("telework-cannot-connect-home")
        );
        let others = d.logo("r1", "いいえ").await;
        assert!(others.replies[0].choices().len() >= 2, "{}", said(&others));
        let escalated = d.logo("r1", "担当者").await;
        let id = escalated.conversation.ticket_id.expect("a ticket");
        d.helpdesk
            .tickets()
            .act(id, "山田", OperatorAction::Take)
            .await
            .unwrap();
        assert!(d.logo("r1", "まだですか").await.replies.is_empty());
        let (_, sent) = d
            .helpdesk
            .tickets()
            .act(id, "山田", OperatorAction::Reply("確認します。".into()))
            .await
            .unwrap();
        assert_eq!(sent[0].author_name.as_deref(), Some("山田"));
        let queued = d
            .helpdesk
            .store()
            .outbox(Some(OutboxStatus::Pending), 10)
            .await
            .unwrap();
        assert_eq!(queued.len(), 2, "hand-off notice and reply, for LoGo");
        let (ticket, _) = d
            .helpdesk
            .tickets()
            .act(id, "山田", OperatorAction::Resolve { faq_id: None })
            .await
            .unwrap();
        assert_eq!(ticket.status, TicketStatus::Resolved);
        // A redelivered message is answered once on this backend too.
        let incoming = Incoming {
            channel: Channel::LogoChat,
            room: "r2".into(),
            user_ref: "logo-taro".into(),
            user_name: None,
            identity: Identity::LogoChatId("logo-taro".into()),
            message_id: Some("m-1".into()),
            text: "パスワードを忘れた".into(),
        };
        let first = d
            .helpdesk
            .conversations()
            .receive(incoming.clone())
            .await
            .unwrap();
        let second = d.helpdesk.conversations().receive(incoming).await.unwrap();
        assert_eq!((first.duplicate, second.duplicate), (false, true));
        assert_eq!(first.replies, second.replies);
    }
}

//! The persistent delivery queue: what an item's state is, and where it goes.

use super::text_enum::text_enum;

text_enum! {
    /// Where an outbox item stands.
    pub enum OutboxStatus: "outbox status" {
        Pending = "pending" / "送信待ち",
        Delivered = "delivered" / "送信済み",
        /// Gave up after the configured attempts; an operator may queue it again.
        Failed = "failed" / "送信失敗",
    }
}

text_enum! {
    /// Which adapter delivers an item. Items are channel-neutral (a text, maybe a
    /// subject); the adapter for the route encodes its own wire format at delivery.
    pub enum OutboxRoute: "outbox route" {
        /// A message to a staff member in LoGoチャット (room and user of the conversation).
        LogoChat = "logochat" / "LoGoチャット",
        /// A notice to the operators' LoGoチャット room.
        OperatorsRoom = "logochat-operators" / "オペレーター用トークルーム",
        /// An e-mail notice.
        Mail = "mail" / "メール",
    }
}

text_enum! {
    /// What an outbox item is about, as the operators' page of failed deliveries names it.
    pub enum OutboxKind: "outbox kind" {
        /// A bot's or an operator's message in a staff member's conversation.
        Message = "message" / "会話のメッセージ",
        /// A new escalation, to the operators.
        Escalation = "escalation" / "エスカレーションの通知",
        /// A request's (申請) notice.
        Request = "request" / "申請の通知",
        /// A loan's or reservation's notice, reminder or the operators' daily list.
        Loan = "loan" / "貸出・予約の通知",
        /// A ledger's notice (a virus incident, the city's mail).
        Ledger = "ledger" / "台帳の通知",
        /// A print run's notice (the batch duties).
        PrintRun = "print-run" / "印刷業務の通知",
        /// Queued before items recorded their kind.
        Notice = "notice" / "通知（種類の記録なし）",
    }
}

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

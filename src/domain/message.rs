//! Messages of a conversation: which way they went and who wrote them.

use super::text_enum::text_enum;

text_enum! {
    /// Which way a message went.
    pub enum Direction: "message direction" {
        /// From the staff member.
        In = "in" / "受信",
        /// To the staff member.
        Out = "out" / "送信",
    }
}

text_enum! {
    /// Who wrote a message.
    pub enum Author: "message author" {
        Staff = "staff" / "職員",
        Bot = "bot" / "自動応答",
        Operator = "operator" / "担当者",
    }
}

//! The ways a staff member reaches the helpdesk.

use super::outbox::OutboxRoute;
use super::text_enum::text_enum;

text_enum! {
    /// Where a conversation (and the tickets it opens) came from.
    pub enum Channel: "channel" {
        LogoChat = "logochat" / "LoGoチャット",
        Widget = "widget" / "ポータルのチャット",
        Terminal = "terminal" / "端末",
        /// An inquiry an operator entered for a call.
        Phone = "phone" / "電話",
        /// An inquiry an operator entered for a visit to the counter.
        Counter = "counter" / "窓口",
        /// An inquiry an operator entered for an e-mail.
        Mail = "mail" / "メール",
        /// A request sent by another system through the JSON API.
        Api = "api" / "連携API",
    }
}

impl Channel {
    /// How messages sent later (an operator's reply) reach the staff member: pushed
    /// through the outbox on this route, or `None` when the channel fetches them (the
    /// widget polls, the terminal reads).
    pub fn outbox_route(self) -> Option<OutboxRoute> {
        match self {
            Channel::LogoChat => Some(OutboxRoute::LogoChat),
            Channel::Widget
            | Channel::Terminal
            | Channel::Phone
            | Channel::Counter
            | Channel::Mail
            | Channel::Api => None,
        }
    }

    /// The channels an operator records an inquiry under (電話, 窓口, メール).
    pub const ENTERED_BY_OPERATOR: &'static [Channel] =
        &[Channel::Phone, Channel::Counter, Channel::Mail];

    /// Whether the channel shows a request's or a loan's whole form while the dialogue
    /// is open (the portal widget), instead of the chat asking field by field.
    pub fn shows_forms(self) -> bool {
        self == Channel::Widget
    }

    /// Whether messages sent later are pushed through the outbox.
    pub fn pushes(self) -> bool {
        self.outbox_route().is_some()
    }
}

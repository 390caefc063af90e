//! The ways a staff member reaches the helpdesk.

use super::outbox::OutboxRoute;
use super::text_enum::text_enum;

text_enum! {
    /// Where a conversation (and the tickets it opens) came from.
    pub enum Channel: "channel" {
        LogoChat = "logochat" / "LoGoチャット",
        Widget = "widget" / "ポータルのチャット",
        Terminal = "terminal" / "端末",
    }
}

impl Channel {
    /// How messages sent later (an operator's reply) reach the staff member: pushed
    /// through the outbox on this route, or `None` when the channel fetches them (the
    /// widget polls, the terminal reads).
    pub fn outbox_route(self) -> Option<OutboxRoute> {
        match self {
            Channel::LogoChat => Some(OutboxRoute::LogoChat),
            Channel::Widget | Channel::Terminal => None,
        }
    }

    /// Whether messages sent later are pushed through the outbox.
    pub fn pushes(self) -> bool {
        self.outbox_route().is_some()
    }
}

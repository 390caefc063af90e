//! Adapters for the chat platforms: they turn a platform's format into the conversation
//! engine's [`crate::conversation::Incoming`] and send replies back. Nothing here decides
//! what to say.

pub mod logochat;

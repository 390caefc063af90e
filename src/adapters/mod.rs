//! Adapters for outside systems the helpdesk calls out to, each behind the small
//! interface of the service that needs it, with its contract in `integrations/`: mail
//! (SMTP, for the outbox), the city's directory (LDAP, for console sign-in) and the
//! continuous-form printer (CUPS, for print runs). The chat
//! platforms' adapters live in [`crate::channels`].

pub mod active_directory;
pub mod ipp;
pub mod ldap;
pub mod mail;
pub mod printer;

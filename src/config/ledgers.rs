//! `[ledgers]` settings: how long a released IP address waits before reuse, the city's
//! computer-name rule, and the city's contact for incident and stock notices.
//!
//! | setting | TOML | default |
//! | --- | --- | --- |
//! | days a released address is held back | `[ledgers] quarantine_days` | 30 |
//! | computer-name rule | `[ledgers] computer_name_pattern` | `{department}-{kind}{serial:3}` |
//! | city contact's mail addresses | `[ledgers.city_contact] mail` (a list) | none |
//! | city contact's LoGoチャット room | `[ledgers.city_contact] logochat_room` | none |

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LedgerSettings {
    /// Days a released address waits before it is handed out again (a segment may set
    /// its own).
    pub quarantine_days: u32,
    /// The computer-name rule: `{department}` (所属コード), `{kind}` (device kind code),
    /// `{serial:N}` (the next serial, zero-padded to N digits); anything else is literal.
    pub computer_name_pattern: String,
    pub city_contact: CityContact,
}

/// Whom the helpdesk tells at once of a virus incident or a stock shortage (市担当者).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CityContact {
    pub mail: Vec<String>,
    pub logochat_room: Option<String>,
}

impl Default for LedgerSettings {
    fn default() -> Self {
        Self {
            quarantine_days: 30,
            computer_name_pattern: "{department}-{kind}{serial:3}".to_owned(),
            city_contact: CityContact::default(),
        }
    }
}

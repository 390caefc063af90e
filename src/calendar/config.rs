//! The `[calendar]` settings and their checks.
//!
//! ```toml
//! [calendar]
//! open = "08:30"          # default
//! close = "17:15"         # default
//! openings = [2027-04-03] # one-off opening days (TOML dates or "2027-04-03")
//!
//! [[calendar.closures]]
//! from = 2026-12-05
//! to = 2026-12-06         # optional, inclusive; default: the same day as `from`
//! reason = "庁舎電気設備点検"
//! ```

use std::fmt;

use chrono::{NaiveDate, NaiveTime};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

/// The longest one-off closure accepted: a longer one is almost surely a typo in a year.
pub const MAX_CLOSURE_DAYS: i64 = 366;

/// Business hours and one-off changes to the regular calendar (TOML section `[calendar]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CalendarConfig {
    /// Opening time of a business day (default 8:30).
    #[serde(deserialize_with = "time")]
    pub open: NaiveTime,
    /// Closing time (default 17:15): `close` itself is outside business hours.
    #[serde(deserialize_with = "time")]
    pub close: NaiveTime,
    /// One-off closures (building maintenance and the like).
    pub closures: Vec<Closure>,
    /// One-off opening days: business days whatever else the calendar says.
    #[serde(deserialize_with = "dates")]
    pub openings: Vec<NaiveDate>,
}

impl Default for CalendarConfig {
    fn default() -> Self {
        Self {
            open: NaiveTime::from_hms_opt(8, 30, 0).expect("valid time"),
            close: NaiveTime::from_hms_opt(17, 15, 0).expect("valid time"),
            closures: Vec::new(),
            openings: Vec::new(),
        }
    }
}

/// A one-off closure of one day or of the days `from..=to`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Closure {
    #[serde(deserialize_with = "date")]
    pub from: NaiveDate,
    /// Last closed day, inclusive; `None` for a one-day closure.
    #[serde(default, deserialize_with = "optional_date")]
    pub to: Option<NaiveDate>,
    /// Why, in Japanese, as the bot may quote it (e.g. "庁舎電気設備点検").
    pub reason: String,
}

impl Closure {
    /// The last closed day.
    pub fn last(&self) -> NaiveDate {
        self.to.unwrap_or(self.from)
    }

    /// Whether `date` is one of the closed days.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.last()
    }
}

/// A calendar configuration that cannot be used; the message names the setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("calendar: close ({close}) must be after open ({open})")]
    CloseNotAfterOpen { open: NaiveTime, close: NaiveTime },
    #[error("calendar closure {reason:?}: to ({to}) is before from ({from})")]
    ClosureEndsBeforeStart {
        from: NaiveDate,
        to: NaiveDate,
        reason: String,
    },
    #[error("calendar closure from {from}: the reason is empty")]
    ClosureWithoutReason { from: NaiveDate },
    #[error("calendar closure {reason:?}: {from} to {to} is longer than {MAX_CLOSURE_DAYS} days")]
    ClosureTooLong {
        from: NaiveDate,
        to: NaiveDate,
        reason: String,
    },
}

impl CalendarConfig {
    /// Checks the settings; [`super::BusinessCalendar::new`] calls this.
    pub fn validate(&self) -> Result<(), CalendarError> {
        if self.close <= self.open {
            return Err(CalendarError::CloseNotAfterOpen {
                open: self.open,
                close: self.close,
            });
        }
        for c in &self.closures {
            let (from, to, reason) = (c.from, c.last(), c.reason.clone());
            if c.reason.trim().is_empty() {
                return Err(CalendarError::ClosureWithoutReason { from });
            }
            if to < from {
                return Err(CalendarError::ClosureEndsBeforeStart { from, to, reason });
            }
            if (to - from).num_days() + 1 > MAX_CLOSURE_DAYS {
                return Err(CalendarError::ClosureTooLong { from, to, reason });
            }
        }
        Ok(())
    }
}

// Dates and times are accepted both as strings ("2026-12-05", "08:30", "8:30:00") and as
// TOML's own local dates and times (2026-12-05, 08:30:00), which the toml crate hands to
// serde as a one-entry map that only `toml::value::Datetime` can read.

fn time<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
    d.deserialize_any(TomlValue("a time such as \"08:30\""))
        .and_then(|v| parse_time(&v).map_err(de::Error::custom))
}

fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    d.deserialize_any(TomlValue("a date such as 2026-12-05"))
        .and_then(|v| parse_date(&v).map_err(de::Error::custom))
}

fn optional_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    date(d).map(Some)
}

fn dates<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<NaiveDate>, D::Error> {
    struct Wrapped(NaiveDate);
    impl<'de> Deserialize<'de> for Wrapped {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            date(d).map(Wrapped)
        }
    }
    Vec::<Wrapped>::deserialize(d).map(|v| v.into_iter().map(|w| w.0).collect())
}

fn parse_time(text: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(text, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M:%S"))
        .map_err(|_| format!("not a time (HH:MM): {text:?}"))
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("not a date (YYYY-MM-DD): {text:?}"))
}

/// Reads a string or a TOML date/time into its text form.
struct TomlValue(&'static str);

impl<'de> Visitor<'de> for TomlValue {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.0)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<String, A::Error> {
        let value = toml::value::Datetime::deserialize(de::value::MapAccessDeserializer::new(map))?;
        if value.offset.is_some() || (value.date.is_some() && value.time.is_some()) {
            return Err(de::Error::custom(format!(
                "expected {}, found date and time {value}",
                self.0
            )));
        }
        Ok(value.to_string())
    }
}

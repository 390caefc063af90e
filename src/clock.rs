//! The time, behind a trait so that tests can fix it (a Friday evening, a holiday,
//! December 30) and see what the helpdesk says then. The store takes the same clock, so
//! every row is stamped with the time the rest of the helpdesk sees.

use std::sync::Mutex;
use std::time::Instant;

use chrono::{DateTime, Utc};

pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The real time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that says what it is told, for tests. Told to [`FixedClock::run`], it goes on
/// from the time it shows at real speed (for tests that wait on real timers, such as the
/// outbox's backoff), still on the test's date rather than today's.
#[derive(Debug)]
pub struct FixedClock(Mutex<Reading>);

#[derive(Debug, Clone, Copy)]
struct Reading {
    at: DateTime<Utc>,
    /// When it started running, if it runs.
    since: Option<Instant>,
}

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Mutex::new(Reading { at, since: None }))
    }

    /// Shows `at` from now on (running on from it, if the clock runs).
    pub fn set(&self, at: DateTime<Utc>) {
        let mut reading = self.0.lock().unwrap_or_else(|e| e.into_inner());
        reading.at = at;
        reading.since = reading.since.map(|_| Instant::now());
    }

    /// Lets the clock run on at real speed from the time it shows now.
    pub fn run(&self) {
        let now = self.now();
        let mut reading = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *reading = Reading {
            at: now,
            since: Some(Instant::now()),
        };
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        let reading = *self.0.lock().unwrap_or_else(|e| e.into_inner());
        match reading.since {
            None => reading.at,
            Some(since) => {
                let elapsed = chrono::Duration::from_std(since.elapsed()).unwrap_or_default();
                reading.at + elapsed
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_stands_still_until_told_to_run() {
        let start = DateTime::parse_from_rfc3339("2026-11-26T10:00:00+09:00")
            .unwrap()
            .with_timezone(&Utc);
        let clock = FixedClock::new(start);
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(clock.now(), start);
        clock.run();
        std::thread::sleep(std::time::Duration::from_millis(5));
        let later = clock.now();
        assert!(later > start && later < start + chrono::Duration::seconds(5));
        clock.set(start);
        assert!(clock.now() >= start && clock.now() < later);
    }
}

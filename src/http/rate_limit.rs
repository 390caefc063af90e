//! Rate limits of the widget's chat API: messages per minute per conversation and per
//! client address, each a GCRA (a token bucket that holds a minute's worth). Counted in
//! this process only: with several instances behind a balancer, each counts its own share.
//!
//! Time is the monotonic clock ([`Instant`]), not the helpdesk's [`crate::clock`]: a limit
//! must refill while a test's fixed clock stands still. Each check holds one shard's lock
//! for a map lookup, never across an `.await`.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::WidgetSettings;

const SHARDS: usize = 16;

/// A shard forgets the keys whose allowance is whole again once it holds this many (or
/// twice as many as it kept at its last pruning: pruning stays rare when many are live).
const PRUNE_ABOVE: usize = 4096;

/// `per_minute` requests a minute for each key, up to `per_minute` at once.
pub struct RateLimiter<K> {
    /// The time one request uses up.
    interval: Duration,
    /// How far ahead of now a key's allowance may be spent.
    tolerance: Duration,
    hasher: RandomState,
    shards: Box<[Mutex<Shard<K>>]>,
}

struct Shard<K> {
    /// Per key, when its allowance will be whole again (GCRA's theoretical arrival time).
    due: HashMap<K, Instant>,
    prune_at: usize,
}

impl<K> Default for Shard<K> {
    fn default() -> Self {
        Self {
            due: HashMap::new(),
            prune_at: PRUNE_ABOVE,
        }
    }
}

impl<K: Hash + Eq> RateLimiter<K> {
    /// `None` when `per_minute` is 0 (no limit).
    pub fn per_minute(per_minute: u32) -> Option<Self> {
        let interval = Duration::from_secs(60).checked_div(per_minute)?;
        Some(Self {
            interval,
            tolerance: interval * (per_minute - 1),
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        })
    }

    /// Counts a request for `key` at `now`; `Err` says how long until one is allowed.
    pub fn check(&self, key: K, now: Instant) -> Result<(), Duration> {
        let shard = &self.shards[self.hasher.hash_one(&key) as usize % SHARDS];
        let mut shard = shard
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let whole_at = shard.due.get(&key).copied().unwrap_or(now).max(now);
        if whole_at > now + self.tolerance {
            return Err(whole_at - self.tolerance - now);
        }
        if shard.due.len() >= shard.prune_at {
            shard.due.retain(|_, at| *at > now);
            shard.prune_at = PRUNE_ABOVE.max(2 * shard.due.len());
        }
        shard.due.insert(key, whole_at + self.interval);
        Ok(())
    }
}

/// The chat API's two limits, as configured in `[widget]`.
pub struct ChatLimits {
    conversation: Option<RateLimiter<String>>,
    address: Option<RateLimiter<IpAddr>>,
}

impl ChatLimits {
    pub fn new(settings: &WidgetSettings) -> Self {
        Self {
            conversation: RateLimiter::per_minute(settings.conversation_messages_per_minute),
            address: RateLimiter::per_minute(settings.address_messages_per_minute),
        }
    }

    /// Counts a message from `address` (unknown when the app runs without a socket, as in
    /// tests: then only the conversation is counted).
    pub fn check_address(&self, address: Option<IpAddr>) -> Result<(), Duration> {
        match (&self.address, address) {
            (Some(limit), Some(address)) => limit.check(client(address), Instant::now()),
            _ => Ok(()),
        }
    }

    /// Counts a message in the conversation with this token.
    pub fn check_conversation(&self, token: &str) -> Result<(), Duration> {
        match &self.conversation {
            Some(limit) => limit.check(token.to_owned(), Instant::now()),
            None => Ok(()),
        }
    }
}

/// The client an address stands for: an IPv4 address (also when it arrives mapped into
/// IPv6), or an IPv6 /64, which one household or machine usually has whole.
fn client(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minutes_worth_passes_at_once_then_one_per_interval() {
        let limit = RateLimiter::per_minute(6).unwrap();
        let start = Instant::now();
        for i in 0..6 {
            assert_eq!(limit.check("a", start), Ok(()), "request {i}");
        }
        assert_eq!(limit.check("a", start), Err(Duration::from_secs(10)));
        assert_eq!(limit.check("b", start), Ok(()), "another key has its own");
        let later = start + Duration::from_secs(9);
        assert_eq!(limit.check("a", later), Err(Duration::from_secs(1)));
        let later = start + Duration::from_secs(10);
        assert_eq!(limit.check("a", later), Ok(()));
        assert!(limit.check("a", later).is_err());
        // A minute later the whole allowance is back.
        let later = later + Duration::from_secs(60);
        for _ in 0..6 {
            assert_eq!(limit.check("a", later), Ok(()));
        }
        assert!(limit.check("a", later).is_err());
    }

    #[test]
    fn refused_requests_do_not_use_up_the_allowance() {
        let limit = RateLimiter::per_minute(1).unwrap();
        let start = Instant::now();
        assert_eq!(limit.check("a", start), Ok(()));
        for _ in 0..100 {
            assert!(limit.check("a", start).is_err());
        }
        assert_eq!(limit.check("a", start + Duration::from_secs(60)), Ok(()));
    }

    #[test]
    fn zero_means_no_limit_and_idle_keys_are_forgotten() {
        assert!(RateLimiter::<u32>::per_minute(0).is_none());
        let limit = RateLimiter::per_minute(60).unwrap();
        let start = Instant::now();
        let first = (PRUNE_ABOVE * SHARDS / 2) as u32;
        for key in 0..first {
            limit.check(key, start).unwrap();
        }
        // Two seconds on, every first key's allowance is whole: once a shard is full, it
        // forgets them.
        let later = start + Duration::from_secs(2);
        for key in first..first + (PRUNE_ABOVE * SHARDS) as u32 {
            limit.check(key, later).unwrap();
        }
        for shard in limit.shards.iter() {
            assert!(shard.lock().unwrap().due.keys().all(|key| *key >= first));
        }
    }

    #[test]
    fn an_ipv6_client_is_its_64_and_a_mapped_ipv4_address_is_itself() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        assert_eq!(client(a), client(b));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(client(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }
}
